"""SavedModels TF Serving serves that a Keras export never writes: TF1 reference variables,
tf.saved_model.save of a tf.train.Checkpoint (tensorflow_model_server_test.py's
test_tf_saved_model_save and ..._multiple_signatures), and warmup records that change state
(export_counter.py's counter, in a server of its own).

They are served by the `formats_server` (a model config file) under their directory names;
RunServer starts one server per model with `--model_name=default`, which would only add
start-ups.

Example:
    pytest tests/serving/tf_serving/test_model_formats.py
"""

import pytest
from grpc_calls import predict, verify_predict

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow


def test_reference_variables_model_predicts(formats_server):
    result = predict(formats_server.grpc, "ref_vars", {"x": [2.0, 4.0]})
    assert list(result.outputs["y"].float_val) == [3.0, 4.0]


def test_tf_saved_model_save_predicts(formats_server):
    verify_predict(
        formats_server.grpc, 12.0, 123, model_name="tf_saved_model_save", specify_output=False
    )


@pytest.mark.parametrize(
    ("signature", "expected"), [("custom_signature_key", 2.0), ("serving_default", 1.0)]
)
def test_tf_saved_model_save_multiple_signatures_predict(formats_server, signature, expected):
    name = "tf_saved_model_save_multiple_signatures"
    verify_predict(formats_server.grpc, expected, 123, model_name=name, signature_name=signature)


def test_warmup_records_run_before_serving(servers, models):
    # Its own server: a model whose warmup fails must not take the other cases down.
    server = servers.get(model_name="default", model_path=models / "counter_warmup")
    # Three warmup records each ran incr_counter once before the version became available.
    result = predict(server.grpc, signature_name="get_counter")
    assert list(result.outputs["output"].float_val) == [3.0]
