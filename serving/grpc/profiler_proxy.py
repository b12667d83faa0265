"""TensorFlow's profiler service on the gRPC port (`--enable_profiler`), as TF Serving has it.

TF Serving registers `tensorflow.ProfilerService` on its own gRPC server, so
`profiler_client.trace` and TensorBoard's "capture profile" trace the serving process at
its gRPC address. TensorFlow's Python API cannot add that service to another server, but
it can start its profiler server in this process on a port of its own. So `ProfilerProxy`
registers the service's methods and forwards each call's request bytes, with the
caller's deadline, to that server, and sends back its answer or status unchanged: the
profile is this process's, written by TensorFlow itself.

TensorFlow's profiler server listens on every interface and cannot be stopped, so it is
started by the first profiler call (never by a server that is not profiled), once per
process, on a free port.

Example:
    python -c "from tensorflow.python.profiler import profiler_client as p; \
        p.trace('localhost:8500', '/tmp/tb', duration_ms=1000)"
"""

import logging
import threading

import grpc
import tensorflow as tf

from common.ports import free_port

log = logging.getLogger(__name__)
SERVICE = "tensorflow.ProfilerService"
# The RPCs of TensorFlow's tsl/profiler/protobuf/profiler_service.proto; all are unary.
METHODS = (
    "Profile",
    "Terminate",
    "Monitor",
    "StartContinuousProfiling",
    "StopContinuousProfiling",
    "GetSnapshot",
)
_UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
# This process's TF profiler server: one per process, as it can be neither stopped nor
# started twice, whichever server in the process is profiled.
_backend = {"lock": threading.Lock(), "port": None}


def backend_port():
    """Starts this process's TensorFlow profiler server on first use.

    Returns:
        int, its port (the proxy reaches it over loopback).
    """
    with _backend["lock"]:
        if _backend["port"] is None:
            port = free_port()
            tf.profiler.experimental.server.start(port)
            # A warning: the port is reachable from other hosts, whatever --host says.
            log.warning("TensorFlow's profiler server listens on every interface, port %d", port)
            _backend["port"] = port
        return _backend["port"]


class ProfilerProxy:
    """`tensorflow.ProfilerService` for a grpc.Server, forwarded to TF's profiler server.

    `close` it after the server stops.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._channel = None

    def handler(self):
        """The generic handler to register: every method, request and answer as raw bytes.

        Returns:
            grpc.ServiceRpcHandler for SERVICE.
        """
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                method: grpc.unary_unary_rpc_method_handler(self._forward(method))
                for method in METHODS
            },
        )

    def _forward(self, method):
        path = f"/{SERVICE}/{method}"

        def forward(request, context):
            try:
                # No serializers: the bytes pass through as they came.
                return self._open().unary_unary(path)(request, timeout=context.time_remaining())
            except grpc.RpcError as error:
                context.abort(error.code(), error.details() or "")

        return forward

    def _open(self):
        with self._lock:
            if self._channel is None:
                self._channel = grpc.insecure_channel(f"127.0.0.1:{backend_port()}", _UNLIMITED)
            return self._channel

    def close(self):
        """Closes the channel to the profiler server, if a call opened one."""
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
