"""The server as users start it: `python -m serving.server`, and `build_server` in-process.

Example:
    .venv/bin/pytest tests/serving/server/test_main.py
"""

import shutil
import signal
import socket
import subprocess
import sys

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract
from serving.errors import ConfigError
from serving.server import FREE_PORT

# The slow tier: the server's command line, run as a subprocess.
pytestmark = pytest.mark.slow


def run_cli(args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "serving.server", *args], text=True, **kwargs)


def pixels_request(name=contract.MODEL_NAME, **spec):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    if "version_label" in spec:
        request.model_spec.version_label = spec["version_label"]
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8)))
    return request


def test_server_cli_serves_on_free_ports_and_stops_cleanly_on_sigterm(
    exported_model, tmp_path, http
):
    args = ["--port=auto", "--rest_api_port", "auto", "--model_name=mnist"]
    args.append(f"--model_base_path={exported_model}")
    with open(tmp_path / "stderr.log", "w") as log:
        process = run_cli(args, stdout=subprocess.PIPE, stderr=log)
        try:
            grpc_line = process.stdout.readline()
            rest_line = process.stdout.readline()
            assert grpc_line.startswith("Running gRPC ModelServer at 127.0.0.1:")
            assert rest_line.startswith("Exporting HTTP/REST API at:127.0.0.1:")
            grpc_port = int(grpc_line.split(":")[1].split()[0])
            rest_port = int(rest_line.split(":")[2].split()[0])
            status, _, body = http("GET", f"http://127.0.0.1:{rest_port}/v1/models/mnist")
            assert status == 200
            assert body["model_version_status"][0]["state"] == "AVAILABLE"
            with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
                stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
                assert stub.Predict(pixels_request()).model_spec.version.value == 1
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=120) == 0
            assert "Shutting down" in process.stdout.read()
        finally:
            process.kill()
            process.stdout.close()


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--port=abc"], 2, "argument --port: invalid int_or_auto value: 'abc'"),
        (["--no_such_flag=1"], 2, "unrecognized arguments: --no_such_flag=1"),
        (["--enable_batching=maybe"], 2, "expected true or false, got 'maybe'"),
        (["--rest_api_port=70000"], 1, "--rest_api_port must be in 0..65535 or auto, got 70000"),
        ([], 1, "Both server_options.model_base_path and server_options.model_config_file"),
        (["--model_base_path=/no/such/dir"], 1, "base path '/no/such/dir' is no directory"),
        (
            ["--batching_parameters_file=b.config", "--model_base_path=."],
            1,
            "needs --enable_batching",
        ),
        (
            ["--model_config_file=models.config"],
            1,
            "Error parsing text-format tensorflow.serving.ModelServer",
        ),
    ],
)
def test_server_cli_bad_flag_exits_with_a_one_line_reason(tmp_path, args, status, message):
    (tmp_path / "models.config").write_text("model_config_list { nonsense: 1 }")
    process = run_cli(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == status
    assert stdout == ""
    (line,) = stderr.strip().splitlines()
    assert line.startswith("serving.server: error: ") and message in line


def write_config(path, base, models):
    entries = "".join(
        f'  config {{ name: "{name}" base_path: "{base}" model_platform: "tensorflow" {body} }}\n'
        for name, body in models
    )
    path.write_text(f"model_config_list {{\n{entries}}}\n")
    return path


@pytest.fixture(scope="module")
def three_versions(exported_model, tmp_path_factory):
    base = tmp_path_factory.mktemp("three") / contract.MODEL_NAME
    for version in (1, 2, 3):
        shutil.copytree(exported_model / "1", base / str(version))
    return base


def test_server_config_file_serves_policies_and_labels(make_server, three_versions, tmp_path, http):
    models = [
        ("mnist", "model_version_policy { specific { versions: 1 versions: 3 } } "
                  'version_labels { key: "stable" value: 1 } '
                  'version_labels { key: "canary" value: 3 }'),
        ("mnist_all", "model_version_policy { all {} }"),
        ("mnist_latest", "model_version_policy { latest { num_versions: 2 } }"),
    ]  # fmt: skip
    config_file = write_config(tmp_path / "models.config", three_versions, models)
    with make_server(model_config_file=str(config_file)) as server:
        root = f"http://127.0.0.1:{server.rest_port}/v1/models"

        def versions(path):
            status, _, body = http("GET", f"{root}/{path}")
            assert status == 200
            return {int(s["version"]): s["state"] for s in body["model_version_status"]}

        assert versions("mnist") == {1: "AVAILABLE", 3: "AVAILABLE"}
        assert versions("mnist_all") == {1: "AVAILABLE", 2: "AVAILABLE", 3: "AVAILABLE"}
        assert versions("mnist_latest") == {2: "AVAILABLE", 3: "AVAILABLE"}
        assert versions("mnist/labels/canary") == {3: "AVAILABLE"}
        _, _, metadata = http("GET", f"{root}/mnist/labels/stable/metadata")
        assert metadata["model_spec"]["version"] == "1"
        body = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}
        assert http("POST", f"{root}/mnist/labels/stable:predict", body)[0] == 200
        status, _, answer = http("POST", f"{root}/mnist/versions/2:predict", body)
        assert (status, answer) == (
            404,
            {"error": "Servable not found for request: Specific(mnist, 2)"},
        )
        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            for label, version in (("stable", 1), ("canary", 3)):
                response = stub.Predict(pixels_request(version_label=label))
                assert response.model_spec.version.value == version
            assert stub.Predict(pixels_request()).model_spec.version.value == 3
            assert stub.Predict(pixels_request("mnist_latest")).model_spec.version.value == 3


def test_server_refuses_a_label_of_an_unloaded_version(make_server, three_versions, tmp_path):
    models = [("mnist", 'model_version_policy { specific { versions: 1 } } '
                        'version_labels { key: "canary" value: 2 }')]  # fmt: skip
    config_file = write_config(tmp_path / "models.config", three_versions, models)
    server = make_server(model_config_file=str(config_file))
    with pytest.raises(ConfigError, match="label canary to version 2 of model mnist, which is not"):
        server.start()


@pytest.mark.parametrize("flag", ["port", "rest_api_port"])
def test_server_port_in_use_is_a_clear_error(make_server, exported_model, flag):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = {"port": FREE_PORT, "rest_api_port": FREE_PORT, flag: taken.getsockname()[1]}
        server = make_server(model_base_path=str(exported_model), **ports)
        with pytest.raises(ConfigError, match="cannot bind the (gRPC|REST) port"):
            server.start()
