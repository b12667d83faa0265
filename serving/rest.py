"""The HTTP side of the REST API: an aiohttp app, and a server that runs it in a thread.

`create_app` routes `/v1/...` to `RestApi` (which runs signatures off the event loop, on
a thread pool or in batches, so slow models never block it), refuses bodies over the
size limit with a JSON 413, adds CORS headers and answers OPTIONS preflights only when
CORS support is on, and serves Prometheus metrics when monitoring is on. `RestServer`
binds the port (0 picks a free one) and runs the app on its own event loop.

Example:
    curl -d '{"instances": [[[0, 0]]]}' http://127.0.0.1:8501/v1/models/mnist:predict
"""

import socket
import time

from aiohttp import web

from serving.event_loop import LoopThread

# TF Serving's AddCORSHeaders (model_servers/http_rest_api_util.cc).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET",
    "Access-Control-Allow-Headers": "Content-Type",
}


def create_app(api, *, metrics, cors, max_request_bytes, prometheus_path):
    """Builds the aiohttp application of the REST API.

    Args:
        api: a rest_api.RestApi.
        metrics: a monitoring.Metrics that records every API call.
        cors: whether to add CORS headers and answer OPTIONS preflights.
        max_request_bytes: the largest accepted request body.
        prometheus_path: where to serve Prometheus metrics, or None for nowhere.

    Returns:
        The web.Application.
    """
    headers = CORS_HEADERS if cors else {}

    async def handle_api(request):
        start = time.perf_counter()
        if cors and request.method == "OPTIONS":
            return web.Response(status=200, headers=headers)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            message = (
                f"Request body is larger than the limit of {max_request_bytes} bytes "
                f"(--max_request_bytes)"
            )
            return web.json_response({"error": message}, status=413, headers=headers)
        result = await api.handle(request.method, request.rel_url.raw_path, body)
        if result.api is not None:
            elapsed = time.perf_counter() - start
            metrics.record(result.model_name, result.api, "REST", result.code, elapsed)
        return web.Response(
            text=result.body, status=result.status, content_type="application/json", headers=headers
        )

    async def handle_metrics(request):
        return web.Response(text=metrics.render(), content_type="text/plain")

    app = web.Application(client_max_size=max_request_bytes)
    app.router.add_route("*", "/v1/{tail:.*}", handle_api)
    if prometheus_path:
        app.router.add_get(prometheus_path, handle_metrics)
    return app


class RestServer:
    """Runs an aiohttp app on its own event loop thread.

    Args:
        app: the web.Application.
        host: the address to bind.
        port: the port; 0 picks a free one.
        grace_seconds: how long `stop` lets in-flight requests finish.
    """

    def __init__(self, app, host, port, grace_seconds):
        self._app = app
        self._address = (host, port)
        self._grace_seconds = grace_seconds
        self._loop = LoopThread("rest")
        self._runner = None
        self._socket = None

    @property
    def port(self):
        """The bound port."""
        return self._socket.getsockname()[1]

    def start(self):
        """Binds the port and starts serving.

        Raises:
            OSError: if the address cannot be bound.
        """
        family = socket.AF_INET6 if ":" in self._address[0] else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind(self._address)
        except OSError:
            self._socket.close()
            raise
        self._loop.start()
        self._loop.run(self._serve())

    async def _serve(self):
        self._runner = web.AppRunner(
            self._app, access_log=None, shutdown_timeout=self._grace_seconds
        )
        await self._runner.setup()
        site = web.SockSite(self._runner, self._socket)
        await site.start()

    def stop(self):
        """Stops accepting connections, lets in-flight requests finish, stops the loop."""
        if self._runner is None:
            return
        self._loop.run(self._runner.cleanup())
        self._runner = None
        self._loop.stop()
