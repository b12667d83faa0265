"""SavedModels TF Serving serves that a Keras export never writes: TF1 reference variables,
tf.saved_model.save of a tf.train.Checkpoint (tensorflow_model_server_test.py's
test_tf_saved_model_save and ..._multiple_signatures), and warmup records that change state.

One server holds all of them through a model config file; RunServer starts one per model
with `--model_name=default`, which would only add start-ups.

Example:
    pytest tests/serving/tf_serving/test_model_formats.py
"""

import pytest
from grpc_calls import predict, verify_predict

MODELS = (
    "ref_vars",
    "counter_warmup",
    "tf_saved_model_save",
    "tf_saved_model_save_multiple_signatures",
)


@pytest.fixture(scope="module")
def server(servers, models, tmp_path_factory):
    """A server with the models above, each under its directory name."""
    entries = "".join(
        f'config {{ name: "{name}" base_path: "{models / name}" model_platform: "tensorflow" }}\n'
        for name in MODELS
    )
    config = tmp_path_factory.mktemp("formats") / "models.config"
    config.write_text(f"model_config_list {{\n{entries}}}\n")
    return servers.get(model_config_file=config)


def test_reference_variables_model_predicts(server):
    result = predict(server.grpc, "ref_vars", {"x": [2.0, 4.0]})
    assert list(result.outputs["y"].float_val) == [3.0, 4.0]


def test_tf_saved_model_save_predicts(server):
    verify_predict(server.grpc, 12.0, 123, model_name="tf_saved_model_save", specify_output=False)


@pytest.mark.parametrize(
    ("signature", "expected"), [("custom_signature_key", 2.0), ("serving_default", 1.0)]
)
def test_tf_saved_model_save_multiple_signatures_predict(server, signature, expected):
    name = "tf_saved_model_save_multiple_signatures"
    verify_predict(server.grpc, expected, 123, model_name=name, signature_name=signature)


def test_warmup_records_run_before_serving(server):
    # Three warmup records each ran incr_counter once before the version became available.
    result = predict(server.grpc, "counter_warmup", signature_name="get_counter")
    assert list(result.outputs["output"].float_val) == [3.0]
