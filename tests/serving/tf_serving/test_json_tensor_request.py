"""Ports of json_tensor_test.cc's JSON-to-tensor cases, over REST against the echo model.

TF Serving's test checks the TensorProto a JSON request becomes. Here the request goes to
an identity signature of that dtype (extra_models.py) and the echoed answer shows the
tensor: its values, nesting (shape) and type. Error cases assert the 400 and the message.

Example:
    pytest tests/serving/tf_serving/test_json_tensor_request.py
"""

import json

import numpy as np
import pytest
from harness import call_rest, raw_numbers

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow

PREDICT = "/v1/models/echo:predict"


def _predict(server, signature, body):
    if isinstance(body, dict):
        body = json.dumps({"signature_name": signature, **body})
    return call_rest(server.rest, PREDICT, body, method="POST")


def _answer(server, signature, body):
    reply = _predict(server, signature, body)
    assert reply.status == 200, reply.text
    return reply


def _error(server, signature, body):
    reply = _predict(server, signature, body)
    assert reply.status == 400, reply.text
    return reply.json["error"]


def test_single_unnamed_tensor_keeps_rows_and_shape(echo_server):
    rows = [[1, 2], [3, 4], [5, 6]]
    assert _answer(echo_server, "int32", {"instances": rows}).json == {"predictions": rows}


def test_deeply_nested_well_formed_extra_key_is_ignored(echo_server):
    body = '{"signature_name": "int32", "instances": [1], "nested": '
    body += "[" * 500000 + "]" * 500000 + "}"
    assert _answer(echo_server, None, body).json == {"predictions": [1]}


def test_deeply_nested_malformed_signature_name_is_refused(echo_server):
    body = '{"signature_name": ' + "[" * 500000 + "]" * 500000 + "}"
    assert "key must be a string value" in _error(echo_server, None, body)


@pytest.mark.parametrize(
    ("signature", "instances", "tokens"),
    [
        ("float", "[1, 2.0, 3, 4, 5.003, 0.007, 0.0]", "1.0 2.0 3.0 4.0 5.003 0.007 0.0"),
        ("double", "[1.0, 2, 3, 4, 0.662, 0, 0.0]", "1.0 2.0 3.0 4.0 0.662 0.0 0.0"),
    ],
)
def test_mixed_ints_and_decimals_fill_a_float_tensor(echo_server, signature, instances, tokens):
    body = f'{{"signature_name": "{signature}", "instances": {instances}}}'
    answer = raw_numbers(_answer(echo_server, None, body).text)
    assert answer == {"predictions": tokens.split()}


@pytest.mark.parametrize("value", ["1435774380", "1435774380.0"])
def test_float_tensor_with_precision_loss_is_accepted(echo_server, value):
    body = f'{{"signature_name": "float", "instances": [{value}]}}'
    predictions = _answer(echo_server, None, body).json["predictions"]
    assert np.float32(predictions[0]) == np.float32(1435774380)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.7976931348623157e+308", "Infinity"),
        ("-1.7976931348623157e+308", "-Infinity"),
        ("2.2250738585072014e-308", "0.0"),
        ("-2.2250738585072014e-308", "-0.0"),
    ],
)
def test_float_tensor_beyond_float_range_saturates(echo_server, value, expected):
    body = f'{{"signature_name": "float", "instances": [{value}]}}'
    assert raw_numbers(_answer(echo_server, None, body).text) == {"predictions": [expected]}


@pytest.mark.parametrize(
    ("instances", "expected"),
    [
        ([{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}], ["hello", "world"]),
        ([[{"b64": "aGVsbG8="}], [{"b64": "d29ybGQ="}]], [["hello"], ["world"]]),
        ([{"default": [[{"b64": "aGVsbG8="}], [{"b64": "d29ybGQ="}]]}], [[["hello"], ["world"]]]),
    ],
)
def test_base64_values_decode_into_string_tensors(echo_server, instances, expected):
    answer = _answer(echo_server, "string", {"instances": instances}).json
    assert answer == {"predictions": expected}


def test_multiple_named_tensors_with_nan_and_infinity(echo_server):
    body = """{"signature_name": "multi", "instances": [
        {"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"],
         "float_tensor": [1.0, NaN], "dbl_tensor": [NaN]},
        {"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"],
         "float_tensor": [2.0, Infinity], "dbl_tensor": [2.0]}]}"""
    rows = raw_numbers(_answer(echo_server, None, body).text)["predictions"]
    assert [row["float_tensor"] for row in rows] == [["1.0", "NaN"], ["2.0", "Infinity"]]
    assert [row["dbl_tensor"] for row in rows] == [["NaN"], ["2.0"]]
    assert [row["str_tensor"] for row in rows] == [["foo", "bar"], ["baz", "bat"]]
    assert rows[1]["int_tensor"] == [["7", "8"], ["9", "0"], ["1", "2"]]


@pytest.mark.parametrize(
    "inputs", [{"default": [[[1, 2], [3, 4], [5, 6]]]}, [[[1, 2], [3, 4], [5, 6]]]]
)
def test_single_tensor_columnar_format_named_or_not(echo_server, inputs):
    answer = _answer(echo_server, "int32", {"inputs": inputs}).json
    assert answer == {"outputs": [[[1, 2], [3, 4], [5, 6]]]}


def test_multiple_named_tensors_columnar_format(echo_server):
    inputs = {
        "int_tensor": [[[1, 2], [3, 4], [5, 6]]],
        "str_tensor": ["foo", "bar"],
        "bin_tensor": {"b64": "aGVsbG8="},
    }
    answer = _answer(echo_server, "int_str_bin", {"inputs": inputs}).json
    assert answer == {"outputs": {**inputs, "bin_tensor": "hello"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "document is empty"),
        ('{"signature_name": 5, "instances": [[1,2],[3,4],[5,6,7]]}', "must be a string value"),
        ('{"instances": [[1,2]], "inputs": [[1,2]]}', "Not formatted correctly"),
        ('{"instances": [[1,2],[3,4],[5,6,7]]}', "Expecting tensor size"),
        ('{"instances": [[1,2],[3,4],[[5,6]]]}', "Expecting shape"),
        ('{"instances": [1, [1]]}', "Expecting shape"),
        ('{"instances": [[1,2],["a", "b"]]}', "not of expected type"),
    ],
)
def test_single_unnamed_tensor_errors(echo_server, body, message):
    # Without signature_name: echo's default signature, whose only input is int32.
    assert message in _error(echo_server, None, body)


@pytest.mark.parametrize(
    ("signature", "instances", "message"),
    [
        (
            "int_str",
            [
                {"int_tensor": [[1, 2]], "str_tensor": ["a"]},
                {"int_tensor": [[[1, 2]]], "str_tensor": ["b"]},
            ],
            "Expecting shape",
        ),
        (
            "int_str",
            [
                {"int_tensor": [[1, 2], [3, 4]], "str_tensor": ["a"]},
                {"int_tensor": [[1, 2]], "str_tensor": ["b"]},
            ],
            "Expecting tensor size",
        ),
        (
            "int_str",
            [{"int_tensor": [[1, 2]], "str_tensor": ["a"]}, [1, 20, 30]],
            "Expecting object but got list",
        ),
        (
            "string",
            [["baz", "bar"], {"default": ["baz", "bat"]}],
            "Expecting value/list but got object",
        ),
    ],
)
def test_multiple_named_tensor_errors(echo_server, signature, instances, message):
    assert message in _error(echo_server, signature, {"instances": instances})
