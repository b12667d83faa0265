"""One REST input's JSON value as a numpy array, read as TF Serving's json_tensor reads it.

A value is a rectangular nested list of numbers, or of strings given as text or as
`{"b64": ...}`. Numbers come back as numpy reads them, for `core.inputs.prepare_inputs` to
check and cast to the signature's dtype; strings come back as an object array of bytes.
Ragged lists and values of the wrong JSON type are refused with TF Serving's wording.
A uint8 input (pixels) of plain ints, the common case, skips the per-value checks:
`bytes()` converts and range-checks every value at C speed.

`is_b64`, `b64_bytes` and `json_type_name` are this codec's rules for `{"b64": ...}`
objects and JSON type names, shared by the request and tf.Example codecs.

Example:
    python -c "from serving.codecs.json_value import from_json; import tensorflow as tf; \
print(from_json([[0, 255], [7, 9]], tf.uint8, 'images'))"
"""

import base64
import binascii
import itertools
import json

import numpy as np
import tensorflow as tf

from serving.errors import invalid_argument

# The JSON type names TF Serving's messages use (rapidjson's); any other value is a number.
_JSON_TYPE = {str: "String", dict: "Object", list: "Array", bool: "Bool", type(None): "Null"}


def is_b64(value):
    """Whether a JSON value is a `{"b64": "..."}` object, TF Serving's form of binary data.

    Args:
        value: a parsed JSON value.

    Returns:
        bool.
    """
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def b64_bytes(text):
    """Decodes a `{"b64": ...}` string; the padding may be left out, as TF Serving allows.

    Args:
        text: standard base64 text.

    Returns:
        The decoded bytes.

    Raises:
        binascii.Error: if the text is not base64.
    """
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def json_type_name(value):
    """The JSON type name of a parsed value, as TF Serving's error messages write it.

    Args:
        value: a parsed JSON value.

    Returns:
        "String", "Object", "Array", "Bool", "Null" or "Number".
    """
    return _JSON_TYPE.get(type(value), "Number")


def from_json(value, dtype, key):
    """Reads one input's JSON value.

    Args:
        value: the parsed JSON value (nested lists of numbers, text or `{"b64": ...}`).
        dtype: the signature input's tf.DType.
        key: the input's name, for error messages.

    Returns:
        A numpy array in the value's shape: object array of bytes for tf.string, uint8
        for a uint8 input of ints 0-255, else the numbers as numpy reads them (int64 or
        float64), still to be cast to `dtype`.

    Raises:
        ServingError: INVALID_ARGUMENT for a ragged list or a value of the wrong JSON type.
    """
    if dtype == tf.string:
        flat, shape = _flatten(value, key, _json_bytes)
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
        return array.reshape(shape)
    if dtype == tf.uint8:
        array = _plain_uint8(value)
        if array is not None:
            return array
    try:
        array = np.asarray(value)  # a rectangular list of numbers
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype.kind not in "iuf":
        flat, shape = _flatten(value, key, _json_number(dtype))
        array = np.asarray(flat).reshape(shape)
    return array


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
    kind = json_type_name(item)
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
    if is_b64(item):
        try:
            return b64_bytes(item["b64"])
        except binascii.Error as error:
            raise invalid_argument(
                f"input '{key}': Unable to base64 decode the value at {path or 'top level'} "
                f"({error})"
            ) from error
    raise _type_error(item, key, path, 'string (text or {"b64": ...})')
