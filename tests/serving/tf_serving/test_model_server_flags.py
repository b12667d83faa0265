"""tensorflow_model_server flags, checked as TF Serving's main.cc and server.cc define them:
a model that fails to load, `--saved_model_tags`, `--enable_grpc_healthcheck_service`,
`--rest_api_port=0`, `--version`, `--enable_signature_method_name_check`.

Ports _TestBadModel of tensorflow_model_server_test.py (disabled there; TF Serving 2.x
gives up at start-up when a model does not load, so the case asserts the exit).

Example:
    pytest tests/serving/tf_serving/test_model_server_flags.py
"""

import subprocess
import sys

import grpc
import pytest
from grpc_calls import predict
from harness import RPC_TIMEOUT, ModelServer, server_args

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow

# grpc.health.v1.HealthCheckRequest{service} and HealthCheckResponse{status}, written by
# hand: grpcio-health-checking is not a dependency of this project.
_SERVING = 1


def _health_check(address, service):
    def encode(name):
        data = name.encode()
        return (b"\x0a" + bytes([len(data)]) + data) if data else b""

    with grpc.insecure_channel(address) as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check", request_serializer=encode, response_deserializer=bytes
        )
        reply = check(service, timeout=RPC_TIMEOUT)
    return reply[1] if reply[:1] == b"\x08" else 0


def test_bad_model_fails_start_up(models):
    # --max_num_load_retries=0: TF Serving would otherwise retry for 5 minutes first.
    args = server_args(
        model_name="default",
        model_path=models / "bad_half_plus_two",
        max_num_load_retries=0,
    )
    with ModelServer(args) as server:
        assert server.wait_exit() != 0
        assert "did not become available" in server.output()


@pytest.mark.parametrize(("tags", "expected"), [(None, 4.0), ("serve,custom", 6.0)])
def test_saved_model_tags_pick_the_meta_graph(servers, models, tags, expected):
    flags = {"saved_model_tags": tags} if tags else {}
    server = servers.get(model_name="default", model_path=models / "multi_metagraph", **flags)
    result = predict(server.grpc, inputs={"x": [2.0]})
    assert list(result.outputs["y"].float_val) == [expected]


@pytest.fixture(scope="module")
def grpc_only_server(servers, models):
    """The echo model with the health service and the method name check on, and REST off
    (`--rest_api_port=0` disables it in TF Serving): three flags, one server start."""
    return servers.get(
        model_name="default",
        model_path=models / "echo",
        rest_api_port=0,
        extra=("--enable_grpc_healthcheck_service", "--enable_signature_method_name_check"),
    )


@pytest.mark.parametrize("service", ["", "ModelService", "PredictionService"])
def test_grpc_healthcheck_service_reports_serving(grpc_only_server, service):
    assert _health_check(grpc_only_server.grpc, service) == _SERVING


def test_rest_api_port_zero_disables_rest(grpc_only_server):
    assert "Exporting HTTP/REST API" not in grpc_only_server.output()
    assert "Running gRPC ModelServer at" in grpc_only_server.output()


def test_version_flag_prints_versions_and_exits():
    result = subprocess.run(
        [sys.executable, "-m", "serving.server", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("TensorFlow ModelServer: ")
    assert "\nTensorFlow Library: " in result.stdout


def test_signature_method_name_check_refuses_custom_methods(grpc_only_server):
    address = grpc_only_server.grpc
    with pytest.raises(grpc.RpcError) as error:
        predict(address, inputs={"default": [1.0]}, signature_name="custom_method")
    assert "Expected prediction signature method_name to be one of {" in error.value.details()
    assert "Was: custom/method" in error.value.details()
    float_echo = predict(address, inputs={"default": [1.0]}, signature_name="float")
    assert list(float_echo.outputs["default"].float_val) == [1.0]
