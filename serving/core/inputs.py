"""A request's inputs as validated numpy arrays: the one input path of both APIs.

REST hands `prepare_inputs` JSON values (read by `codecs.json_value`), gRPC hands it
TensorProtos (read by `codecs.tensor_proto`); either way it returns arrays of the
signature's dtypes after checking the input keys and the dtypes, as TF Serving's Predict
does. Shapes are checked by the graph when the signature runs, not here: TF Serving never
compares a request with the SignatureDef's declared shapes. Only shapes no array can hold
(more dimensions than numpy's, more elements than int64 counts) are refused first, naming
the declared shape (`codecs.ranks`).

Example:
    python -c "from serving.core.inputs import prepare_inputs; import tensorflow as tf; \
from serving.core import Signature; s = Signature('s', '', {'x': tf.TensorSpec(None, tf.float32)}, \
{}, {}); print(prepare_inputs(s, {'x': [1, 2.5]}))"
"""

import numpy as np
from tensorflow.core.framework import tensor_pb2

from serving.codecs.json_names import type_name
from serving.codecs.json_value import from_json
from serving.codecs.tensor_proto import BY_ENUM, STRING_FIELD, TensorProtoError, to_array
from serving.errors import invalid_argument

_KNOWN_ENUMS = {*BY_ENUM, STRING_FIELD[0]}


def prepare_inputs(signature, inputs):
    """Turns a request's inputs into the arrays a signature runs on, or refuses them.

    Args:
        signature: a `servable.Signature` (its `name` and `inputs`, key -> tf.TensorSpec).
        inputs: dict key -> a TensorProto (gRPC), a JSON value (REST columns: a nested
            list of numbers or strings, strings given as text or `{"b64": ...}`) or a
            numpy array (REST rows, read by `codecs.json_request`).

    Returns:
        dict key -> numpy array of the signature's dtype (object arrays of bytes for
        strings). Shapes are left to the graph, and NaN and infinities pass, as in TF
        Serving.

    Raises:
        ServingError: INVALID_ARGUMENT naming the input and what is wrong with it.
    """
    expected = signature.inputs
    _check_aliases(signature, inputs)
    arrays = {}
    for index, key in enumerate(sorted(inputs)):
        value, dtype = inputs[key], expected[key].dtype
        if isinstance(value, tensor_pb2.TensorProto):
            arrays[key] = _from_proto(value, expected[key], key, index)
        else:
            # Row-format REST inputs arrive read already (codecs.json_request).
            array = value
            if not isinstance(value, np.ndarray):
                array = from_json(value, dtype, key, expected[key].shape)
            arrays[key] = array if array.dtype == dtype.as_numpy_dtype else _cast(array, dtype, key)
    return arrays


def _check_aliases(signature, inputs):
    # TF Serving's two checks, in its words: the counts first (VerifyRequestInputsSize),
    # then each signature alias by name (GetInputValues), naming the feed it would fill.
    sent, wanted = sorted(inputs), sorted(signature.inputs)
    if len(sent) != len(wanted):
        raise invalid_argument(
            f"input size does not match signature: {len(sent)}!={len(wanted)} "
            f"len({{{','.join(sent)}}}) != len({{{','.join(wanted)}}}). "
            f"Sent extra: {{{','.join(sorted(set(sent) - set(wanted)))}}}. "
            f"Missing but required: {{{','.join(sorted(set(wanted) - set(sent)))}}}."
        )
    for alias in wanted:
        if alias not in inputs:
            feed = signature.input_names.get(alias, alias)
            raise invalid_argument(
                f"Signature input alias: {alias}(feed name: {feed}) not found in request and "
                f"no default value provided. Inputs expected to be in the request "
                f"{{{','.join(sent)}}}, or default input alias set: "
            )


def _from_proto(proto, spec, key, index):
    dtype, shape = spec.dtype, spec.shape
    if proto.dtype != dtype.as_datatype_enum:
        # The session's own check, in its words: TF Serving feeds the tensor as sent.
        try:
            got = type_name(proto.dtype) if proto.dtype else "an invalid dtype"
        except TypeError:  # an enum value TensorFlow does not define
            got = f"an unknown dtype (DataType {proto.dtype})"
        raise invalid_argument(
            f"Expects arg[{index}] to be {type_name(dtype)} but {got} is provided"
        )
    try:
        return to_array(proto, expected=shape)
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
    # A double beyond float32 becomes +-Infinity (or 0), as rapidjson's GetFloat gives it.
    with np.errstate(over="ignore", under="ignore"):
        return array.astype(target)
