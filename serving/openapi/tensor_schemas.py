"""JSON Schemas of tensor values in TF Serving's REST JSON, derived from a tf.TensorSpec.

A value is nested JSON arrays, one level per dimension; a dimension of known size fixes
`minItems` and `maxItems`. Elements follow the dtype as the REST codecs read and write
them: float32/float64 as numbers (answers may also hold "NaN", "Infinity",
"-Infinity"), integers within the dtype's range, bools, and strings: an alias ending in
`_bytes` carries binary data as `{"b64": "..."}`, other strings are text or `{"b64"}`.
Row format (`instances`, `predictions`) drops the batch dimension; columnar keeps it.

Example:
    python -c "import tensorflow as tf; from serving.openapi.tensor_schemas import \
value_schema; print(value_schema(tf.TensorSpec([None, 2], tf.float32), 'x', rows=True))"
"""

import tensorflow as tf

B64_REF = "#/components/schemas/B64"
# The binary-string object of TF Serving's JSON, referenced by every `_bytes` element.
B64_SCHEMA = {
    "type": "object",
    "description": "Binary data, base64-encoded (padding optional).",
    "properties": {"b64": {"type": "string", "contentEncoding": "base64"}},
    "required": ["b64"],
    "additionalProperties": False,
}
NON_FINITE = ("NaN", "Infinity", "-Infinity")
# The dtypes the REST codecs read from JSON numbers; others answer UNIMPLEMENTED.
_REQUEST_FLOATS = (tf.float32, tf.float64)
_REQUEST_INTEGERS = (tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint32, tf.uint64)


def element_schema(dtype, alias, response=False):
    """The schema of one element of a tensor.

    Args:
        dtype: the tf.DType.
        alias: the input or output alias (`_bytes` makes strings binary).
        response: describe what answers hold instead of what requests may send.

    Returns:
        A JSON Schema dict; one that nothing matches (`not: {}`) for a dtype JSON
        cannot carry in that direction.
    """
    if dtype == tf.string:
        if alias.endswith("_bytes"):
            return {"$ref": B64_REF}
        if response:
            return {"type": "string"}
        return {"anyOf": [{"type": "string"}, {"$ref": B64_REF}]}
    if dtype == tf.bool:
        return {"type": "boolean"}
    if dtype in _REQUEST_FLOATS or (response and dtype.is_floating):
        if response:
            return {"anyOf": [{"type": "number"}, {"enum": list(NON_FINITE)}]}
        return {"type": "number"}
    if dtype in _REQUEST_INTEGERS or (response and dtype.is_integer):
        return {"type": "integer", "minimum": int(dtype.min), "maximum": int(dtype.max)}
    direction = "answered" if response else "sent"
    return {"not": {}, "description": f"dtype {dtype.name} cannot be {direction} as JSON"}


def value_schema(spec, alias, rows, response=False):
    """The schema of a tensor's value: one example's (rows) or the whole batch's.

    Args:
        spec: the tf.TensorSpec from the SignatureDef (its shape may be partly unknown).
        alias: the input or output alias.
        rows: drop the first (batch) dimension, as `instances` and `predictions` do.
        response: see `element_schema`.

    Returns:
        A JSON Schema dict: nested arrays of the known rank around the element schema,
        or the element or an array of any depth when the rank is unknown.
    """
    element = element_schema(spec.dtype, alias, response)
    if spec.shape.rank is None:
        return {"anyOf": [element, {"type": "array"}], "description": "Any rank."}
    dims = spec.shape.as_list()
    for size in reversed(dims[1:] if rows else dims):
        element = {"type": "array", "items": element}
        if size is not None:
            element["minItems"] = element["maxItems"] = size
    return element


def named_values(specs, rows, response=False):
    """The schema of an object of named values, one property per alias, all required.

    Args:
        specs: dict alias -> tf.TensorSpec (None entries, which name ops, are skipped).
        rows: see `value_schema`.
        response: see `element_schema`.

    Returns:
        A JSON Schema dict of type object.
    """
    tensors = {alias: spec for alias, spec in sorted(specs.items()) if spec is not None}
    return {
        "type": "object",
        "properties": {
            alias: value_schema(spec, alias, rows, response) for alias, spec in tensors.items()
        },
        "required": list(tensors),
    }
