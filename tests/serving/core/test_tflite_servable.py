"""TfLiteServable: model.tflite served as TF Serving's TfLiteSession serves it.

Example:
    .venv/bin/pytest tests/serving/core/test_tflite_servable.py
"""

import asyncio
import concurrent.futures
import types

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2

from export.tflite_signatures import write_signature_defs
from serving.core.servable import Servable
from serving.core.tflite_servable import MODEL_FILE, TfLiteServable, load_servable
from serving.errors import ServingError

v1 = tf.compat.v1


def _convert(function, spec):
    concrete = tf.function(function, input_signature=[spec]).get_concrete_function()
    return tf.lite.TFLiteConverter.from_concrete_functions([concrete], tf.Module()).convert()


def _write(path, model):
    path.mkdir(parents=True, exist_ok=True)
    (path / MODEL_FILE).write_bytes(model)
    return path


def _half_plus_two_tf1(sigdef_input_name="tflite_input:0"):
    # TF Serving's with_sigdef model: tensors "tflite_input" -> "y", and a SignatureDef that
    # names them with ":0", as TF1 tensor names are.
    with tf.Graph().as_default(), v1.Session() as sess:
        x = v1.placeholder(tf.float32, [1, 1], name="tflite_input")
        y = tf.identity(0.5 * x + 2.0, name="y")
        model = v1.lite.TFLiteConverter.from_session(sess, [x], [y]).convert()
    signature = meta_graph_pb2.SignatureDef(method_name="tensorflow/serving/predict")
    signature.inputs["x"].name = sigdef_input_name
    signature.inputs["x"].dtype = tf.float32.as_datatype_enum
    signature.outputs["y"].name = "y:0"
    signature.outputs["y"].dtype = tf.float32.as_datatype_enum
    return write_signature_defs(model, {"serving_default": signature})


@pytest.fixture(scope="module")
def plain_dir(tmp_path_factory):
    """A version holding only model.tflite: y = 0.5x + 2 on float32 [n, 1], no metadata."""
    model = _convert(lambda x: 0.5 * x + 2.0, tf.TensorSpec([None, 1], tf.float32, "x"))
    return _write(tmp_path_factory.mktemp("plain") / "1", model)


def _run(servable, arrays, signature="serving_default"):
    return asyncio.run(servable.run(servable.signatures[signature], arrays))


def test_tflite_servable_without_metadata_makes_serving_default_of_legacy_names(plain_dir):
    servable = TfLiteServable("m", 1, plain_dir)
    ((key, signature),) = servable.signatures.items()
    assert key == "serving_default"
    assert signature.method_name == "tensorflow/serving/predict"
    assert list(signature.inputs) == ["serving_default_x"]  # the tensor name without ":0"
    assert signature.input_names == {"serving_default_x": "serving_default_x:0"}
    ((alias, spec),) = signature.outputs.items()
    assert spec.dtype == tf.float32
    x = np.array([[2.0], [4.0], [-1.0]], np.float32)
    assert _run(servable, {"serving_default_x": x})[alias].tolist() == [[3.0], [4.0], [1.5]]


def test_tflite_servable_resizes_inputs_to_each_request(plain_dir):
    servable = TfLiteServable("m", 1, plain_dir)
    (alias,) = servable.signatures["serving_default"].outputs
    for rows in (5, 1, 2):
        x = np.arange(rows, dtype=np.float32).reshape(rows, 1)
        result = _run(servable, {"serving_default_x": x})[alias]
        np.testing.assert_array_equal(result, 0.5 * x + 2.0)


def test_tflite_servable_reads_signature_defs_and_fixes_tensor_names(tmp_path):
    servable = TfLiteServable("m", 1, _write(tmp_path / "1", _half_plus_two_tf1()))
    signature = servable.signatures["serving_default"]
    assert signature.input_names == {"x": "tflite_input"}
    assert signature.output_names == {"y": "y"}
    assert servable.signature_defs["serving_default"].inputs["x"].name == "tflite_input"
    assert _run(servable, {"x": np.array([2.0], np.float32)})["y"].tolist() == [3.0]


