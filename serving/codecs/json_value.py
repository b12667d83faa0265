"""One REST input's JSON value as a numpy array, read as TF Serving's json_tensor reads it.

The rules (TF Serving's util/json_tensor.cc, FillTensorProto and AddValueToTensor):
- The shape is read from the first element at each level; every list at a level must have
  that size, and every value must sit at the deepest level.
- Each value must be of the JSON type the input's dtype takes: a number for float and
  double (NaN and Infinity included), an integer within range for the integer types,
  `true`/`false` for bool, a string or a `{"b64": ...}` object for string. half, bfloat16
  and complex inputs cannot be given in JSON (UNIMPLEMENTED).
- Refusals use TF Serving's wording, e.g. `JSON Value: "a" Type: String is not of expected
  type: float`.
Numbers come back as numpy reads them, for `core.inputs.prepare_inputs` to cast to the
signature's dtype; strings as an object array of bytes. A uint8 input (pixels) of plain
ints, the common case, skips the per-value checks: `bytes()` converts and range-checks every
value at C speed. One difference, for speed: in a list that numpy reads as numbers, a
`true` or `false` among them reads as 1 or 0 where TF Serving would refuse it.
The names and `{"b64": ...}` rules the messages use are in `codecs.json_names`.

Example:
    python -c "from serving.codecs.json_value import from_json; import tensorflow as tf; \
print(from_json([[0, 255], [7, 9]], tf.uint8, 'images'))"
"""

import binascii
import itertools

import grpc
import numpy as np
import tensorflow as tf

from serving.codecs.json_names import b64_bytes, debug_string, is_b64, json_type_name, type_name
from serving.codecs.json_numeric import PlainArray
from serving.codecs.ranks import rank_problem
from serving.errors import ServingError, invalid_argument

# Integer dtype -> the range of JSON integers it takes (rapidjson's IsInt, IsInt64, ...).
_INT_RANGES = {
    tf.int8: (-(2**31), 2**31 - 1),
    tf.int16: (-(2**31), 2**31 - 1),
    tf.int32: (-(2**31), 2**31 - 1),
    tf.uint8: (-(2**31), 2**31 - 1),
    tf.int64: (-(2**63), 2**63 - 1),
    tf.uint32: (0, 2**32 - 1),
    tf.uint64: (0, 2**64 - 1),
}
# The dtypes a json_numeric.PlainArray can fill directly, by PlainArray.as_input's kind.
_PLAIN_KINDS = {dtype: "int" for dtype in _INT_RANGES} | {
    tf.uint8: "uint8",
    tf.float32: "float",
    tf.float64: "float",
}


def from_json(value, dtype, key, shape=None):
    """Reads one input's JSON value.

    Args:
        value: the parsed JSON value (nested lists of numbers, bools, text or `{"b64": ...}`),
            or a json_numeric.PlainArray.
        dtype: the signature input's tf.DType.
        key: the input's name (unused in messages: TF Serving's do not name it).
        shape: the signature input's tf.TensorShape, named when the value nests too deep.

    Returns:
        A numpy array in the value's shape: object array of bytes for tf.string, bool for
        tf.bool, uint8 for a uint8 input of ints 0-255, else the numbers as numpy reads them
        (int64 or float64), still to be cast to `dtype`.

    Raises:
        ServingError: INVALID_ARGUMENT for a ragged list, a value of the wrong JSON type or
            one nested deeper than a tensor can be; UNIMPLEMENTED for a dtype JSON cannot carry.
    """
    _check_depth(value, shape)
    if isinstance(value, PlainArray):  # read by simdjson (codecs.json_numeric)
        kind = _PLAIN_KINDS.get(dtype)
        array = value.as_input(kind) if kind else None
        if array is not None:
            return array
        value = value.to_json()
    if dtype == tf.uint8:
        array = _plain_uint8(value)
        if array is not None:
            return array
    if dtype in (tf.float32, tf.float64) or dtype in _INT_RANGES:
        try:
            array = np.asarray(value)  # a rectangular list of numbers
        except (ValueError, TypeError):
            array = None
        wanted = "iu" if dtype in _INT_RANGES else "iuf"
        if array is not None and array.dtype.kind in wanted and array.size:
            return array
    flat, shape = _fill(value, dtype)
    if dtype == tf.string:
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
        return array.reshape(shape)
    return np.asarray(flat, dtype=bool if dtype == tf.bool else None).reshape(shape)


