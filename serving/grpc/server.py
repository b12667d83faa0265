"""The gRPC endpoint: a grpc.aio server with TF Serving's services, on its own event loop.

Calls are handled on the loop: a Predict or Classify waiting for its batch holds no
thread, so concurrent calls batch without one thread per call (and without the thread
switches that costs on a small host). With batching off, signatures run on the
`grpc_max_threads` thread pool, so a slow call never blocks the loop.

Example:
    python -m serving.server --model_base_path serving/models/mnist --port 8500
"""

import logging

import grpc

from serving.errors import ConfigError
from serving.event_loop import LoopThread
from serving.grpc.servicers import add_services

log = logging.getLogger(__name__)


class GrpcServer:
    """Serves PredictionService and ModelService on one port.

    Args:
        manager: the ModelManager.
        metrics: a monitoring.Metrics.
        executor: the thread pool that runs signatures when batching is off.
        host: the address to bind.
        port: the port; 0 picks a free one.
        max_request_bytes: the largest accepted request message.
        max_concurrent_calls: calls in flight beyond this are refused with RESOURCE_EXHAUSTED
            (None: no limit).
    """

    def __init__(
        self,
        manager,
        metrics,
        executor,
        *,
        host,
        port,
        max_request_bytes,
        max_concurrent_calls=None,
    ):
        self._services = (manager, metrics, executor)
        self._host, self._port = host, port
        self._max_request_bytes = max_request_bytes
        self._max_concurrent_calls = max_concurrent_calls
        self._loop = LoopThread("grpc")
        self._server = None

    @property
    def port(self):
        """The bound port (after `start`)."""
        return self._port

    def start(self):
        """Binds the port and starts serving.

        Raises:
            ConfigError: if the port cannot be bound.
        """
        self._loop.start()
        try:
            self._port = self._loop.run(self._serve())
        except BaseException:
            self._loop.stop()
            raise

    async def _serve(self):
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", self._max_request_bytes),
                ("grpc.max_send_message_length", -1),
                # Without this, Linux lets a second server bind a port that is in use.
                ("grpc.so_reuseport", 0),
            ],
            maximum_concurrent_rpcs=self._max_concurrent_calls,
        )
        add_services(server, *self._services)
        host = f"[{self._host}]" if ":" in self._host else self._host
        try:
            port = server.add_insecure_port(f"{host}:{self._port}")
        except RuntimeError as error:
            port = 0
            log.debug("gRPC bind failed: %s", error)
        if not port:
            raise ConfigError(f"cannot bind the gRPC port {self._host}:{self._port}")
        await server.start()
        self._server = server
        return port

    def stop(self, grace_seconds):
        """Stops accepting calls, lets in-flight ones finish, then stops the loop.

        Args:
            grace_seconds: how long in-flight calls may still run.
        """
        if self._server is not None:
            self._loop.run(self._server.stop(grace_seconds))
            self._server = None
        self._loop.stop()
