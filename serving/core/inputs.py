"""A request's inputs as validated numpy arrays: the one input path of both APIs.

REST hands `prepare_inputs` JSON values (read by `codecs.json_value`), gRPC hands it
TensorProtos (read by `codecs.tensor_proto`); either way it returns arrays of the
signature's dtypes after checking the input keys, the dtype, the shape against the
signature, that all inputs agree on the batch size, and that every float is finite.

Example:
    python -c "from serving.core.inputs import prepare_inputs"
"""

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2

from serving.codecs.json_value import from_json
from serving.codecs.tensor_proto import TensorProtoError, to_array
from serving.errors import invalid_argument


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


def _from_proto(proto, dtype, key):
    if proto.dtype != dtype.as_datatype_enum:
        try:
            got = tf.as_dtype(proto.dtype).name if proto.dtype else "an invalid dtype"
        except TypeError:  # an enum value TensorFlow does not define
            got = f"an unknown dtype (DataType {proto.dtype})"
        raise invalid_argument(f"input '{key}' is {got} but the signature expects {dtype.name}")
    try:
        return to_array(proto)
    except TensorProtoError as error:
        raise invalid_argument(f"tensor parsing error: {key}: {error}") from None


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