def test_tflite_servable_refuses_a_signature_naming_an_unknown_tensor(tmp_path):
    path = _write(tmp_path / "1", _half_plus_two_tf1(sigdef_input_name="nowhere:0"))
    with pytest.raises(ServingError, match="Signature input x references an unknown tensor"):
        TfLiteServable("m", 1, path)


def test_tflite_servable_refuses_a_file_that_is_no_model(tmp_path):
    path = _write(tmp_path / "1", b"not a flatbuffer")
    with pytest.raises(ServingError) as error:
        TfLiteServable("m", 1, path)
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_tflite_servable_bad_shape_is_internal_and_leaves_the_interpreter_usable(tmp_path):
    model = _convert(lambda x: tf.reshape(x, [-1, 4]) * 2.0, tf.TensorSpec([None, 2, 2]))
    servable = TfLiteServable("m", 1, _write(tmp_path / "1", model))
    ((alias, _),) = servable.signatures["serving_default"].inputs.items()
    with pytest.raises(ServingError, match=r"cannot take shape \[1, 3, 3\]") as error:
        _run(servable, {alias: np.ones([1, 3, 3], np.float32)})
    assert error.value.code == grpc.StatusCode.INTERNAL
    (output,) = _run(servable, {alias: np.ones([2, 2, 2], np.float32)}).values()
    assert output.tolist() == [[2.0] * 4] * 2


def test_tflite_servable_splits_tasks_across_interpreters_per_pool(plain_dir):
    servable = TfLiteServable("m", 1, plain_dir, num_pools=2, interpreters_per_pool=2)
    x = np.arange(300, dtype=np.float32).reshape(300, 1)  # chunks of 250 and 50 rows
    (result,) = _run(servable, {"serving_default_x": x}).values()
    np.testing.assert_array_equal(result, 0.5 * x + 2.0)
    with pytest.raises(ServingError, match="Task size 501 is larger than maximum") as error:
        _run(servable, {"serving_default_x": np.zeros([501, 1], np.float32)})
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_tflite_servable_pool_serves_concurrent_requests(plain_dir):
    servable = TfLiteServable("m", 1, plain_dir, num_pools=2)
    signature = servable.signatures["serving_default"]
    batches = [np.full([n, 1], n, np.float32) for n in range(1, 17)]

    async def run_all(executor):
        calls = [servable.run(signature, {"serving_default_x": x}, executor) for x in batches]
        return await asyncio.gather(*calls)

    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        results = asyncio.run(run_all(executor))
    for x, result in zip(batches, results, strict=True):
        np.testing.assert_array_equal(next(iter(result.values())), 0.5 * x + 2.0)


def _config(prefer):
    return types.SimpleNamespace(
        prefer_tflite_model=prefer,
        num_tflite_pools=1,
        num_tflite_interpreters_per_pool=1,
        tags=("serve",),
    )


def test_load_servable_prefers_tflite_only_when_asked_and_present(tmp_path, plain_dir):
    settings = types.SimpleNamespace(session_config=None)
    both = tmp_path / "1"
    module = tf.Module()
    module.f = tf.function(lambda x: {"y": x + 1.0}, input_signature=[tf.TensorSpec([None])])
    tf.saved_model.save(module, str(both), signatures=module.f)
    (both / MODEL_FILE).write_bytes((plain_dir / MODEL_FILE).read_bytes())
    assert isinstance(load_servable("m", 1, both, _config(True), settings), TfLiteServable)
    assert isinstance(load_servable("m", 1, both, _config(False), settings), Servable)
    (both / MODEL_FILE).unlink()
    assert isinstance(load_servable("m", 1, both, _config(True), settings), Servable)
