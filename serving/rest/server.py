"""The REST endpoint's lifecycle: binds the port and runs the aiohttp app on its own loop.

`RestServer` binds (0 picks a free port), serves `rest.app.create_app`'s application on
a `LoopThread` running uvloop (libuv's event loop, which spends less CPU per request than
asyncio's own; docs/benchmarks.md has the figures), and on `stop` lets in-flight requests
finish before closing.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --rest_api_port=8501
"""

import socket

import uvloop
from aiohttp import web

from serving.event_loop import LoopThread


class RestServer:
    """Runs an aiohttp app on its own event loop thread.

    Args:
        app: the web.Application.
        host: the address to bind.
        port: the port; 0 picks a free one.
        grace_seconds: how long `stop` lets in-flight requests finish.
        idle_timeout: seconds a connection may wait for the next request's headers (aiohttp's
            keep-alive timeout, which also runs from the connection's start); 0: no limit.
    """

    def __init__(self, app, host, port, grace_seconds, idle_timeout=0):
        self._idle_timeout = idle_timeout
        self._app = app
        self._address = (host, port)
        self._grace_seconds = grace_seconds
        self._loop = LoopThread("rest", uvloop.new_event_loop)
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
            self._app,
            access_log=None,
            shutdown_timeout=self._grace_seconds,
            keepalive_timeout=self._idle_timeout,
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
