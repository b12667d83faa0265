"""Request inputs to validated numpy arrays, and arrays back to TensorProtos.

`prepare_inputs` is the one validation path of both APIs: REST hands it JSON values
(nested lists, strings, `{"b64": ...}` objects, read by `json_values`), gRPC hands it
TensorProtos (their tensor_content read with numpy.frombuffer), and either
way it returns arrays of the signature's dtypes after checking the input keys, the
dtype, the shape against the signature, that all inputs agree on the batch size, and
that every float is finite. `to_tensor_proto` writes outputs into the typed fields
(`float_val`, `int64_val`, `string_val`, ...) as TF Serving's Predict does.

Example:
    python -c "from serving.tensors import to_tensor_proto; import numpy as np; \
print(to_tensor_proto(np.array([1.5], np.float32)))"
"""

import math

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2

from serving.errors import invalid_argument
from serving.json_values import from_json
from serving.proto_dtypes import STRING_FIELD, VALUE_FIELDS

# The TensorProto field that holds each TF dtype's values when tensor_content is empty.
_VALUE_FIELD = {tf.as_dtype(enum): field for enum, field in [*VALUE_FIELDS.values(), STRING_FIELD]}
# By numpy dtype, with the DataType enum: what an output array is written as.
_PROTO_FIELD = {**VALUE_FIELDS, np.dtype(object): STRING_FIELD}


def prepare_inputs(signature, inputs):
    """Turns a request's inputs into the arrays a signature runs on, or refuses them.

    Args:
        signature: a `servable.Signature` (its `name` and `inputs`, key -> tf.TensorSpec).
        inputs: dict key -> a TensorProto (gRPC) or a JSON value (REST: a nested list of
            numbers or strings, strings given as text or `{"b64": ...}`).

    Returns:
        dict key -> numpy array of the signature's dtype (object arrays of bytes for
        strings), every one with the signature's shape and the same batch size.

    Raises:
        ServingError: INVALID_ARGUMENT naming the input and what is wrong with it.
    """
    expected = signature.inputs
    if set(inputs) != set(expected):
        sent, wanted = sorted(inputs), sorted(expected)
        raise invalid_argument(
            f"input size does not match signature: {len(sent)}!={len(wanted)} "
            f"len({{{','.join(sent)}}}) != len({{{','.join(wanted)}}}). "
            f"Sent extra: {{{','.join(sorted(set(sent) - set(wanted)))}}}. "
            f"Missing but required: {{{','.join(sorted(set(wanted) - set(sent)))}}}."
        )
    arrays = {}
    for key, value in inputs.items():
        spec = expected[key]
        if isinstance(value, tensor_pb2.TensorProto):
            array = _from_proto(value, spec.dtype, key)
        else:
            array = from_json(value, spec.dtype, key)
            if array.dtype != spec.dtype.as_numpy_dtype:
                array = _cast(array, spec.dtype, key)
        _check_shape(array, spec, key, signature.name)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise invalid_argument(f"input '{key}' contains NaN or infinity; values must be finite")
        arrays[key] = array
    batch_sizes = {key: a.shape[0] for key, a in arrays.items() if a.ndim}
    if len(set(batch_sizes.values())) > 1:
        raise invalid_argument(f"inputs disagree on the batch size: {batch_sizes}")
    return arrays


def to_tensor_proto(array, proto=None):
    """Writes an array into a TensorProto's typed value field, as TF Serving answers.

    Args:
        array: a numpy array; object arrays hold bytes (strings).
        proto: an empty TensorProto to fill in place (e.g. a response's output entry), or
            None for a new one.

    Returns:
        The TensorProto with dtype, shape and e.g. `float_val` or `string_val` filled in.
    """
    proto = tensor_pb2.TensorProto() if proto is None else proto
    proto.dtype, field = _PROTO_FIELD[array.dtype]
    proto.tensor_shape.SetInParent()  # a scalar still carries its (empty) shape
    for size in array.shape:
        proto.tensor_shape.dim.add().size = size
    values = array.view(np.uint16) if array.dtype == np.float16 else array
    getattr(proto, field).extend(values.ravel().tolist())
    return proto


def _from_proto(proto, dtype, key):
    if proto.dtype != dtype.as_datatype_enum:
        got = tf.as_dtype(proto.dtype).name if proto.dtype else "an invalid dtype"
        raise invalid_argument(f"input '{key}' is {got} but the signature expects {dtype.name}")
    if proto.tensor_shape.unknown_rank:
        raise invalid_argument(f"input '{key}' has no shape")
    shape = tuple(dim.size for dim in proto.tensor_shape.dim)
    if any(size < 0 for size in shape):
        raise invalid_argument(f"input '{key}' has a negative dimension: {list(shape)}")
    count = math.prod(shape)
    if proto.tensor_content:
        if dtype == tf.string:
            raise invalid_argument(f"input '{key}': string tensors cannot use tensor_content")
        numpy_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
        if len(proto.tensor_content) != count * numpy_dtype.itemsize:
            raise invalid_argument(
                f"tensor parsing error: {key}: tensor_content has "
                f"{len(proto.tensor_content)} bytes, shape {list(shape)} needs "
                f"{count * numpy_dtype.itemsize}"
            )
        array = np.frombuffer(proto.tensor_content, numpy_dtype).reshape(shape)
        return array.astype(dtype.as_numpy_dtype)
    values = getattr(proto, _VALUE_FIELD[dtype])
    if len(values) != count:
        raise invalid_argument(
            f"tensor parsing error: {key}: {_VALUE_FIELD[dtype]} has {len(values)} values, "
            f"shape {list(shape)} needs {count}"
        )
    if dtype == tf.string:
        array = np.empty(count, dtype=object)
        array[:] = list(values)
        return array.reshape(shape)
    if dtype == tf.float16:
        return np.array(values, np.uint16).view(np.float16).reshape(shape)
    return _cast(np.array(values).reshape(shape), dtype, key)


def _cast(array, dtype, key):
    target = np.dtype(dtype.as_numpy_dtype)
    if target.kind == "b":
        if array.dtype.kind != "b":
            raise invalid_argument(f"input '{key}' expects booleans")
        return array
    if array.dtype.kind not in "iuf" or (target.kind in "iu" and array.dtype.kind == "f"):
        raise invalid_argument(
            f"input '{key}' expects {dtype.name} values, got {array.dtype.name} ones"
        )
    if target.kind in "iu" and array.size:
        info = np.iinfo(target)
        low, high = array.min(), array.max()
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise invalid_argument(f"input '{key}': value {bad} is out of range for {dtype.name}")
    with np.errstate(over="ignore"):
        result = array.astype(target)
    if target.kind == "f" and np.isinf(result).any() and np.isfinite(array).all():
        raise invalid_argument(f"input '{key}': a value is out of range for {dtype.name}")
    return result


def _check_shape(array, spec, key, signature_name):
    if spec.shape.rank is None:
        return
    wanted = spec.shape.as_list()
    if array.ndim != len(wanted) or any(
        w is not None and w != got for w, got in zip(wanted, array.shape, strict=False)
    ):
        shown = [-1 if w is None else w for w in wanted]
        raise invalid_argument(
            f"input '{key}' has shape {list(array.shape)} but signature '{signature_name}' "
            f"expects {shown} (-1: any size)"
        )
