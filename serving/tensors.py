"""Request inputs to validated numpy arrays, and arrays back to TensorProtos.

`prepare_inputs` is the one validation path of both APIs: REST hands it JSON values
(nested lists, strings, `{"b64": ...}` objects), gRPC hands it TensorProtos, and either
way it returns arrays of the signature's dtypes after checking the input keys, the
dtype, the shape against the signature, that all inputs agree on the batch size, and
that every float is finite. `to_tensor_proto` writes outputs into the typed fields
(`float_val`, `int64_val`, `string_val`, ...) as TF Serving's Predict does.

Example:
    python -c "from serving.tensors import to_tensor_proto; import numpy as np; \
print(to_tensor_proto(np.array([1.5], np.float32)))"
"""

import base64
import binascii
import json

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2

from serving.errors import invalid_argument

# The TensorProto field that holds each dtype's values when tensor_content is empty.
_VALUE_FIELD = {
    tf.float32: "float_val", tf.float64: "double_val", tf.float16: "half_val",
    tf.int8: "int_val", tf.int16: "int_val", tf.int32: "int_val", tf.uint8: "int_val",
    tf.uint16: "int_val", tf.int64: "int64_val", tf.uint32: "uint32_val",
    tf.uint64: "uint64_val", tf.bool: "bool_val", tf.string: "string_val",
}  # fmt: skip
_JSON_TYPE = {str: "String", dict: "Object", list: "Array", bool: "Bool", type(None): "Null"}


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
            array = _from_json(value, spec.dtype, key)
        _check_shape(array, spec, key, signature.name)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise invalid_argument(f"input '{key}' contains NaN or infinity; values must be finite")
        arrays[key] = array
    batch_sizes = {key: a.shape[0] for key, a in arrays.items() if a.ndim}
    if len(set(batch_sizes.values())) > 1:
        raise invalid_argument(f"inputs disagree on the batch size: {batch_sizes}")
    return arrays


def to_tensor_proto(array):
    """Writes an array into a TensorProto's typed value field, as TF Serving answers.

    Args:
        array: a numpy array; object arrays hold bytes (strings).

    Returns:
        A TensorProto with dtype, shape and e.g. `float_val` or `string_val` filled in.
    """
    dtype = tf.string if array.dtype == object else tf.as_dtype(array.dtype)
    proto = tensor_pb2.TensorProto(dtype=dtype.as_datatype_enum)
    proto.tensor_shape.dim.extend(proto.tensor_shape.Dim(size=size) for size in array.shape)
    values = array.view(np.uint16) if dtype == tf.float16 else array
    getattr(proto, _VALUE_FIELD[dtype]).extend(values.ravel().tolist())
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
    count = int(np.prod(shape))
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


def _from_json(value, dtype, key):
    if dtype == tf.string:
        flat, shape = _flatten(value, key, _json_bytes)
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
        return array.reshape(shape)
    try:
        array = np.asarray(value)  # fast path: a rectangular list of numbers
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype.kind not in "iuf":
        flat, shape = _flatten(value, key, _json_number(dtype))
        array = np.asarray(flat).reshape(shape)
    return _cast(array, dtype, key)


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


def _flatten(value, key, convert):
    # Leaves of a nested JSON list, converted, and its shape; refuses ragged lists.
    shape = []
    probe = value
    while isinstance(probe, list):
        shape.append(len(probe))
        probe = probe[0] if probe else None
    flat = []

    def visit(item, depth, path):
        if isinstance(item, list):
            if depth >= len(shape) or len(item) != shape[depth]:
                raise invalid_argument(
                    f"input '{key}' is ragged: the list at {path or 'top level'} has "
                    f"{len(item)} elements where the first has "
                    f"{shape[depth] if depth < len(shape) else 'none'}; all rows and "
                    f"instances must have the same shape {shape}"
                )
            for index, child in enumerate(item):
                visit(child, depth + 1, f"{path}[{index}]")
        elif depth != len(shape):
            raise invalid_argument(
                f"input '{key}' is ragged: a value at {path or 'top level'} sits at depth "
                f"{depth} but the first value at depth {len(shape)}"
            )
        else:
            flat.append(convert(item, key, path))

    visit(value, 0, "")
    return flat, tuple(shape)


def _type_error(item, key, path, expected):
    kind = _JSON_TYPE.get(type(item), "Number")
    return invalid_argument(
        f"input '{key}': JSON Value: {json.dumps(item)[:80]} at {path or 'top level'} Type: {kind} "
        f"is not of expected type: {expected}"
    )


def _json_number(dtype):
    def convert(item, key, path):
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise _type_error(item, key, path, dtype.name)
        return item

    return convert


def _json_bytes(item, key, path):
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, dict) and len(item) == 1 and isinstance(item.get("b64"), str):
        text = item["b64"]
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except binascii.Error as error:
            raise invalid_argument(
                f"input '{key}': Unable to base64 decode the value at {path or 'top level'} "
                f"({error})"
            ) from error
    raise _type_error(item, key, path, 'string (text or {"b64": ...})')


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
