"""signature_defs_metadata: SignatureDefs written into and read from a TF Lite flatbuffer.

Example:
    .venv/bin/pytest tests/export/test_tflite_signatures.py
"""

import pytest
import tensorflow as tf
from flatbuffers import flexbuffers
from tensorflow.core.protobuf import meta_graph_pb2
from tensorflow.lite.tools import flatbuffer_utils

from export.tflite_signatures import METADATA_NAME, read_signature_defs, write_signature_defs


@pytest.fixture(scope="module")
def model():
    """A TF Lite model without metadata: y = x + 1 on float32 [n]."""
    function = tf.function(lambda x: x + 1.0, input_signature=[tf.TensorSpec([None])])
    concrete = function.get_concrete_function()
    return tf.lite.TFLiteConverter.from_concrete_functions([concrete], tf.Module()).convert()


def _signature(input_name, shape=(-1, 784)):
    signature = meta_graph_pb2.SignatureDef(method_name="tensorflow/serving/predict")
    signature.inputs["images"].name = input_name
    signature.inputs["images"].dtype = tf.float32.as_datatype_enum
    for size in shape:
        signature.inputs["images"].tensor_shape.dim.add().size = size
    signature.outputs["scores"].name = "out:0"
    return signature


def test_read_signature_defs_of_a_model_without_metadata_is_empty(model):
    assert read_signature_defs(model) == {}


def test_write_signature_defs_round_trips_every_key(model):
    # Dims of -1 serialize as 0xff bytes: the values are not UTF-8, and must survive.
    signatures = {"serving_default": _signature("a:0"), "prédict": _signature("b:0", [-1, 28])}
    written = write_signature_defs(model, signatures)
    assert read_signature_defs(written) == signatures
    interpreter = tf.lite.Interpreter(model_content=written)
    interpreter.allocate_tensors()  # still a valid model


def test_write_signature_defs_stores_a_flexbuffer_map_of_strings(model):
    written = write_signature_defs(model, {"serving_default": _signature("a:0")})
    parsed = flatbuffer_utils.convert_bytearray_to_object(bytearray(written))
    (entry,) = [m for m in parsed.metadata if m.name.decode() == METADATA_NAME]
    root = flexbuffers.GetRoot(bytearray(parsed.buffers[entry.buffer].data)).AsMap
    (value,) = root.Values
    assert value.IsString  # TF Lite's reader takes AsString(); a blob would read as empty
    assert value.AsStringBytes == _signature("a:0").SerializeToString()


def test_write_signature_defs_replaces_an_earlier_entry(model):
    first = write_signature_defs(model, {"old": _signature("a:0")})
    second = write_signature_defs(first, {"new": _signature("b:0")})
    assert list(read_signature_defs(second)) == ["new"]
    parsed = flatbuffer_utils.convert_bytearray_to_object(bytearray(second))
    assert [m.name.decode() for m in parsed.metadata].count(METADATA_NAME) == 1


def test_write_signature_defs_refuses_an_empty_map(model):
    with pytest.raises(ValueError, match="must not be empty"):
        write_signature_defs(model, {})
