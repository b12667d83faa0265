"""One REST input's JSON value read as an array: the uint8 fast path agrees with the general one.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_value.py
"""

import numpy as np
import pytest
import tensorflow as tf

from serving.codecs.json_value import from_json
from serving.errors import ServingError


def refusal(value, dtype):
    with pytest.raises(ServingError) as caught:
        from_json(value, dtype, "x")
    assert caught.value.code.name == "INVALID_ARGUMENT"
    return caught.value.message


def test_from_json_reads_uint8_pixels_as_uint8():
    pixels = np.arange(2 * 3 * 4).reshape(2, 3, 4) * 10 % 256
    array = from_json(pixels.tolist(), tf.uint8, "x")
    assert array.dtype == np.uint8 and array.shape == (2, 3, 4)
    np.testing.assert_array_equal(array, pixels)


def test_from_json_leaves_numbers_to_be_cast_and_refuses_floats_for_ints():
    ints = from_json([[1, 2], [3, 4]], tf.float32, "x")
    assert ints.dtype == np.int64 and ints.tolist() == [[1, 2], [3, 4]]
    assert from_json([300, 0], tf.uint8, "x").tolist() == [300, 0]  # range: core.inputs
    # The fast path's one difference from TF Serving: a bool among ints reads as 1.
    assert from_json([[1, True]], tf.uint8, "x").tolist() == [[1, 1]]
    assert refusal([0.5, 1], tf.uint8) == (
        "JSON Value: 0.5 Type: Number is not of expected type: uint8"
    )


def test_from_json_reads_nan_and_infinity_for_floats():
    array = from_json([float("nan"), float("inf")], tf.float32, "x")
    assert np.isnan(array[0]) and np.isinf(array[1])


def test_from_json_reads_bools_for_bool_inputs():
    array = from_json([[True], [False]], tf.bool, "x")
    assert array.dtype == np.bool_ and array.tolist() == [[True], [False]]


@pytest.mark.parametrize("dtype", [tf.uint8, tf.float32])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[1, 2], [3]], "Encountered list at unexpected size: 1 at level: 1 expected size: 2"),
        (
            [[1, 2], 3],
            "JSON Value: 3 found at incorrect level: 2 in the JSON DOM. Expected at level: 2",
        ),
        ([[1, [2]]], "Encountered list at unexpected level: 2 expected < 2"),
        ([[1, "a"]], 'JSON Value: "a" Type: String is not of expected type: '),
        ([[1, None]], "JSON Value: null Type: Null is not of expected type: "),
        ([[True, False]], "JSON Value: true Type: True is not of expected type: "),
    ],
)
def test_from_json_refuses_ragged_and_mistyped_values_in_tf_servings_words(value, dtype, message):
    assert message in refusal(value, dtype)


def test_from_json_refuses_dtypes_json_cannot_carry():
    with pytest.raises(ServingError) as caught:
        from_json([1.0], tf.float16, "x")
    assert caught.value.code.name == "UNIMPLEMENTED"
    assert caught.value.message == "Conversion of JSON Value: 1.0 to type: half"


def test_from_json_decodes_strings_to_bytes():
    array = from_json([["abc", {"b64": "AP8"}]], tf.string, "x")
    assert array.dtype == object and array.tolist() == [[b"abc", b"\x00\xff"]]
    assert refusal([{"b64": "!!"}], tf.string) == "Unable to base64 decode"
