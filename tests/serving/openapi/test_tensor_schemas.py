"""Tensor value schemas: nested arrays from a TensorSpec's shape, elements from its dtype.

Example:
    .venv/bin/pytest tests/serving/openapi/test_tensor_schemas.py
"""

import tensorflow as tf

from serving.openapi.tensor_schemas import B64_REF, element_schema, value_schema

ROW_OF_784 = {"type": "array", "items": {"type": "number"}, "minItems": 784, "maxItems": 784}


def test_value_schema_rows_drop_the_batch_dimension():
    spec = tf.TensorSpec([None, 784], tf.float32)
    assert value_schema(spec, "images", rows=True) == ROW_OF_784
    assert value_schema(spec, "images", rows=False) == {"type": "array", "items": ROW_OF_784}


def test_value_schema_unknown_dimension_has_no_size_and_unknown_rank_any_depth():
    ragged = value_schema(tf.TensorSpec([None, None, 3], tf.int32), "x", rows=True)
    assert "minItems" not in ragged and ragged["items"]["minItems"] == 3
    anything = value_schema(tf.TensorSpec(None, tf.float32), "x", rows=True)
    assert anything["anyOf"] == [{"type": "number"}, {"type": "array"}]


def test_element_schema_follows_the_dtype():
    assert element_schema(tf.uint8, "pixels") == {"type": "integer", "minimum": 0, "maximum": 255}
    assert element_schema(tf.int64, "x")["minimum"] == -(2**63)
    assert element_schema(tf.bool, "x") == {"type": "boolean"}
    assert element_schema(tf.string, "image_bytes") == {"$ref": B64_REF}
    assert element_schema(tf.string, "text") == {"anyOf": [{"type": "string"}, {"$ref": B64_REF}]}
    assert element_schema(tf.string, "text", response=True) == {"type": "string"}
    answered = element_schema(tf.float32, "scores", response=True)
    assert answered["anyOf"][1] == {"enum": ["NaN", "Infinity", "-Infinity"]}


def test_element_schema_dtype_json_cannot_carry_matches_nothing():
    refused = element_schema(tf.complex64, "x")
    assert refused["not"] == {} and "complex64" in refused["description"]
    assert element_schema(tf.float16, "x")["not"] == {}  # half is answered, never read
    assert element_schema(tf.float16, "x", response=True)["anyOf"][0] == {"type": "number"}
