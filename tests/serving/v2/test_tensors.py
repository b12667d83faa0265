"""Protocol tensors: element lists and raw bytes read into arrays, outputs written, refusals.

Example:
    .venv/bin/pytest tests/serving/v2/test_tensors.py
"""

import struct

import numpy as np
import pytest
import tensorflow as tf

from serving.errors import ServingError
from serving.v2.datatypes import datatype_of, numpy_dtype
from serving.v2.tensors import from_raw, from_values, to_raw, to_values


def refusal(call, *args):
    with pytest.raises(ServingError) as raised:
        call(*args)
    assert raised.value.code.name == "INVALID_ARGUMENT"
    return raised.value.message


def test_datatypes_map_tensorflow_dtypes_both_ways():
    assert datatype_of(tf.uint8) == "UINT8"
    assert datatype_of(tf.float32) == "FP32"
    assert datatype_of(tf.string) == "BYTES"
    assert datatype_of(np.dtype(object)) == "BYTES"
    assert datatype_of(tf.complex64) == "COMPLEX64"
    assert numpy_dtype("INT64") == np.int64
    assert "unknown datatype 'FP8'" in refusal(numpy_dtype, "FP8")


def test_from_values_reads_flat_and_nested_data_alike():
    flat = from_values("x", "UINT8", [2, 2], [1, 2, 3, 4])
    nested = from_values("x", "UINT8", [2, 2], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(flat, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(nested, flat)
    assert flat.dtype == np.uint8
    strings = from_values("s", "BYTES", [2], [["a"], [b"\xff"]])
    assert strings.tolist() == [b"a", b"\xff"]


def test_from_values_refuses_what_the_datatype_or_shape_cannot_hold():
    assert "3 elements but shape [2, 2] holds 4" in refusal(
        from_values, "x", "FP32", [2, 2], [1, 2, 3]
    )
    assert "cannot hold floating-point" in refusal(from_values, "x", "INT32", [1], [1.5])
    assert "value 256 is out of range for UINT8" in refusal(
        from_values, "x", "UINT8", [2], [1, 256]
    )
    assert "not a regular array" in refusal(from_values, "x", "FP32", [3], [[1], [2, 3]])
    assert "shape must be a list" in refusal(from_values, "x", "FP32", [-1], [])
    assert "BYTES data must be strings" in refusal(from_values, "s", "BYTES", [1], [1])


def test_from_raw_reads_little_endian_elements_and_length_prefixed_bytes():
    array = from_raw("x", "FP32", [2], struct.pack("<2f", 0.5, -2.0))
    np.testing.assert_array_equal(array, np.array([0.5, -2.0], np.float32))
    raw = struct.pack("<I", 2) + b"ab" + struct.pack("<I", 0)
    assert from_raw("s", "BYTES", [2], raw).tolist() == [b"ab", b""]


def test_from_raw_refuses_sizes_that_do_not_match():
    assert "has 7 bytes but shape [2] of FP32 needs 8" in refusal(
        from_raw, "x", "FP32", [2], b"\0" * 7
    )
    assert "runs past the data's end" in refusal(
        from_raw, "s", "BYTES", [1], struct.pack("<I", 9) + b"ab"
    )
    assert "ends inside a length" in refusal(from_raw, "s", "BYTES", [1], b"\1\0")
    assert "1 BYTES elements but shape [2] holds 2" in refusal(
        from_raw, "s", "BYTES", [2], struct.pack("<I", 1) + b"a"
    )
    assert "other than 0 and 1" in refusal(from_raw, "b", "BOOL", [1], b"\2")


def test_to_raw_and_to_values_write_what_the_readers_read():
    array = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.testing.assert_array_equal(from_raw("x", "INT64", [2, 3], to_raw(array)), array)
    strings = np.array([b"7", b"\xff\x00"], dtype=object)
    assert from_raw("s", "BYTES", [2], to_raw(strings)).tolist() == strings.tolist()
    assert to_values("y", array).tolist() == [0, 1, 2, 3, 4, 5]
    assert to_values("s", np.array([b"7"], dtype=object)) == ["7"]
    assert "not UTF-8" in refusal(to_values, "s", strings)
