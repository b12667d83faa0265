"""TensorProto <-> numpy: the one reader and writer of the server and the gRPC client.

The format, as TensorFlow defines it (tensor.proto) and TF Serving uses it:
- `dtype` is a DataType enum and `tensor_shape.dim[i].size` the shape (a scalar still
  carries an empty shape).
- The values are either packed little-endian in `tensor_content`, or listed in the typed
  repeated field of the dtype (`float_val`, `int_val`, `string_val`, ...; the table
  below). float16 values are stored as their uint16 bit patterns in `half_val`; the small
  integer types widen into `int_val`; strings are always in `string_val`.
- A typed field may hold fewer values than the shape has elements: as TensorFlow's
  `Tensor::FromProto`, none means all zeros, and otherwise the last value repeats to fill
  the shape (TF Serving sends one value for a tensor of equal values). Extra values are
  ignored. `tensor_content` must have exactly the shape's size.
- The shape is checked as TensorFlow's TensorShape checks it (at most 254 dimensions, none
  negative, at most 2**63 - 1 elements) before anything is allocated, and a shape filled
  from fewer values may take at most MAX_FILLED_BYTES.

TF Serving answers Predict in the typed fields (`packed=False`); `tf.make_tensor_proto`,
and so every Python client, packs arrays of more than one number (`packed=True`).

Example:
    python -c "from serving.codecs.tensor_proto import from_array, to_array; \
import numpy as np; print(to_array(from_array(np.array([1.5, 2], np.float32))))"
"""

import numpy as np
from tensorflow.core.framework import tensor_pb2, types_pb2

from serving.codecs.ranks import rank_problem, shape_text

# numpy dtype -> (DataType enum, the typed field holding its values).
VALUE_FIELDS = {
    np.dtype(np.float16): (types_pb2.DT_HALF, "half_val"),
    np.dtype(np.float32): (types_pb2.DT_FLOAT, "float_val"),
    np.dtype(np.float64): (types_pb2.DT_DOUBLE, "double_val"),
    np.dtype(np.int8): (types_pb2.DT_INT8, "int_val"),
    np.dtype(np.int16): (types_pb2.DT_INT16, "int_val"),
    np.dtype(np.int32): (types_pb2.DT_INT32, "int_val"),
    np.dtype(np.int64): (types_pb2.DT_INT64, "int64_val"),
    np.dtype(np.uint8): (types_pb2.DT_UINT8, "int_val"),
    np.dtype(np.uint16): (types_pb2.DT_UINT16, "int_val"),
    np.dtype(np.uint32): (types_pb2.DT_UINT32, "uint32_val"),
    np.dtype(np.uint64): (types_pb2.DT_UINT64, "uint64_val"),
    np.dtype(np.bool_): (types_pb2.DT_BOOL, "bool_val"),
}
# Strings: numpy object arrays of bytes.
STRING_FIELD = (types_pb2.DT_STRING, "string_val")
# DataType enum -> (numpy dtype, typed field), the reverse of VALUE_FIELDS.
BY_ENUM = {enum: (dtype, field) for dtype, (enum, field) in VALUE_FIELDS.items()}
# Dtypes tf.make_tensor_proto keeps in their typed field even when packing the others.
_NEVER_PACKED = (np.dtype(np.uint16), np.dtype(np.bool_))
_MAX_ELEMENTS = 2**63 - 1  # TensorFlow's limit on a shape's number of elements
# The most a tensor may take when filled from fewer values than its shape has (the last one
# repeated, or zeros): a tiny proto must not make the server allocate without bound. It is
# the most a TensorProto message can carry (protobuf's 2 GB), so any real tensor fits.
MAX_FILLED_BYTES = 2**31


class TensorProtoError(ValueError):
    """A TensorProto that does not describe a tensor; the message says why."""


def from_array(value, proto=None, packed=False):
    """Writes an array into a TensorProto.

    Args:
        value: a numpy array (others go through np.asarray); bytes, str or object arrays
            become DT_STRING tensors of UTF-8 bytes.
        proto: an empty TensorProto to fill in place (e.g. a response's output entry), or
            None for a new one.
        packed: False writes the typed field, as TF Serving answers; True packs arrays of
            more than one number into `tensor_content`, byte for byte as
            `tf.make_tensor_proto` does.

    Returns:
        The TensorProto.

    Raises:
        TensorProtoError: for a dtype TensorProtos cannot carry.
    """
    array = np.asarray(value)
    proto = tensor_pb2.TensorProto() if proto is None else proto
    proto.tensor_shape.SetInParent()
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    if array.dtype.kind in "OSU":
        proto.dtype = STRING_FIELD[0]
        proto.string_val.extend(
            item.encode() if isinstance(item, str) else item for item in array.ravel()
        )
        return proto
    if array.dtype not in VALUE_FIELDS:
        raise TensorProtoError(f"cannot send a {array.dtype} array as a tensor")
    proto.dtype, field = VALUE_FIELDS[array.dtype]
    if packed and array.dtype not in _NEVER_PACKED and array.size > 1:
        proto.tensor_content = array.astype(array.dtype.newbyteorder("<")).tobytes()
    else:
        values = array.view(np.uint16) if field == "half_val" else array
        getattr(proto, field).extend(values.ravel().tolist())
    return proto


