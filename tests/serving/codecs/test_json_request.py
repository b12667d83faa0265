"""TF Serving's REST JSON: request bodies parsed and answers written as TF Serving does.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_request.py
"""

import pytest
from tensorflow.core.example import example_pb2

from serving.codecs import json_request
from serving.errors import ServingError


def refusal(function, *args):
    with pytest.raises(ServingError) as caught:
        function(*args)
    assert caught.value.code.name == "INVALID_ARGUMENT"
    return caught.value.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "JSON Parse error: The document is empty"),
        (b"  \n", "JSON Parse error: The document is empty"),
        (b'{"instances": [1,]}', "JSON Parse error: Expecting value at offset: 17"),
        (b"\xff\xfe{}", "JSON Parse error"),
        (b"[1, 2]", "JSON Value: [1, 2] Is not object"),
        (b'{"signature_name": 100}', "'signature_name' key must be a string value."),
    ],
)
def test_parse_body_refuses_what_tf_serving_refuses(body, message):
    assert message in refusal(json_request.parse_body, body)


def test_predict_inputs_reads_row_and_columnar_formats():
    rows = {"instances": [[1, 2], [3, 4]]}
    assert json_request.predict_inputs(rows, ["x"]) == (True, {"x": [[1, 2], [3, 4]]})
    named = {"instances": [{"x": [1], "y": "a"}, {"x": [2], "y": "b"}]}
    expected = {"x": [[1], [2]], "y": ["a", "b"]}
    assert json_request.predict_inputs(named, ["x", "y"]) == (True, expected)
    columns = {"inputs": {"x": [[1]], "y": ["a"], "ignored": 0}}
    assert json_request.predict_inputs(columns, ["x", "y"]) == (False, {"x": [[1]], "y": ["a"]})
    b64 = {"inputs": {"b64": "AAAA"}}
    assert json_request.predict_inputs(b64, ["x_bytes"]) == (False, {"x_bytes": {"b64": "AAAA"}})


@pytest.mark.parametrize(
    ("document", "keys", "message"),
    [
        ({"instances": [1], "inputs": [1]}, ["x"], "only one of 'inputs' or 'instances'"),
        ({"signature_name": "s"}, ["x"], "Missing 'inputs' or 'instances' key"),
        ({"instances": 5}, ["x"], "Expecting 'instances' to be an list/array"),
        ({"instances": []}, ["x"], "No values in 'instances' array"),
        ({"instances": [[1]]}, ["x", "y"], "instances is a plain list"),
        ({"instances": [[1], {"x": 1}]}, ["x"], "Expecting value/list but got object at item 1"),
        ({"instances": [{"x": 1}, [1]]}, ["x"], "Expecting object but got list at item 1"),
        ({"instances": [{"x": 1, "z": 2}]}, ["x"], "keys must be equal to: x"),
        ({"inputs": [1]}, ["x", "y"], "inputs is a plain value/list"),
        ({"inputs": {"x": 1}}, ["x", "y"], "Missing named input: y in 'inputs' object."),
    ],
)
def test_predict_inputs_refuses_malformed_requests(document, keys, message):
    assert message in refusal(json_request.predict_inputs, document, keys)


def test_classify_examples_serialize_each_after_the_context():
    document = {"context": {"a": 1}, "examples": [{"b": 0.5}, {"b": 1.5, "a": 2}]}
    first, second = json_request.classify_examples(document)
    parsed = example_pb2.Example.FromString(second)
    assert parsed.features.feature["a"].int64_list.value == [2]
    assert list(example_pb2.Example.FromString(first).features.feature["a"].int64_list.value) == [1]
    assert "examples' value is an empty array" in refusal(
        json_request.classify_examples, {"examples": []}
    )
    assert "key 'examples' is expected" in refusal(json_request.classify_examples, {})
