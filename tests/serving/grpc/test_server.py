"""The gRPC endpoint's lifecycle: it binds, serves on its loop, refuses a taken port, stops.

Example:
    .venv/bin/pytest tests/serving/grpc/test_server.py
"""

import functools
import socket

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

from serving.errors import ConfigError, not_found
from serving.grpc import GrpcOptions, GrpcServer, add_services
from serving.grpc.server import channel_arguments
from serving.server import FREE_PORT
from serving.server.metrics import Metrics


class NoModels:
    """A manager that serves nothing: every request is NOT_FOUND."""

    def statuses(self, request):
        raise not_found(f"Could not find any versions of model {request.name}")


def grpc_server(metrics, **options):
    """A GrpcServer over NoModels with TF Serving's services; `options` as GrpcOptions."""
    services = functools.partial(add_services, manager=NoModels(), metrics=metrics)
    return GrpcServer(services, GrpcOptions(host="127.0.0.1", **options))


def test_grpc_server_answers_and_records_calls_then_stops():
    metrics = Metrics(["nope"])
    server = grpc_server(metrics, port=FREE_PORT)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = model_service_pb2_grpc.ModelServiceStub(channel)
            request = get_model_status_pb2.GetModelStatusRequest()
            request.model_spec.name = "nope"
            with pytest.raises(grpc.RpcError) as caught:
                stub.GetModelStatus(request, timeout=30)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert metrics.request_count("nope", "NOT_FOUND") == 1
    finally:
        server.stop(grace_seconds=1)
    server.stop(grace_seconds=1)


def test_grpc_server_refuses_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = grpc_server(Metrics(), port=port)
        with pytest.raises(ConfigError, match=f"cannot bind the gRPC port 127.0.0.1:{port}"):
            server.start()
    server.stop(grace_seconds=1)


def test_grpc_server_serves_a_unix_socket_and_health_checks(tmp_path):
    socket_path = tmp_path / "grpc.sock"
    server = grpc_server(Metrics(), port=0, socket_path=str(socket_path), health_service=True)
    server.start()
    try:
        assert server.port is None and socket_path.exists()
        with grpc.insecure_channel(f"unix:{socket_path}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for service in ("", "tensorflow.serving.PredictionService"):
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=30)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        server.stop(grace_seconds=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        (
            "grpc.max_concurrent_streams=8,x.y=abc",
            [("grpc.max_concurrent_streams", 8), ("x.y", "abc")],
        ),
    ],
)
def test_grpc_channel_arguments_parse_ints_as_ints(text, expected):
    assert channel_arguments(text) == expected
    with pytest.raises(ConfigError, match="is not key=value"):
        channel_arguments("novalue")
