"""TF Serving's REST JSON: request bodies parsed and answers written as TF Serving does.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_request.py
"""

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from serving.codecs import json_request
from serving.errors import ServingError


def specs(**dtypes):
    """A signature's input specs, key -> tf.TensorSpec of that dtype."""
    return {key: tf.TensorSpec(None, dtype) for key, dtype in dtypes.items()}


XY = specs(x=tf.int32, y=tf.string)
X = specs(x=tf.int32)


def test_predict_inputs_reads_row_and_columnar_formats():
    rows = {"instances": [[1, 2], [3, 4]]}
    row_format, inputs = json_request.predict_inputs(rows, specs(x=tf.int32))
    assert row_format and inputs["x"].tolist() == [[1, 2], [3, 4]]
    named = {"instances": [{"x": [1], "y": "a"}, {"x": [2], "y": "b"}]}
    row_format, inputs = json_request.predict_inputs(named, XY)
    assert inputs["x"].tolist() == [[1], [2]] and inputs["y"].tolist() == [b"a", b"b"]
    columns = {"inputs": {"x": [[1]], "y": ["a"], "ignored": 0}}
    assert json_request.predict_inputs(columns, XY) == (False, {"x": [[1]], "y": ["a"]})
    b64 = {"inputs": {"b64": "AAAA"}}
    assert json_request.predict_inputs(b64, specs(x_bytes=tf.string)) == (
        False,
        {"x_bytes": {"b64": "AAAA"}},
    )


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        ([[1, 2], [3, 4], [5, 6, 7]], "Failed to process element: 2 of 'instances' list. "
         "Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 3"),
        ([[1, 2], [[1, 2]]], "Failed to process element: 1 of 'instances' list. "
         "Error: INVALID_ARGUMENT: Expecting shape [2] but got: [1,2]"),
        ([{"x": [1, 2], "y": "a"}, {"x": [1], "y": "b"}], "Failed to process element: 1 key: x "
         "of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 1"),
    ],
)  # fmt: skip
def test_predict_inputs_checks_each_instance_against_the_first(instances, message):
    specs_ = XY if isinstance(instances[0], dict) else X
    with pytest.raises(ServingError) as caught:
        json_request.predict_inputs({"instances": instances}, specs_)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("document", "keys", "message"),
    [
        ({"instances": [1], "inputs": [1]}, X, "only one of 'inputs' or 'instances'"),
        ({"signature_name": "s"}, X, "Missing 'inputs' or 'instances' key"),
        ({"instances": 5}, X, "Expecting 'instances' to be an list/array"),
        ({"instances": []}, X, "No values in 'instances' array"),
        ({"instances": [[1]]}, XY, "instances is a plain list"),
        ({"instances": [[1], {"x": 1}]}, X, "Expecting value/list but got object at item 1"),
        ({"instances": [{"x": 1}, [1]]}, X, "Expecting object but got list at item 1"),
        ({"instances": [{"x": 1, "z": 2}]}, X, "keys must be equal to: x"),
        ({"inputs": [1]}, XY, "inputs is a plain value/list"),
        ({"inputs": {"x": 1}}, XY, "Missing named input: y in 'inputs' object."),
    ],
)
def test_predict_inputs_refuses_malformed_requests(document, keys, message, refusal):
    assert message in refusal(json_request.predict_inputs, document, keys)


def test_classify_examples_serialize_each_after_the_context(refusal):
    document = {"context": {"a": 1}, "examples": [{"b": 0.5}, {"b": 1.5, "a": 2}]}
    first, second = json_request.classify_examples(document)
    parsed = example_pb2.Example.FromString(second)
    assert parsed.features.feature["a"].int64_list.value == [2]
    assert list(example_pb2.Example.FromString(first).features.feature["a"].int64_list.value) == [1]
    assert "examples' value is an empty array" in refusal(
        json_request.classify_examples, {"examples": []}
    )
    assert "key 'examples' is expected" in refusal(json_request.classify_examples, {})