def _check_depth(value, shape):
    # Before numpy sees the value: it cannot hold as many dimensions as TensorFlow.
    if isinstance(value, PlainArray):
        return  # never deeper than numpy holds (json_numeric)
    rank, probe = 0, value
    while isinstance(probe, list):
        rank += 1
        probe = probe[0] if probe else None
    problem = rank_problem(rank, shape)
    if problem:
        raise invalid_argument(f"JSON Value nests {rank} lists: {problem}")


def _plain_uint8(value):
    # A non-empty rectangular nested list of ints 0-255 as a uint8 array, or None for the
    # general path (which also words every refusal). A leading bool goes there too: an
    # all-bool list is refused, while bools among ints read as 0 and 1 on either path.
    shape, probe = [], value
    while type(probe) is list and probe:
        shape.append(len(probe))
        probe = probe[0]
    if not shape or type(probe) is not int:
        return None
    rows = [value]
    for depth, size in enumerate(shape):
        if not all(type(row) is list and len(row) == size for row in rows):
            return None
        if depth < len(shape) - 1:
            rows = list(itertools.chain.from_iterable(rows))
    try:  # bytes() refuses a float, a string, a list or an int outside 0-255
        data = bytes(itertools.chain.from_iterable(rows))
    except (TypeError, ValueError):
        return None
    return np.frombuffer(data, np.uint8).reshape(shape)


def _fill(value, dtype):
    # TF Serving's FillTensorProto: the shape from the first elements, then every value
    # checked against it and against the dtype. Returns (flat values, shape).
    convert = _converter(dtype)
    shape = []
    probe = value
    while isinstance(probe, list):
        shape.append(len(probe))
        probe = probe[0] if probe else None
    rank, flat = len(shape), []
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, list):
            if level != rank:
                raise invalid_argument(
                    f"JSON Value: {debug_string(item)} found at incorrect level: {level + 1} "
                    f"in the JSON DOM. Expected at level: {rank}"
                )
            flat.append(convert(item))
            continue
        if level >= rank:
            raise invalid_argument(
                f"Encountered list at unexpected level: {level} expected < {rank}"
            )
        if len(item) != shape[level]:
            raise invalid_argument(
                f"Encountered list at unexpected size: {len(item)} at level: {level} "
                f"expected size: {shape[level]}"
            )
        stack.extend((child, level + 1) for child in reversed(item))
    return flat, tuple(shape)


def _converter(dtype):
    # One value -> its Python value, or TF Serving's TypeError for the dtype.
    def type_error(item):
        return invalid_argument(
            f"JSON Value: {debug_string(item)} Type: {json_type_name(item)} is not of "
            f"expected type: {type_name(dtype)}"
        )

    def number(item):
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise type_error(item)
        return item

    def integer(item):
        low, high = _INT_RANGES[dtype]
        if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
            raise type_error(item)
        return item

    def boolean(item):
        if not isinstance(item, bool):
            raise type_error(item)
        return item

    def string(item):
        if isinstance(item, str):
            return item.encode("utf-8")
        if not isinstance(item, dict):
            raise type_error(item)
        if not is_b64(item):
            raise invalid_argument(
                f"JSON Value: {debug_string(item)} not formatted correctly for base64 data"
            )
        try:
            return b64_bytes(item["b64"])
        except binascii.Error:
            raise invalid_argument("Unable to base64 decode") from None

    if dtype in (tf.float32, tf.float64):
        return number
    if dtype in _INT_RANGES:
        return integer
    if dtype == tf.bool:
        return boolean
    if dtype == tf.string:
        return string

    def unimplemented(item):
        raise ServingError(
            grpc.StatusCode.UNIMPLEMENTED,
            f"Conversion of JSON Value: {debug_string(item)} to type: {type_name(dtype)}",
        )

    return unimplemented
