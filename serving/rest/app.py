"""The REST API's aiohttp application: routes, body limit, CORS, Prometheus metrics.

`create_app` routes `/v1/...` to the `rest.handler.RestApi` (which runs signatures off the
event loop, on a thread pool or in batches, so slow models never block it), refuses
bodies over the size limit with a JSON 413, adds CORS headers and answers OPTIONS
preflights only when CORS support is on, records every API call in the metrics, and
serves Prometheus metrics when monitoring is on.

Example:
    curl -d '{"instances": [[[0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import asyncio
import json
import time

from aiohttp import web

# TF Serving's AddCORSHeaders (model_servers/http_rest_api_util.cc).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET",
    "Access-Control-Allow-Headers": "Content-Type",
}


def create_app(api, *, metrics, cors, max_request_bytes, prometheus_path, timeout_seconds=None):
    """Builds the aiohttp application of the REST API.

    Args:
        api: a rest.handler.RestApi.
        metrics: a server.metrics.Metrics that records every API call.
        cors: whether to add CORS headers and answer OPTIONS preflights.
        max_request_bytes: the largest accepted request body.
        prometheus_path: where to serve Prometheus metrics, or None for nowhere.
        timeout_seconds: how long one call may take, body included
            (`--rest_api_timeout_in_ms`); None for no limit.

    Returns:
        The web.Application.
    """
    headers = CORS_HEADERS if cors else {}

    async def handle_api(request):
        start = time.perf_counter()
        if cors and request.method == "OPTIONS":
            return web.Response(status=200, headers=headers)
        try:
            async with asyncio.timeout(timeout_seconds):
                body = await request.read()
                result = await api.handle(request.method, request.rel_url.raw_path, body)
        except web.HTTPRequestEntityTooLarge:
            message = (
                f"Request body is larger than the limit of {max_request_bytes} bytes "
                f"(--max_request_bytes)"
            )
            return _json(413, json.dumps({"error": message}), headers)
        except TimeoutError:
            message = f"Request timed out after {timeout_seconds * 1000:g} ms"
            return _json(504, json.dumps({"error": message}), headers)
        if result.api is not None:
            elapsed = time.perf_counter() - start
            metrics.record(result.model_name, result.api, "REST", result.code, elapsed)
        return _json(result.status, result.body, headers)

    async def handle_metrics(request):
        return web.Response(text=metrics.render(), content_type="text/plain")

    app = web.Application(client_max_size=max_request_bytes)
    app.router.add_route("*", "/v1/{tail:.*}", handle_api)
    if prometheus_path:
        app.router.add_get(prometheus_path, handle_metrics)
    return app


def _json(status, text, headers):
    # TF Serving's exact header: "application/json", no charset parameter.
    return web.Response(
        body=text.encode(), status=status, headers={**headers, "Content-Type": "application/json"}
    )
