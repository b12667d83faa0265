"""tf.Example inputs of the Classify API built from JSON with TF Serving's typing rules.

Example:
    .venv/bin/pytest tests/serving/codecs/test_tf_example.py
"""

import base64

import pytest
from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import input_pb2

from serving.codecs.tf_example import example_from_json, serialize_examples, serialize_input
from serving.errors import ServingError


def test_example_from_json_types_features_like_tf_serving():
    example = example_from_json(
        {
            "f": [0.5, 1e3],
            "i": [1, True],
            "s": "text",
            "b": {"b64": base64.b64encode(b"\x01").decode()},
        },
        0,
    )
    features = example.features.feature
    assert list(features["f"].float_list.value) == [0.5, 1000.0]
    assert list(features["i"].int64_list.value) == [1, 1]
    assert list(features["s"].bytes_list.value) == [b"text"]
    assert list(features["b"].bytes_list.value) == [b"\x01"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "Example must be JSON object but got JSON Array"),
        ({"image": [1, 0.5]}, "Unexpected element type in feature: image expecting type: int64"),
        ({"image": [None]}, "Feature: image has element with unexpected JSON type: Null"),
        ({"image": [[0.5]]}, "Feature: image has element with unexpected JSON type: Array"),
        ({"n": [2**64 - 13]}, "Feature: n has uint64_t element. Only int64_t is supported."),
        ({"image": {"b64": "%%"}}, "Unable to base64 decode"),
    ],
)
def test_example_from_json_refuses_bad_features(value, message):
    with pytest.raises(ServingError) as caught:
        example_from_json(value, 3)
    assert message in caught.value.message


def test_example_from_json_keeps_non_finite_floats():
    example = example_from_json({"x": [float("inf"), float("nan"), 2**70]}, 0)
    values = list(example.features.feature["x"].float_list.value)
    assert values[0] == float("inf") and values[1] != values[1] and values[2] == 2.0**70


def test_serialize_examples_lets_each_example_override_the_context():
    context = example_from_json({"a": [1], "c": "shared"}, -1)
    own = example_from_json({"a": [2]}, 0)
    (serialized,) = serialize_examples([own], context)
    merged = example_pb2.Example.FromString(serialized).features.feature
    assert list(merged["a"].int64_list.value) == [2]
    assert list(merged["c"].bytes_list.value) == [b"shared"]


def test_serialize_input_reads_both_example_lists():
    request_input = input_pb2.Input()
    request_input.example_list.examples.add().features.feature["x"].float_list.value.append(1.0)
    (plain,) = serialize_input(request_input)
    assert example_pb2.Example.FromString(plain).features.feature["x"].float_list.value == [1.0]
    with_context = input_pb2.Input()
    with_context.example_list_with_context.context.features.feature["y"].int64_list.value.append(4)
    with_context.example_list_with_context.examples.add()
    (merged,) = serialize_input(with_context)
    assert example_pb2.Example.FromString(merged).features.feature["y"].int64_list.value == [4]
    with pytest.raises(ServingError, match="Input is empty"):
        serialize_input(input_pb2.Input())
