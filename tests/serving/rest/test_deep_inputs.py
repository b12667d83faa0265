"""REST predict bodies nested deeper than a tensor can be: 400 naming the problem, server up.

Every dtype path (numbers on the simdjson path and the general one, strings, b64, bools)
in both the row ("instances") and the columnar ("inputs") format.

Example:
    .venv/bin/pytest tests/serving/rest/test_deep_inputs.py
"""

import pytest

from common import contract

GOOD = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}
# (signature, the innermost JSON value, the input's declared shape as messages write it)
VALUES = [
    (contract.PREDICT_PIXELS, "1", "[-1,28,28]"),  # integers: the simdjson path first
    (contract.PREDICT_PIXELS, "1.5", "[-1,28,28]"),
    (contract.PREDICT_PIXELS, "true", "[-1,28,28]"),
    (contract.SERVING_DEFAULT, "0.25", "[-1,28,28]"),
    (contract.PREDICT_IMAGE_BYTES, '"abc"', "[-1]"),
    (contract.PREDICT_IMAGE_BYTES, '{"b64": "YWJj"}', "[-1]"),
]


def nested_body(signature, key, value, depth):
    return (
        f'{{"signature_name": "{signature}", "{key}": {"[" * depth}{value}{"]" * depth}}}'
    ).encode()


def instance_shape(shape):
    return "[" + shape[len("[-1,") :] if "," in shape else "[]"


@pytest.mark.parametrize(("signature", "value", "shape"), VALUES)
@pytest.mark.parametrize("depth", [100, 254])
def test_deep_inputs_columns_are_invalid_argument_naming_the_shape(
    http, model_url, signature, value, shape, depth
):
    body = nested_body(signature, "inputs", value, depth)
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 400
    assert answer == {"error": f"JSON Value nests {depth} lists: the input expects shape {shape}"}


@pytest.mark.parametrize(("signature", "value", "shape"), VALUES)
def test_deep_inputs_instances_are_invalid_argument_naming_the_shape(
    http, model_url, signature, value, shape
):
    body = nested_body(signature, "instances", value, 100)
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 400
    assert answer == {
        "error": "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
        f"JSON Value nests 99 lists: the input expects shape {instance_shape(shape)}"
    }


@pytest.mark.parametrize(("signature", "value", "shape"), VALUES)
@pytest.mark.parametrize("key", ["inputs", "instances"])
def test_deep_inputs_beyond_tensorflows_rank_are_invalid_argument(
    http, model_url, signature, value, shape, key
):
    body = nested_body(signature, key, value, 300)
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 400
    assert "lists: a tensor has at most 254 dimensions" in answer["error"]
    assert "Internal error" not in answer["error"]
    assert http("POST", model_url + ":predict", GOOD)[0] == 200


def test_deep_inputs_just_within_numpys_rank_still_reach_the_graph(http, model_url):
    # 64 levels can be held: the graph refuses the shape, as TF Serving's session would.
    body = nested_body(contract.PREDICT_PIXELS, "inputs", "1", 64)
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 400
    assert "JSON Value nests" not in answer["error"]
    assert "Internal error" not in answer["error"]