def to_array(proto, expected=None):
    """Reads a TensorProto into a numpy array, as TensorFlow's `Tensor::FromProto` does.

    Args:
        proto: a TensorProto with its values in `tensor_content` or a typed field.
        expected: the signature input's tf.TensorShape, named when the rank is too large.

    Returns:
        A writable numpy array of the proto's shape and dtype (an object array of bytes
        for strings).

    Raises:
        TensorProtoError: for an unknown dtype, an unknown rank, a shape TensorFlow refuses
            (too many dimensions, a negative one, more than 2**63 - 1 elements) or this
            server cannot hold, or a `tensor_content` whose size does not match the shape.
    """
    if proto.tensor_shape.unknown_rank:
        raise TensorProtoError("the tensor has no shape")
    shape = tuple(dim.size for dim in proto.tensor_shape.dim)
    count = _element_count(shape, expected)
    if proto.dtype == STRING_FIELD[0]:
        if proto.tensor_content:
            raise TensorProtoError("string tensors cannot use tensor_content")
        _check_filled(shape, count, 8, len(proto.string_val))  # 8: an object array's pointer
        array = np.empty(count, dtype=object)
        array[:] = _filled(list(proto.string_val), count, b"")
        return array.reshape(shape)
    if proto.dtype not in BY_ENUM:
        raise TensorProtoError(f"cannot read a tensor of DataType {proto.dtype}")
    dtype, field = BY_ENUM[proto.dtype]
    if proto.tensor_content:
        wire = dtype.newbyteorder("<")
        if len(proto.tensor_content) != count * wire.itemsize:
            raise TensorProtoError(
                f"tensor_content has {len(proto.tensor_content)} bytes, shape {list(shape)} "
                f"needs {count * wire.itemsize}"
            )
        return np.frombuffer(proto.tensor_content, wire).astype(dtype).reshape(shape)
    _check_filled(shape, count, dtype.itemsize, len(getattr(proto, field)))
    if field == "half_val":
        values = np.array(proto.half_val[:count], np.uint16).view(np.float16)
    else:
        values = np.array(getattr(proto, field)[:count], dtype)
    return _filled(values, count, dtype.type(0)).reshape(shape)


def _element_count(shape, expected):
    # TensorShape's own checks (IsValidShape), in its words, then what numpy can hold.
    problem = rank_problem(len(shape), expected)
    if problem:
        raise TensorProtoError(f"Shape {shape_text(shape)} has {len(shape)} dimensions: {problem}")
    count = nonzero = 1
    for size in shape:
        if size < 0:
            raise TensorProtoError(f"Shape {shape_text(shape)} has a negative dimension")
        count *= size
        nonzero *= size or 1
        if count > _MAX_ELEMENTS:  # checked as TensorFlow multiplies: dim by dim
            raise TensorProtoError(
                f"Shape {shape_text(shape)} is too large (more than 2**63 - 1 entries)"
            )
    # numpy sizes even an empty array by its other dimensions, at up to 8 bytes an element.
    if nonzero * 8 > _MAX_ELEMENTS:
        raise TensorProtoError(
            f"Shape {shape_text(shape)} is too large to hold here (its nonzero dimensions make "
            "more than 2**60 entries)"
        )
    return count


def _check_filled(shape, count, itemsize, given):
    if given < count and count * itemsize > MAX_FILLED_BYTES:
        raise TensorProtoError(
            f"Shape {shape_text(shape)} has {count} elements but {given} values are given: "
            f"filling them in would take more than {MAX_FILLED_BYTES} bytes"
        )


def _filled(values, count, zero):
    # values: the first <= count values; pads with the last one (or zeros if none).
    if len(values) == count:
        return values
    if len(values) == 0:
        return np.full(count, zero, dtype=object if isinstance(zero, bytes) else type(zero))
    if isinstance(values, list):
        return values + [values[-1]] * (count - len(values))
    return np.pad(values, (0, count - len(values)), "edge")
