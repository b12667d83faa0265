"""The server's two endpoints, built from its configuration: gRPC and REST.

`grpc_endpoint` registers TF Serving's services and the Open Inference Protocol's on one
gRPC server (health checks, the profiler and reflection per the flags); `start_rest` serves
TF Serving's REST API, `/v2`, `/openapi.json` and Prometheus metrics on one port. Both
answer from the ModelServer's manager, metrics and request log.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --port=auto --rest_api_port=auto
"""

import functools
import logging

from serving.core.inline import INLINE
from serving.errors import ConfigError
from serving.grpc import GrpcOptions, GrpcServer, add_services
from serving.rest import RestApi, RestServer, create_app
from serving.rest.admission import Admission
from serving.v2 import DataPlane, V2RestApi
from serving.v2 import add_service as add_v2_service

GRACE_SECONDS = 5.0  # how long stop() lets in-flight requests finish
log = logging.getLogger(__name__)


def grpc_endpoint(server):
    """The gRPC server of a ModelServer, not yet started.

    Its servicers run each signature in the gRPC handler thread that took the call: with
    batching off, `--grpc_max_threads` of them run models. With batching on, the batch
    threads run the models and a handler thread only waits for its batch, so every call in
    flight (up to `--max_inflight_requests`) gets a thread: calls beyond
    `--grpc_max_threads` still meet in one batch.

    Args:
        server: the ModelServer (its config, settings, manager, metrics, request_log and
            reload_config).

    Returns:
        A grpc.GrpcServer.
    """
    config = server.config
    threads = config.grpc_max_threads
    if server.batch_scheduler is not None:
        threads = config.max_inflight_requests
    tf_serving_services = functools.partial(
        add_services,
        manager=server.manager,
        metrics=server.metrics,
        check_method_names=config.enable_signature_method_name_check,
        reload_config=server.reload_config,
        tensor_content=config.enable_serialization_as_tensor_content,
        request_log=server.request_log,
    )
    v2_dataplane = DataPlane(server.manager, INLINE)

    def services(grpc_server):
        tf_serving_services(grpc_server)
        add_v2_service(grpc_server, v2_dataplane, server.metrics)  # Open Inference Protocol

    return GrpcServer(
        services,
        GrpcOptions(
            host=config.host,
            port=config.port,
            socket_path=config.grpc_socket_path,
            channel_arguments=config.grpc_channel_arguments,
            max_request_bytes=config.max_request_bytes,
            ssl=server.settings.ssl,
            health_service=config.enable_grpc_healthcheck_service,
            profiler=config.enable_profiler,
            max_concurrent_calls=config.max_inflight_requests,
            max_threads=threads,
        ),
    )


def rest_wanted(config):
    """Whether the REST API is to be served, as TF Serving decides.

    Args:
        config: a ServerConfig.

    Returns:
        False for `--rest_api_port=0`, and (logged as TF Serving logs it) for a REST port
        equal to the gRPC port; True otherwise.
    """
    if config.rest_api_port == 0:
        return False
    if config.rest_api_port == config.port > 0:
        log.error(
            "--rest_api_port cannot be same as --port. Please use a different port for "
            "HTTP/REST API. Skipped exporting HTTP/REST API."
        )
        return False
    return True


def start_rest(server, executor, parse_executor):
    """Binds and starts the REST endpoint of a ModelServer.

    Args:
        server: the ModelServer (its config, settings, manager, metrics and request_log).
        executor: the thread pool that runs signatures when batching is off.
        parse_executor: the thread pool that parses large bodies.

    Returns:
        The running rest.RestServer.

    Raises:
        ConfigError: if the port cannot be bound.
    """
    config = server.config
    admission = Admission(
        config.max_inflight_requests,
        config.max_inflight_request_bytes,
        config.max_request_bytes,
        config.rest_api_read_timeout_seconds,
    )
    app = create_app(
        RestApi(
            server.manager,
            executor,
            parse_executor,
            config.enable_signature_method_name_check,
            server.request_log,
        ),
        metrics=server.metrics,
        cors=config.rest_api_enable_cors_support,
        admission=admission,
        timeout=config.rest_api_timeout_in_ms / 1000,
        prometheus_path=server.settings.prometheus_path,
        v2=V2RestApi(DataPlane(server.manager, executor), parse_executor),
    )
    rest = RestServer(
        app,
        config.host,
        max(config.rest_api_port, 0),
        GRACE_SECONDS,
        idle_timeout=config.rest_api_read_timeout_seconds,
    )
    try:
        rest.start()
    except OSError as error:
        raise ConfigError(
            f"cannot bind the REST port {config.host}:{config.rest_api_port}: {error}"
        ) from error
    return rest
