"""The shared input validation of REST and gRPC, and outputs written as TF Serving writes them.

Example:
    .venv/bin/pytest tests/serving/core/test_inputs.py
"""

import base64

import numpy as np
import pytest
import tensorflow as tf

from common import contract
from serving.core.inputs import prepare_inputs
from serving.core.servable import Signature
from serving.errors import ServingError

PIXELS = Signature(
    name=contract.PREDICT_PIXELS,
    method_name=contract.PREDICT_METHOD,
    inputs={contract.IMAGES: tf.TensorSpec([None, 28, 28], tf.uint8)},
    outputs={},
    input_names={},
    output_names={},
)
FLOATS = Signature(
    name=contract.SERVING_DEFAULT,
    method_name=contract.PREDICT_METHOD,
    inputs={contract.IMAGES: tf.TensorSpec([None, 28, 28], tf.float32)},
    outputs={},
    input_names={},
    output_names={},
)
BYTES = Signature(
    name=contract.PREDICT_IMAGE_BYTES,
    method_name=contract.PREDICT_METHOD,
    inputs={contract.IMAGE_BYTES: tf.TensorSpec([None], tf.string)},
    outputs={},
    input_names={},
    output_names={},
)
TWO_INPUTS = Signature(
    name="pair",
    method_name=contract.PREDICT_METHOD,
    inputs={"a": tf.TensorSpec([None], tf.float32), "b": tf.TensorSpec([None, 2], tf.int64)},
    outputs={},
    input_names={},
    output_names={},
)


def refusal(signature, inputs):
    with pytest.raises(ServingError) as caught:
        prepare_inputs(signature, inputs)
    assert caught.value.code.name == "INVALID_ARGUMENT"
    return caught.value.message


def test_prepare_inputs_json_and_proto_give_the_same_array():
    pixels = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    from_json = prepare_inputs(PIXELS, {contract.IMAGES: pixels.tolist()})[contract.IMAGES]
    proto = tf.make_tensor_proto(pixels.astype(np.uint8))
    from_proto = prepare_inputs(PIXELS, {contract.IMAGES: proto})[contract.IMAGES]
    assert from_json.dtype == from_proto.dtype == np.uint8
    np.testing.assert_array_equal(from_json, pixels)
    np.testing.assert_array_equal(from_proto, pixels)


def test_prepare_inputs_accepts_typed_value_fields():
    proto = tf.make_tensor_proto(np.full((1, 28, 28), 0.25, np.float32))
    typed = type(proto)(dtype=proto.dtype, tensor_shape=proto.tensor_shape)
    typed.float_val.extend([0.25] * 784)
    array = prepare_inputs(FLOATS, {contract.IMAGES: typed})[contract.IMAGES]
    np.testing.assert_array_equal(array, np.full((1, 28, 28), 0.25, np.float32))


def test_prepare_inputs_decodes_b64_and_text_strings():
    inputs = {contract.IMAGE_BYTES: [{"b64": base64.b64encode(b"\x89PNG\x00").decode()}, "abc"]}
    array = prepare_inputs(BYTES, inputs)[contract.IMAGE_BYTES]
    assert array.tolist() == [b"\x89PNG\x00", b"abc"]


@pytest.mark.parametrize(
    ("signature", "inputs", "message"),
    [
        (
            FLOATS,
            {contract.IMAGES: [["x"]]},
            'JSON Value: "x" Type: String is not of expected type: float',
        ),
        (
            FLOATS,
            {contract.IMAGES: [[True]]},
            "JSON Value: true Type: True is not of expected type: float",
        ),
        (
            FLOATS,
            {contract.IMAGES: [[None]]},
            "JSON Value: null Type: Null is not of expected type: float",
        ),
        (
            FLOATS,
            {contract.IMAGES: [[0.0, 1.0], [0.0]]},
            "Encountered list at unexpected size: 1 at level: 1 expected size: 2",
        ),
        (
            FLOATS,
            {contract.IMAGES: [[0.0], 1.0]},
            "JSON Value: 1.0 found at incorrect level: 2 in the JSON DOM. Expected at level: 2",
        ),
        (PIXELS, {contract.IMAGES: [[[300] * 28] * 28]}, "value 300 is out of range for uint8"),
        (
            PIXELS,
            {contract.IMAGES: [[0.5]]},
            "JSON Value: 0.5 Type: Number is not of expected type: uint8",
        ),
        (BYTES, {contract.IMAGE_BYTES: [{"b64": "!!notbase64"}]}, "Unable to base64 decode"),
        (
            BYTES,
            {contract.IMAGE_BYTES: [{"b65": "AAAA"}]},
            'JSON Value: {"b65":"AAAA"} not formatted correctly for base64 data',
        ),
        (
            PIXELS,
            {"pixels": [[[0] * 28] * 28]},
            "Signature input alias: images(feed name: images) not found in request and no "
            "default value provided. Inputs expected to be in the request {pixels}, or default "
            "input alias set: ",
        ),
        (
            PIXELS,
            {"pixels": [0], contract.IMAGES: [[[0] * 28] * 28]},
            "input size does not match signature: 2!=1 len({images,pixels}) != len({images}). "
            "Sent extra: {pixels}. Missing but required: {}.",
        ),
    ],
)
def test_prepare_inputs_refuses_bad_json(signature, inputs, message):
    assert message in refusal(signature, inputs)


def test_prepare_inputs_refuses_bad_protos():
    uint8_pixels = tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8))
    assert refusal(FLOATS, {contract.IMAGES: uint8_pixels}) == (
        "Expects arg[0] to be float but uint8 is provided"
    )
    short = type(uint8_pixels)()
    short.CopyFrom(uint8_pixels)
    short.tensor_content = short.tensor_content[:-1]
    assert "tensor_content has 783 bytes" in refusal(PIXELS, {contract.IMAGES: short})


def test_prepare_inputs_leaves_shapes_batch_sizes_and_nan_to_the_graph():
    # TF Serving never checks a request against the SignatureDef's shapes, and its REST API
    # documents NaN and Infinity as accepted.
    flat = prepare_inputs(FLOATS, {contract.IMAGES: [[0.0] * 784]})[contract.IMAGES]
    assert flat.shape == (1, 784)
    nan = tf.make_tensor_proto(np.array([np.nan, np.inf], np.float32))
    assert np.isnan(prepare_inputs(FLOATS, {contract.IMAGES: nan})[contract.IMAGES][0])
    huge = prepare_inputs(FLOATS, {contract.IMAGES: [1e39, -1e39]})[contract.IMAGES]
    assert huge.tolist() == [np.inf, -np.inf]  # saturates, as rapidjson's GetFloat
    pair = prepare_inputs(TWO_INPUTS, {"a": [1.0, 2.0], "b": [[1, 2]]})
    assert (pair["a"].shape, pair["b"].shape) == ((2,), (1, 2))


def test_prepare_inputs_reads_json_bools_for_a_bool_input():
    spec = {"f": tf.TensorSpec([None], tf.bool)}
    flags = Signature("flags", contract.PREDICT_METHOD, spec, {}, {}, {})
    array = prepare_inputs(flags, {"f": [True, False]})["f"]
    assert array.dtype == np.bool_ and array.tolist() == [True, False]
    assert "Type: Number is not of expected type: bool" in refusal(flags, {"f": [1]})
