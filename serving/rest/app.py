"""The REST API's aiohttp application: routes, admission, deadlines, CORS, Prometheus metrics.

`create_app` routes `/v1/...` to the `rest.handler.RestApi` (which runs signatures off the
event loop, on a thread pool or in batches, so slow models never block it) once
`rest.admission.Admission` has admitted the request: bodies over the size limit are a
JSON 413 from their header, a full server a 429, a body that does not arrive in time a
408. A request is answered within `timeout` seconds (`--rest_api_timeout_in_ms`) or with
DEADLINE_EXCEEDED (504). Every answer of the API is JSON: a fault the handler did not
expect is a 500 `{"error": "Internal error"}` and its details go to the server log. CORS
headers and OPTIONS preflights only when CORS support is on; every API call is recorded
in the metrics; Prometheus metrics are served when monitoring is on.

Example:
    curl -d '{"instances": [[[0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import asyncio
import json
import logging
import time

import grpc
from aiohttp import http_exceptions, web, web_protocol

from serving.errors import HTTP_STATUS, ServingError
from serving.openapi import add_routes as add_openapi_routes
from serving.rest.admission import BodyTimeout, RequestTooLarge

log = logging.getLogger(__name__)

# TF Serving's AddCORSHeaders (model_servers/http_rest_api_util.cc).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET",
    "Access-Control-Allow-Headers": "Content-Type",
}


def create_app(api, *, metrics, cors, admission, timeout, prometheus_path, v2=None):
    """Builds the aiohttp application of the REST API.

    Args:
        api: a rest.handler.RestApi.
        metrics: a server.metrics.Metrics that records every API call.
        cors: whether to add CORS headers and answer OPTIONS preflights.
        admission: a rest.admission.Admission (body limit, requests and bytes in flight).
        timeout: seconds to answer a request once its body is read; 0 means no limit.
        prometheus_path: where to serve Prometheus metrics, or None for nowhere.
        v2: a v2.V2RestApi serving the Open Inference Protocol under /v2, or None.

    Returns:
        The web.Application.
    """
    headers = CORS_HEADERS if cors else {}

    def error(status, message):
        return _json(status, json.dumps({"error": message}), headers)

    async def answer(request):
        start = time.perf_counter()
        async with admission.admit(request.content_length):
            body = await admission.read_body(request)
            async with asyncio.timeout(timeout or None):
                result = await api.handle(request.method, request.rel_url.raw_path, body)
        if result.api is not None:
            elapsed = time.perf_counter() - start
            metrics.record(
                result.model_name, result.api, "REST", result.code, elapsed,
                result.version, result.signature,
            )  # fmt: skip
        return _json(result.status, result.body, headers)

    async def handle_api(request):
        if cors and request.method == "OPTIONS":
            return web.Response(status=200, headers=headers)
        try:
            return await answer(request)
        except RequestTooLarge as refusal:
            return error(413, refusal.message)
        except web.HTTPRequestEntityTooLarge:  # a chunked body that grew past the limit
            limit = admission.max_request_bytes
            return error(413, f"Request body is larger than the limit of {limit} bytes")
        except ServingError as refusal:
            return error(refusal.http_status, refusal.message)
        except BodyTimeout as stalled:
            response = error(408, str(stalled))
            response.force_close()  # the rest of the body is not waited for
            return response
        except TimeoutError:
            milliseconds = round(timeout * 1000)
            message = f"Request not answered within {milliseconds} ms (--rest_api_timeout_in_ms)"
            return error(HTTP_STATUS[grpc.StatusCode.DEADLINE_EXCEEDED], message)
        except (http_exceptions.HttpProcessingError, web_protocol.RequestPayloadError) as fault:
            # e.g. a body that is not in the Content-Encoding it claims.
            reason = " ".join(str(fault).split("message:", 1)[-1].split())
            return error(400, f"Malformed request body: {reason}")
        except Exception:
            log.exception("REST request %s %s failed", request.method, request.rel_url.raw_path)
            return error(500, "Internal error")

    async def handle_metrics(request):
        return web.Response(text=metrics.render(), content_type="text/plain")

    app = web.Application(client_max_size=admission.max_request_bytes)
    app.router.add_route("*", "/v1/{tail:.*}", handle_api)
    if v2 is not None:
        app.router.add_route("*", "/v2{tail:.*}", v2.route(admission, metrics, timeout, headers))
    add_openapi_routes(app, api.manager)  # GET /openapi.json and /docs
    if prometheus_path:
        app.router.add_get(prometheus_path, handle_metrics)
    return app


def _json(status, text, headers):
    # TF Serving's exact header: "application/json", no charset parameter.
    return web.Response(
        body=text.encode(), status=status, headers={**headers, "Content-Type": "application/json"}
    )
