"""TF Serving's REST JSON: request bodies parsed and answers written as TF Serving does.

Example:
    .venv/bin/pytest tests/test_json_codec.py
"""

import json

import numpy as np
import pytest
from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import classification_pb2

from serving import json_codec
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
    assert message in refusal(json_codec.parse_body, body)


def test_predict_inputs_reads_row_and_columnar_formats():
    rows = {"instances": [[1, 2], [3, 4]]}
    assert json_codec.predict_inputs(rows, ["x"]) == (True, {"x": [[1, 2], [3, 4]]})
    named = {"instances": [{"x": [1], "y": "a"}, {"x": [2], "y": "b"}]}
    expected = {"x": [[1], [2]], "y": ["a", "b"]}
    assert json_codec.predict_inputs(named, ["x", "y"]) == (True, expected)
    columns = {"inputs": {"x": [[1]], "y": ["a"], "ignored": 0}}
    assert json_codec.predict_inputs(columns, ["x", "y"]) == (False, {"x": [[1]], "y": ["a"]})
    b64 = {"inputs": {"b64": "AAAA"}}
    assert json_codec.predict_inputs(b64, ["x_bytes"]) == (False, {"x_bytes": {"b64": "AAAA"}})


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
    assert message in refusal(json_codec.predict_inputs, document, keys)


def test_predict_response_mirrors_the_request_format():
    outputs = {
        "classes": np.array([7, 2], np.int64),
        "scores": np.array([[0.1, 0.9], [0.6, 0.4]], np.float32),
    }
    rows = json.loads(json_codec.predict_response(outputs, row_format=True))
    assert rows == {
        "predictions": [
            {"classes": 7, "scores": [0.1, 0.9]},
            {"classes": 2, "scores": [0.6, 0.4]},
        ]
    }
    columns = json.loads(json_codec.predict_response(outputs, row_format=False))
    assert columns == {"outputs": {"classes": [7, 2], "scores": [[0.1, 0.9], [0.6, 0.4]]}}
    single = json.loads(json_codec.predict_response({"y": outputs["classes"]}, row_format=True))
    assert single == {"predictions": [7, 2]}


def test_predict_response_writes_shortest_float32_and_b64_bytes():
    text = json_codec.predict_response({"p": np.array([0.1, 1e-5, 3.0], np.float32)}, False)
    assert text == '{"outputs": [0.1, 1e-05, 3.0]}'
    raw = np.empty(1, dtype=object)
    raw[:] = [b"\x00\xff"]
    assert json.loads(json_codec.predict_response({"out_bytes": raw}, False)) == {
        "outputs": [{"b64": "AP8="}]
    }
    assert json.loads(json_codec.predict_response({"label": raw}, False)) == {
        "outputs": ["\x00\ufffd"]
    }


def test_classify_examples_serialize_each_after_the_context():
    document = {"context": {"a": 1}, "examples": [{"b": 0.5}, {"b": 1.5, "a": 2}]}
    first, second = json_codec.classify_examples(document)
    parsed = example_pb2.Example.FromString(second)
    assert parsed.features.feature["a"].int64_list.value == [2]
    assert list(example_pb2.Example.FromString(first).features.feature["a"].int64_list.value) == [1]
    assert "examples' value is an empty array" in refusal(
        json_codec.classify_examples, {"examples": []}
    )
    assert "key 'examples' is expected" in refusal(json_codec.classify_examples, {})


def test_classify_response_lists_label_score_pairs():
    result = classification_pb2.ClassificationResult()
    classes = result.classifications.add().classes
    classes.add(label="0", score=0.25)
    classes.add(label="1", score=0.75)
    assert json.loads(json_codec.classify_response(result)) == {
        "results": [[["0", 0.25], ["1", 0.75]]]
    }
