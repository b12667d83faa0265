"""The TensorProto codec against TensorFlow's own `make_tensor_proto` and `make_ndarray`."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2

from serving.codecs.tensor_proto import (
    BY_ENUM,
    STRING_FIELD,
    VALUE_FIELDS,
    TensorProtoError,
    from_array,
    to_array,
)


def typed_tensor(dtype, shape, values):
    """A TensorProto with its values in the typed field, as TF Serving sends outputs."""
    proto = tensor_pb2.TensorProto(dtype=dtype)
    proto.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(dim=[{"size": size} for size in shape])
    )
    field = {types_pb2.DT_FLOAT: "float_val", types_pb2.DT_UINT8: "int_val"}[dtype]
    getattr(proto, field).extend(values)
    return proto


def test_value_fields_agree_with_tensorflow_dtypes():
    for dtype, (enum, field) in VALUE_FIELDS.items():
        assert tf.as_dtype(dtype).as_datatype_enum == enum
        # tf.make_tensor_proto puts a single value of this dtype in exactly this field.
        proto = tf.make_tensor_proto(np.ones([1], dtype))
        assert [f.name for f, _ in proto.ListFields() if f.name.endswith("_val")] == [field]


def test_string_field_and_reverse_table():
    assert (tf.string.as_datatype_enum, "string_val") == STRING_FIELD
    assert {BY_ENUM[enum][0] for enum, _ in VALUE_FIELDS.values()} == set(VALUE_FIELDS)


TENSOR_CASES = [
    np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8),
    np.full((1, 28, 28), 0.25),
    np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3),
    np.array([1.5], np.float32),
    np.array(3, np.int64),
    np.arange(6, dtype=np.float16).reshape(3, 2),
    np.array([2.5], np.float16),
    np.array([-1, 2], np.int8),
    np.arange(4, dtype=np.int32),
    np.arange(4, dtype=np.uint16),
    np.array([True, False]),
    np.array([7], np.uint32),
    np.zeros((0, 3), np.float32),
    np.array([b"\x89PNG fake", b"\x00b"], dtype=object),
    np.array(["caf\u00e9"]),
]


@pytest.mark.parametrize("array", TENSOR_CASES, ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_from_array_packed_writes_the_bytes_of_make_tensor_proto(array):
    encoded = from_array(array, packed=True).SerializeToString(deterministic=True)
    assert encoded == tf.make_tensor_proto(array).SerializeToString(deterministic=True)


@pytest.mark.parametrize("array", TENSOR_CASES, ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_to_array_reads_what_make_ndarray_reads(array):
    proto = tf.make_tensor_proto(array)
    decoded, expected = to_array(proto), tf.make_ndarray(proto)
    assert decoded.dtype == expected.dtype and decoded.shape == expected.shape
    np.testing.assert_array_equal(decoded, expected)
    decoded[...] = decoded  # writable, as make_ndarray's copy is


@pytest.mark.parametrize(
    ("dtype", "values", "expected"),
    [
        (types_pb2.DT_FLOAT, [0.5], [[0.5, 0.5], [0.5, 0.5]]),  # the last value repeats
        (types_pb2.DT_UINT8, [1, 2, 3], [[1, 2], [3, 3]]),
        (types_pb2.DT_FLOAT, [], [[0, 0], [0, 0]]),  # no values: zeros
        (types_pb2.DT_UINT8, [1, 2, 3, 4, 5], [[1, 2], [3, 4]]),  # extra values ignored
    ],
)
def test_to_array_fills_a_short_typed_field_as_tensorflow_does(dtype, values, expected):
    proto = typed_tensor(dtype, [2, 2], values)
    np.testing.assert_array_equal(to_array(proto), expected)
    if len(values) <= 4:  # make_ndarray refuses extra values; Tensor::FromProto ignores them
        np.testing.assert_array_equal(to_array(proto), tf.make_ndarray(proto))


def test_to_array_refuses_what_describes_no_tensor():
    with pytest.raises(TensorProtoError, match="DataType"):
        to_array(tensor_pb2.TensorProto(dtype=types_pb2.DT_COMPLEX64))
    short = tf.make_tensor_proto(np.zeros((2, 3), np.float32))
    short.tensor_content = short.tensor_content[:-1]
    with pytest.raises(TensorProtoError, match="tensor_content has 23 bytes, shape"):
        to_array(short)
    negative = typed_tensor(types_pb2.DT_FLOAT, [-1], [])
    with pytest.raises(TensorProtoError, match="negative dimension"):
        to_array(negative)


def test_from_array_refuses_a_dtype_tensors_cannot_carry():
    with pytest.raises(TensorProtoError, match="complex"):
        from_array(np.zeros(2, np.complex64))


def test_from_array_unpacked_uses_typed_fields_as_tf_serving_answers():
    floats = from_array(np.array([[0.5, 0.25]], np.float32))
    assert floats.dtype == tf.float32.as_datatype_enum
    assert [d.size for d in floats.tensor_shape.dim] == [1, 2]
    assert list(floats.float_val) == [0.5, 0.25] and not floats.tensor_content
    ints = from_array(np.array([3, 7], np.int64))
    assert ints.dtype == tf.int64.as_datatype_enum and list(ints.int64_val) == [3, 7]
    strings = np.empty(2, dtype=object)
    strings[:] = [b"0", b"1"]
    proto = from_array(strings)
    assert proto.dtype == tf.string.as_datatype_enum and list(proto.string_val) == [b"0", b"1"]
    np.testing.assert_array_equal(tf.make_ndarray(floats), [[0.5, 0.25]])
