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


def test_from_json_leaves_other_numbers_to_be_cast():
    ints = from_json([[1, 2], [3, 4]], tf.float32, "x")
    assert ints.dtype == np.int64 and ints.tolist() == [[1, 2], [3, 4]]
    floats = from_json([0.5, 1], tf.uint8, "x")
    assert floats.dtype == np.float64 and floats.tolist() == [0.5, 1.0]
    assert from_json([300, 0], tf.uint8, "x").tolist() == [300, 0]
    assert from_json([[1, True]], tf.uint8, "x").tolist() == [[1, 1]]


@pytest.mark.parametrize("dtype", [tf.uint8, tf.float32])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[1, 2], [3]], "is ragged: the list at [1] has 1 elements where the first has 2"),
        ([[1, 2], 3], "is ragged: a value at [1] sits at depth 1 but the first value at depth 2"),
        ([[1, [2]]], "is ragged: the list at [0][1] has 1 elements where the first has none"),
        ([[1, "a"]], 'JSON Value: "a" at [0][1] Type: String is not of expected type'),
        ([[1, None]], "JSON Value: null at [0][1] Type: Null"),
        ([[True, False]], "JSON Value: true at [0][0] Type: Bool"),
    ],
)
def test_from_json_refuses_ragged_and_mistyped_values(value, dtype, message):
    assert message in refusal(value, dtype)


def test_from_json_decodes_strings_to_bytes():
    array = from_json([["abc", {"b64": "AP8"}]], tf.string, "x")
    assert array.dtype == object and array.tolist() == [[b"abc", b"\x00\xff"]]
    assert "Unable to base64 decode the value at [0]" in refusal([{"b64": "!!"}], tf.string)
