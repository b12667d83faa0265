"""The Open Inference Protocol's REST routes, on the REST API's port beside TF Serving's.

Routes (case-sensitive, as the protocol says; model name and version URL-decoded):
    GET  /v2                                               server metadata
    GET  /v2/health/live, /v2/health/ready                 200, empty body
    GET  /v2/models/{name}[/versions/{v}]                  model metadata
    GET  /v2/models/{name}[/versions/{v}]/ready            200, empty body; 404 if not
    POST /v2/models/{name}[/versions/{v}]/infer            inference (JSON, binary data)
`{v}` is a version number or a version label. Refusals are `{"error": ...}`: 400 for a bad
request, 404 for an unknown model, version, label or route. `V2RestApi.handle` is free of
HTTP libraries; `route` makes it an aiohttp handler that admits requests, keeps the
deadline and records model calls (ModelMetadata, ModelReady, ModelInfer) in the metrics,
as the `/v1` routes do.

Example:
    curl http://127.0.0.1:8501/v2/models/mnist
"""

import asyncio
import dataclasses
import logging
import re
import time
import urllib.parse

import grpc
import orjson
from aiohttp import http_exceptions, web, web_protocol

from serving.errors import HTTP_STATUS, ServingError, not_found
from serving.rest.admission import BodyTimeout, RequestTooLarge
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

    def route(self, admission, metrics, timeout, cors_headers):
        """This API as an aiohttp handler for `/v2...`, guarded as rest.app guards `/v1`.

        Args:
            admission: the rest.admission.Admission shared with `/v1`.
            metrics: a server.metrics.Metrics.
            timeout: seconds to answer once the body is read; 0 means no limit.
            cors_headers: headers added to every answer (CORS), or {}.

        Returns:
            An async callable(aiohttp request) -> web.Response.
        """

        def error(status, message):
            body = orjson.dumps({"error": message})
            return web.Response(status=status, body=body, headers={**cors_headers, **_JSON})

        async def answer(request):
            start = time.perf_counter()
            async with admission.admit(request.content_length):
                body = await admission.read_body(request)
                async with asyncio.timeout(timeout or None):
                    result = await self.handle(
                        request.method, request.rel_url.raw_path, request.headers, body
                    )
            if result.api is not None:
                elapsed = time.perf_counter() - start
                metrics.record(
                    result.model_name, result.api, "REST", result.code, elapsed,
                    result.version, result.signature,
                )  # fmt: skip
            headers = {**cors_headers, **result.headers}
            return web.Response(status=result.status, body=result.body, headers=headers)

        async def handler(request):
            if cors_headers and request.method == "OPTIONS":
                return web.Response(status=200, headers=cors_headers)
            try:
                return await answer(request)
            except RequestTooLarge as refusal:
                return error(413, refusal.message)
            except web.HTTPRequestEntityTooLarge:
                limit = admission.max_request_bytes
                return error(413, f"Request body is larger than the limit of {limit} bytes")
            except ServingError as refusal:
                return error(refusal.http_status, refusal.message)
            except BodyTimeout as stalled:
                response = error(408, str(stalled))
                response.force_close()
                return response
            except TimeoutError:
                status = HTTP_STATUS[grpc.StatusCode.DEADLINE_EXCEEDED]
                return error(status, f"Request not answered within {round(timeout * 1000)} ms")
            except (http_exceptions.HttpProcessingError, web_protocol.RequestPayloadError):
                return error(400, "Malformed request body")
            except Exception:
                log.exception("REST request %s %s failed", request.method, request.rel_url.raw_path)
                return error(500, "Internal error")

        return handler


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
