"""How the JSON messages name values and dtypes, and `{"b64": ...}` objects, on known answers.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_names.py
"""

import binascii

import pytest
import tensorflow as tf

from serving.codecs import json_names


@pytest.mark.parametrize(
    ("value", "name"),
    [("a", "String"), ({}, "Object"), ([], "Array"), (None, "Null"), (True, "True"),
     (False, "False"), (1, "Number"), (1.5, "Number")],
)  # fmt: skip
def test_json_type_name_is_rapidjsons(value, name):
    assert json_names.json_type_name(value) == name


def test_type_name_is_tensorflows_data_type_string():
    names = [json_names.type_name(d) for d in (tf.float32, tf.float64, tf.float16, tf.int32)]
    assert names == ["float", "double", "half", "int32"]
    assert json_names.type_name(tf.string.as_datatype_enum) == "string"


def test_debug_string_is_compact_and_cut_at_256_bytes():
    assert json_names.debug_string({"a": [1, 2]}) == '{"a":[1,2]}'
    assert len(json_names.debug_string(list(range(1000)))) == 256


def test_b64_objects_and_their_optional_padding():
    assert json_names.is_b64({"b64": "eA"}) and not json_names.is_b64({"b64": 1})
    assert not json_names.is_b64({"b64": "eA", "x": 1})
    assert json_names.b64_bytes("eA") == json_names.b64_bytes("eA==") == b"x"
    with pytest.raises(binascii.Error):
        json_names.b64_bytes("not base64!")
