"""The gRPC endpoint's lifecycle: it binds, serves on its loop, refuses a taken port, stops.

Example:
    .venv/bin/pytest tests/serving/grpc/test_server.py
"""

import concurrent.futures
import socket

import grpc
import pytest
from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

from serving.errors import ConfigError, not_found
from serving.grpc.server import GrpcServer
from serving.server.metrics import Metrics


class NoModels:
    """A manager that serves nothing: every request is NOT_FOUND."""

    def statuses(self, request):
        raise not_found(f"Could not find any versions of model {request.name}")


@pytest.fixture
def executor():
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        yield pool


def test_grpc_server_answers_and_records_calls_then_stops(executor):
    metrics = Metrics(["nope"])
    server = GrpcServer(
        NoModels(), metrics, executor, host="127.0.0.1", port=0, max_request_bytes=1024
    )
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


def test_grpc_server_refuses_a_port_in_use(executor):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = GrpcServer(
            NoModels(), Metrics(), executor, host="127.0.0.1", port=port, max_request_bytes=1024
        )
        with pytest.raises(ConfigError, match=f"cannot bind the gRPC port 127.0.0.1:{port}"):
            server.start()
    server.stop(grace_seconds=1)
