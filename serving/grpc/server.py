"""The gRPC endpoint: grpc's thread-pool server with TF Serving's services.

It listens where TF Serving's flags say: a TCP port, a UNIX socket (`--grpc_socket_path`),
or both, with `--grpc_channel_arguments`, TLS from `--ssl_config_file`, the standard
grpc.health.v1 service with `--enable_grpc_healthcheck_service`, TensorFlow's profiler
service with `--enable_profiler`, and server reflection listing every service registered.

Each call is answered in one of `max_threads` handler threads, as in TF Serving: the
servicer runs the model in that thread (with batching, it waits there for its batch), so a
call costs no event loop and no hop to another thread once a handler has it. Calls beyond
`max_concurrent_calls` in flight are refused with RESOURCE_EXHAUSTED.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist --port=8500
"""

import concurrent.futures
import dataclasses
import logging
import os

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from serving.errors import ConfigError
from serving.grpc.profiler_proxy import ProfilerProxy
from serving.grpc.reflection import ServiceRecorder, enable_reflection

log = logging.getLogger(__name__)
_FULL_NAMES = ("tensorflow.serving.ModelService", "tensorflow.serving.PredictionService")


@dataclasses.dataclass(frozen=True)
class GrpcOptions:
    """Where and how the gRPC endpoint listens (TF Serving's gRPC flags)."""

    host: str  # the TCP address to bind
    port: int  # 0: no TCP port; FREE_PORT (-1): the OS picks one
    socket_path: str = ""  # also listen on this UNIX domain socket (--grpc_socket_path)
    channel_arguments: str = ""  # "k1=v1,k2=v2", ints passed as ints (--grpc_channel_arguments)
    max_request_bytes: int = 32 * 1024 * 1024  # the largest accepted request message
    ssl: object = None  # an SSLConfig (--ssl_config_file), or None for an insecure port
    health_service: bool = False  # grpc.health.v1 (--enable_grpc_healthcheck_service)
    profiler: bool = False  # tensorflow.ProfilerService (--enable_profiler)
    # Calls in flight beyond this are refused with RESOURCE_EXHAUSTED (None: no limit).
    max_concurrent_calls: int | None = None
    # Handler threads (`server.endpoints` sizes them from --grpc_max_threads and batching).
    max_threads: int = 4 * (os.cpu_count() or 1)


class GrpcServer:
    """Serves PredictionService and ModelService (health checks, profiler when asked).

    Args:
        services: callable(grpc.Server) that registers the servicers; it is given a
            reflection.ServiceRecorder, so reflection lists what it registers.
        options: GrpcOptions.
    """

    def __init__(self, services, options):
        self._services = services
        self._options = options
        self._port = None
        self._server = None
        self._pool = None
        self._profiler = None
        self.service_names = ()  # what reflection lists (after `start`)

    @property
    def port(self):
        """The bound TCP port (after `start`), or None without one."""
        return self._port

    def start(self):
        """Binds the port and socket and starts serving.

        Raises:
            ConfigError: if the port or socket cannot be bound, or a channel argument is
                malformed.
        """
        options = self._options
        pool = concurrent.futures.ThreadPoolExecutor(options.max_threads, "grpc")
        try:
            server = grpc.server(
                pool,
                options=[
                    ("grpc.max_receive_message_length", options.max_request_bytes),
                    ("grpc.max_send_message_length", -1),
                    # Without this, Linux lets a second server bind a port that is in use.
                    ("grpc.so_reuseport", 0),
                    *channel_arguments(options.channel_arguments),
                ],
                maximum_concurrent_rpcs=options.max_concurrent_calls,
            )
            self._port = self._register_and_bind(server)
            server.start()
        except BaseException:
            self._profiler = None  # no call reached it, so it holds no channel to close
            pool.shutdown(wait=False)
            raise
        self._server, self._pool = server, pool

    def _register_and_bind(self, server):
        options = self._options
        registry = ServiceRecorder(server)
        self._services(registry)
        if options.health_service:
            _add_health_service(registry)
        if options.profiler:
            self._profiler = ProfilerProxy()
            registry.add_generic_rpc_handlers((self._profiler.handler(),))
        # Last: reflection lists the services registered before it.
        self.service_names = enable_reflection(registry)
        port = None
        if options.port:
            host = f"[{options.host}]" if ":" in options.host else options.host
            port = _bind(server, f"{host}:{max(options.port, 0)}", options.ssl)
        if options.socket_path:
            _bind(server, f"unix:{options.socket_path}", options.ssl)
        return port

    def stop(self, grace_seconds):
        """Stops accepting calls, lets in-flight ones finish, then ends the handler threads.

        Args:
            grace_seconds: how long in-flight calls may still run; later they are cancelled.
        """
        if self._server is not None:
            self._server.stop(grace_seconds).wait()
            self._server = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._profiler is not None:
            self._profiler.close()
            self._profiler = None


def channel_arguments(text):
    """Parses `--grpc_channel_arguments` as TF Serving does: "k1=v1,k2=v2".

    Args:
        text: the flag's value; empty for none.

    Returns:
        list of (key, value) pairs; a value that is an integer is passed as an int.

    Raises:
        ConfigError: for an entry that is not key=value.
    """
    pairs = []
    for entry in filter(None, text.split(",")):
        key, sep, value = entry.partition("=")
        if not sep or not key:
            raise ConfigError(f"--grpc_channel_arguments: {entry!r} is not key=value")
        try:
            pairs.append((key, int(value)))
        except ValueError:
            pairs.append((key, value))
    return pairs


def _bind(server, address, ssl):
    try:
        if ssl is None:
            bound = server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(ssl.server_key.encode(), ssl.server_cert.encode())],
                root_certificates=ssl.custom_ca.encode() or None,
                require_client_auth=ssl.client_verify,
            )
            bound = server.add_secure_port(address, credentials)
    except RuntimeError as error:
        log.debug("gRPC bind failed: %s", error)
        bound = 0
    if not bound and not address.startswith("unix:"):
        raise ConfigError(f"cannot bind the gRPC port {address}")
    if address.startswith("unix:") and bound != 1:
        raise ConfigError(f"cannot bind the gRPC socket {address[5:]}")
    return bound


def _add_health_service(server):
    # As TF Serving: the overall status and both services report SERVING.
    servicer = health.HealthServicer()
    # TF Serving names the two services briefly; the full names serve standard clients.
    for service in ("", "ModelService", "PredictionService", *_FULL_NAMES):
        servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
