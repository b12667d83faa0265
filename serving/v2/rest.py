"""The Open Inference Protocol's REST routes, on the REST API's port beside TF Serving's.

Routes (case-sensitive, as the protocol says; model name and version URL-decoded):
    GET  /v2                                               server metadata
    GET  /v2/health/live, /v2/health/ready                 200, empty body
    GET  /v2/models/{name}[/versions/{v}]                  model metadata
    GET  /v2/models/{name}[/versions/{v}]/ready            200, empty body; 404 if not
    POST /v2/models/{name}[/versions/{v}]/infer            inference (JSON, binary data)
`{v}` is a version number or a version label. Refusals are `{"error": ...}`: 400 for a bad
request, 404 for an unknown model, version, label or route. `V2RestApi.handle` is free of
HTTP libraries; rest.app serves it behind the guard the `/v1` routes have (admission, the
deadline, and model calls recorded in the metrics: ModelMetadata, ModelReady, ModelInfer).

Example:
    curl http://127.0.0.1:8501/v2/models/mnist
"""

import asyncio
import dataclasses
import logging
import re
import urllib.parse

import orjson

from serving.errors import ServingError, not_found
from serving.rest.handler import INLINE_BODY_BYTES
from serving.v2.rest_codec import HEADER_LENGTH, parse_infer, write_infer

log = logging.getLogger(__name__)
_MODEL = r"/v2/models/([^/]+)(?:/versions/([^/]+))?"
_ROUTES = (
    ("GET", re.compile(r"/v2/?"), "ServerMetadata"),
    ("GET", re.compile(r"/v2/health/live"), "ServerLive"),
    ("GET", re.compile(r"/v2/health/ready"), "ServerReady"),
    ("GET", re.compile(_MODEL + "/ready"), "ModelReady"),
    ("POST", re.compile(_MODEL + "/infer"), "ModelInfer"),
    ("GET", re.compile(_MODEL), "ModelMetadata"),
)
_JSON = {"Content-Type": "application/json"}


@dataclasses.dataclass(frozen=True)
class V2Result:
    """An answer: status, body, headers, and what monitoring records (api None: nothing)."""

    status: int
    body: bytes
    headers: dict
    model_name: str = ""
    api: str | None = None
    code: str = "OK"
    version: int | None = None  # the version and signature an inference ran on
    signature: str = ""


class V2RestApi:
    """Answers the protocol's REST requests from a DataPlane.

    Args:
        dataplane: a v2.dataplane.DataPlane.
        parse_executor: the thread pool that reads and writes bodies over
            rest.handler.INLINE_BODY_BYTES, off the event loop.
    """

    def __init__(self, dataplane, parse_executor):
        self._dataplane = dataplane
        self._parse_executor = parse_executor

    async def handle(self, method, path, headers, body):
        """Answers one request; never raises for anything a client sends.

        Args:
            method: the HTTP method.
            path: the raw (URL-encoded) path, without the query string.
            headers: the request headers (a mapping; Inference-Header-Content-Length is read).
            body: the body bytes.

        Returns:
            A V2Result.
        """
        model_name, api = "", None
        try:
            route, groups = _route(method, path)
            name = urllib.parse.unquote(groups[0]) if groups else ""
            version = urllib.parse.unquote(groups[1] or "") if groups else ""
            if groups:
                model_name, api = name, route
            plane = self._dataplane
            if route == "ServerMetadata":
                return V2Result(200, orjson.dumps(plane.server_metadata()), _JSON)
            if route in ("ServerLive", "ServerReady"):
                ready = plane.live() if route == "ServerLive" else plane.ready()
                return V2Result(200 if ready else 503, b"", {})
            if route == "ModelReady":
                plane.model_ready(name, version)
                return V2Result(200, b"", {}, model_name, api)
            if route == "ModelMetadata":
                text = orjson.dumps(plane.model_metadata(name, version))
                return V2Result(200, text, _JSON, model_name, api)
            response, answer, answer_headers = await self._infer(name, version, headers, body)
            ran = int(response.model_version), response.signature
            return V2Result(200, answer, answer_headers, model_name, api, "OK", *ran)
        except ServingError as error:
            text = orjson.dumps({"error": error.message})
            return V2Result(error.http_status, text, _JSON, model_name, api, error.code.name)

    async def _infer(self, name, version, headers, body):
        header_length = headers.get(HEADER_LENGTH)
        self._dataplane.resolve(name, version)  # an unknown model is 404 whatever the body
        if len(body) <= INLINE_BODY_BYTES:
            request, binary_for = parse_infer(body, header_length, name, version)
            response = await self._dataplane.infer(request)
            return response, *write_infer(response, binary_for)
        loop = asyncio.get_running_loop()
        request, binary_for = await loop.run_in_executor(
            self._parse_executor, parse_infer, body, header_length, name, version
        )
        response = await self._dataplane.infer(request)
        written = await loop.run_in_executor(
            self._parse_executor, write_infer, response, binary_for
        )
        return response, *written


def _route(method, path):
    # (route name, (model name, version) or ()) or NOT_FOUND; a known path asked with
    # another method is refused as well, naming the method it takes.
    for route_method, pattern, name in _ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method != route_method:
            raise not_found(f"{path[:256]} takes {route_method}, not {method[:16]}")
        return name, match.groups()
    raise not_found(f"No Open Inference Protocol route for {method[:16]} {path[:256]}")
