"""SavedModels TF Serving serves that a Keras export never writes: TF1 reference variables,
tf.saved_model.save of a tf.train.Checkpoint (tensorflow_model_server_test.py's
test_tf_saved_model_save and ..._multiple_signatures), and warmup records that change state.

They are served by the `extras_server` (a model config file) under their directory names;
RunServer starts one server per model with `--model_name=default`, which would only add
start-ups.

Example:
    pytest tests/serving/tf_serving/test_model_formats.py
"""

import pytest
from grpc_calls import predict, verify_predict


def test_reference_variables_model_predicts(extras_server):
    result = predict(extras_server.grpc, "ref_vars", {"x": [2.0, 4.0]})
    assert list(result.outputs["y"].float_val) == [3.0, 4.0]


def test_tf_saved_model_save_predicts(extras_server):
    verify_predict(
        extras_server.grpc, 12.0, 123, model_name="tf_saved_model_save", specify_output=False
    )


@pytest.mark.parametrize(
    ("signature", "expected"), [("custom_signature_key", 2.0), ("serving_default", 1.0)]
)
def test_tf_saved_model_save_multiple_signatures_predict(extras_server, signature, expected):
    name = "tf_saved_model_save_multiple_signatures"
    verify_predict(extras_server.grpc, expected, 123, model_name=name, signature_name=signature)


def test_warmup_records_run_before_serving(extras_server):
    # Three warmup records each ran incr_counter once before the version became available.
    result = predict(extras_server.grpc, "counter_warmup", signature_name="get_counter")
    assert list(result.outputs["output"].float_val) == [3.0]
