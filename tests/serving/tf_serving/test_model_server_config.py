"""Ports of tensorflow_model_server_test.py's model config cases, and of the config options
TF Serving's server.cc and server_core.cc implement: reloads, version labels.

Each case starts its own server, since each changes or tests start-up state.

Example:
    pytest tests/serving/tf_serving/test_model_server_config.py
"""

import time

import grpc
import pytest
from google.protobuf import text_format
from grpc_calls import model_stub, predict, verify_predict
from harness import RPC_TIMEOUT, ModelServer, server_args
from tensorflow_serving.apis import model_management_pb2
from tensorflow_serving.config import model_server_config_pb2

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow

ONE_MODEL = (
    'model_config_list: {{ config: {{ name: "{name}", base_path: "{path}", '
    'model_platform: "tensorflow" }} }}\n'
)


def _config(tmp_path, name, path):
    config = tmp_path / "model_config.txt"
    config.write_text(ONE_MODEL.format(name=name, path=path))
    return config


def _eventually(check, timeout=10.0):
    # Polls where TF Serving's test sleeps a fixed 10 s, so a fast server passes fast.
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, grpc.RpcError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_bad_model_config_names_the_parse_error(tmp_path):
    config = tmp_path / "bad_model_config.txt"
    config.write_text("improperly formatted file")
    with ModelServer(server_args(model_config_file=config)) as server:
        assert server.wait_exit() != 0
        assert "Error parsing text-format tensorflow.serving.ModelServerConfig" in server.output()


def test_model_config_reload_polls_the_file(tmp_path, models):
    config = _config(tmp_path, "half_plus_two", models / "saved_model_half_plus_two_cpu")
    args = server_args(model_config_file=config, model_config_file_poll_wait_seconds=1)
    with ModelServer(args) as server:
        server.wait_ready()
        verify_predict(server.grpc, 3.0, 123, model_name="half_plus_two", specify_output=False)
        _config(tmp_path, "half_plus_three", models / "saved_model_half_plus_three")
        _eventually(
            lambda: verify_predict(
                server.grpc, 4.0, 123, model_name="half_plus_three", specify_output=False
            )
        )


def test_model_config_reload_with_zero_poll_period_keeps_the_first_config(tmp_path, models):
    config = _config(tmp_path, "half_plus_two", models / "saved_model_half_plus_two_cpu")
    args = server_args(model_config_file=config, model_config_file_poll_wait_seconds=0)
    with ModelServer(args) as server:
        server.wait_ready()
        verify_predict(server.grpc, 3.0, 123, model_name="half_plus_two", specify_output=False)
        _config(tmp_path, "half_plus_three", models / "saved_model_half_plus_three")
        time.sleep(2)
        verify_predict(server.grpc, 3.0, 123, model_name="half_plus_two", specify_output=False)


def test_handle_reload_config_request_swaps_models(tmp_path, models):
    config = _config(tmp_path, "half_plus_two", models / "saved_model_half_plus_two_cpu")
    with ModelServer(server_args(model_config_file=config)) as server:
        server.wait_ready()
        request = model_management_pb2.ReloadConfigRequest()
        text_format.Parse(
            ONE_MODEL.format(name="half_plus_three", path=models / "saved_model_half_plus_three"),
            request.config,
        )
        reply = model_stub(server.grpc).HandleReloadConfigRequest(request, RPC_TIMEOUT)
        assert reply.status.error_code == 0, reply.status.error_message
        # ReloadConfig returns once the new models are available.
        verify_predict(server.grpc, 4.0, 123, model_name="half_plus_three", specify_output=False)

        def half_plus_two_unloaded():
            with pytest.raises(grpc.RpcError) as error:
                verify_predict(server.grpc, 3.0, 123, model_name="half_plus_two")
            assert error.value.code() == grpc.StatusCode.NOT_FOUND

        _eventually(half_plus_two_unloaded)


def _labelled_config(tmp_path, models):
    # Versions 123 and 124 served; "future" names 125, which does not exist (yet).
    config = model_server_config_pb2.ModelServerConfig()
    model = config.model_config_list.config.add()
    model.name = "half_plus_two"
    model.base_path = str(models / "saved_model_half_plus_two_2_versions")
    model.model_platform = "tensorflow"
    model.model_version_policy.specific.versions.extend([123, 124])
    model.version_labels.update({"stable": 123, "canary": 124, "future": 125})
    path = tmp_path / "labels.config"
    path.write_text(text_format.MessageToString(config))
    return path


def test_version_label_for_unavailable_version_fails_start_up(tmp_path, models):
    args = server_args(model_config_file=_labelled_config(tmp_path, models))
    with ModelServer(args) as server:
        assert server.wait_exit() != 0
        assert "which is not currently available for inference" in server.output()


def test_allow_version_labels_for_unavailable_models_starts_and_serves_labels(tmp_path, models):
    args = server_args(
        model_config_file=_labelled_config(tmp_path, models),
        extra=("--allow_version_labels_for_unavailable_models",),
    )
    with ModelServer(args) as server:
        server.wait_ready()
        result = verify_predict(server.grpc, 3.0, 124, model_name="half_plus_two")
        assert result.model_spec.version.value == 124
        with pytest.raises(grpc.RpcError) as error:
            predict(server.grpc, "half_plus_two", {"x": [2.0]}, version_label="future")
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
        assert (
            predict(
                server.grpc, "half_plus_two", {"x": [2.0]}, version_label="stable"
            ).model_spec.version.value
            == 123
        )
