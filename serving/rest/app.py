"""The REST API's aiohttp application: TF Serving's routes, `/v2`, OpenAPI, Prometheus.

`create_app` routes `/v1/...` to the `rest.handler.RestApi` (which runs signatures off the
event loop, on a thread pool or in batches, so slow models never block it) and `/v2...` to
the Open Inference Protocol's `v2.V2RestApi`, both behind `rest.guard.guarded` (admission,
the deadline, metrics, faults as JSON answers; CORS headers and OPTIONS preflights only
when CORS support is on). It also serves `/openapi.json` and `/docs`, and Prometheus
metrics when monitoring is on.

Example:
    curl -d '{"instances": [[[0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import functools

from aiohttp import web

from serving.openapi import add_routes as add_openapi_routes
from serving.rest.guard import guarded, json_response

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
    guard = functools.partial(
        guarded, metrics=metrics, admission=admission, timeout=timeout, cors_headers=headers
    )

    async def tf_serving(request, body):
        result = await api.handle(request.method, request.rel_url.raw_path, body)
        return result, json_response(result.status, result.body, headers)

    async def inference_protocol(request, body):
        path = request.rel_url.raw_path
        result = await v2.handle(request.method, path, request.headers, body)
        response_headers = {**headers, **result.headers}
        return result, web.Response(
            status=result.status, body=result.body, headers=response_headers
        )

    async def handle_metrics(request):
        return web.Response(text=metrics.render(), content_type="text/plain")

    app = web.Application(client_max_size=admission.max_request_bytes)
    app.router.add_route("*", "/v1/{tail:.*}", guard(tf_serving))
    if v2 is not None:
        app.router.add_route("*", "/v2{tail:.*}", guard(inference_protocol))
    add_openapi_routes(app, api.manager)  # GET /openapi.json and /docs
    if prometheus_path:
        app.router.add_get(prometheus_path, handle_metrics)
    return app
