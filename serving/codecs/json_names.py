"""How TF Serving's JSON messages name values and dtypes, and its `{"b64": ...}` objects.

Shared by the REST codecs (`json_value`, `json_request`, `json_response`, `tf_example`)
and the input checks (`core.inputs`), so every message names things one way:
- a JSON value's type as rapidjson names it ("String", "Number", "True", ...);
- a dtype as TensorFlow's DataTypeString writes it ("float", "double", "int32", ...);
- a JSON value quoted compactly and cut at 256 bytes (kMaxJsonDebugStringBytes);
- binary data as `{"b64": "..."}`, its padding optional.

Example:
    python -c "from serving.codecs.json_names import json_type_name; print(json_type_name(1.5))"
"""

import base64
import json

import tensorflow as tf

# The JSON type names TF Serving's messages use (rapidjson's); any other value is a number.
_JSON_TYPE = {str: "String", dict: "Object", list: "Array", type(None): "Null"}
# TF's DataTypeString where it differs from the numpy-style name tf.DType.name gives.
_TYPE_NAMES = {tf.float32: "float", tf.float64: "double", tf.float16: "half"}
_MAX_DEBUG_BYTES = 256  # TF Serving's kMaxJsonDebugStringBytes


def type_name(dtype):
    """A dtype's name as TensorFlow's DataTypeString writes it in error messages.

    Args:
        dtype: a tf.DType or a DataType enum value.

    Returns:
        e.g. "float", "double", "int32", "string".
    """
    dtype = tf.as_dtype(dtype)
    return _TYPE_NAMES.get(dtype, dtype.name)


def debug_string(value):
    """A JSON value as TF Serving quotes it in errors: compact, cut at 256 bytes.

    Args:
        value: a parsed JSON value.

    Returns:
        str.
    """
    return json.dumps(value, separators=(",", ":"))[:_MAX_DEBUG_BYTES]


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
        "String", "Object", "Array", "True", "False", "Null" or "Number".
    """
    if isinstance(value, bool):
        return "True" if value else "False"
    return _JSON_TYPE.get(type(value), "Number")
