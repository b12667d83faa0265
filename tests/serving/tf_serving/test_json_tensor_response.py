"""Ports of json_tensor_test.cc's tensor-to-JSON and Classify/Regress JSON cases, over REST.

Output tensors come from the echo model (what is sent comes back, so the answer's JSON is
TF Serving's rendering of a known tensor) and from half_plus_two's regress and classify
signatures. Numbers are compared as text where the test does (six-digit precision, NaN).

Example:
    pytest tests/serving/tf_serving/test_json_tensor_response.py
"""

import json

import pytest
from harness import call_rest, raw_numbers

# The slow tier: TF Serving's own cases, against the server started as a subprocess.
pytestmark = pytest.mark.slow

INT_ROWS = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]]
BYTES_B64 = [[{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}], [{"b64": "dGY="}, {"b64": "c2VydmluZw=="}]]


def _echo(server, signature, body):
    body = body if isinstance(body, str) else json.dumps({"signature_name": signature, **body})
    return call_rest(server.rest, "/v1/models/echo:predict", body, method="POST")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"instances": INT_ROWS}, {"predictions": INT_ROWS}),
        ({"inputs": INT_ROWS}, {"outputs": INT_ROWS}),
        ({"instances": [1, 2, 3, 4, 5]}, {"predictions": [1, 2, 3, 4, 5]}),
        ({"inputs": [1, 2, 3, 4, 5]}, {"outputs": [1, 2, 3, 4, 5]}),
    ],
)
def test_single_tensor_rows_or_columns(echo_server, body, expected):
    assert _echo(echo_server, "int32", body).json == expected


def test_bytes_tensor_named_bytes_is_base64(echo_server):
    strings = [["hello", "world"], ["tf", "serving"]]
    assert _echo(echo_server, "bytes", {"instances": strings}).json == {"predictions": BYTES_B64}


def test_float_tensor_six_digit_precision(echo_server):
    body = (
        '{"signature_name": "float", '
        '"instances": [[9000000, 999999, 0.5], [0.0003, 0.00003, 555557.5]]}'
    )
    assert raw_numbers(_echo(echo_server, None, body).text) == {
        "predictions": [["9e+06", "999999.0", "0.5"], ["0.0003", "3e-05", "555557.5"]]
    }


def test_float_tensor_non_finite_values(echo_server):
    body = '{"signature_name": "float", "instances": [[NaN, Infinity], [3, -Infinity]]}'
    assert raw_numbers(_echo(echo_server, None, body).text) == {
        "predictions": [["NaN", "Infinity"], ["3.0", "-Infinity"]]
    }


def test_bool_tensor_round_trips(echo_server):
    body = {"instances": [[True, False], [False, True]]}
    assert _echo(echo_server, "bool", body).json == {"predictions": [[True, False], [False, True]]}


def test_int64_tensor_round_trips_beyond_int32(echo_server):
    values = [2**40, -(2**62), 7]
    assert _echo(echo_server, "int64", {"instances": values}).json == {"predictions": values}


def test_complex_output_is_refused(echo_server):
    reply = _echo(echo_server, "complex", {"instances": [1.0, 2.0]})
    assert reply.status == 400, reply.text
    assert "tensor type: complex64" in reply.json["error"]


def test_multiple_named_tensors_rows_and_columns(echo_server):
    rows = [
        {
            "double_scalar_tensor": 8.0,
            "float_tensor": [1.0],
            "int_tensor": INT_ROWS[0],
            "str_tensor": ["foo", "bar"],
            "str_tensor_bytes": BYTES_B64[0],
        },
        {
            "double_scalar_tensor": 9.0,
            "float_tensor": [2.0],
            "int_tensor": INT_ROWS[1],
            "str_tensor": ["baz", "bat"],
            "str_tensor_bytes": BYTES_B64[1],
        },
    ]
    answer = _echo(echo_server, "multi_bytes", {"instances": rows}).json
    assert answer == {"predictions": rows}
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    answer = _echo(echo_server, "multi_bytes", {"inputs": columns}).json
    assert answer == {"outputs": columns}


def test_outputs_with_different_batch_sizes_fail_in_row_format(echo_server):
    reply = _echo(echo_server, "ragged_batch", {"instances": [[1, 2], [3, 4]]})
    assert reply.status == 400, reply.text
    assert "inconsistent batch size" in reply.json["error"]


@pytest.mark.parametrize("signature", ["zero_batch", "zero_batch_multi"])
def test_zero_batch_outputs_are_empty_predictions(echo_server, signature):
    assert _echo(echo_server, signature, {"instances": [1]}).json == {"predictions": []}


def test_error_message_quotes_are_escaped(echo_server):
    reply = _echo(echo_server, 'bad"key', {"instances": [1]})
    assert reply.status == 400, reply.text
    assert reply.json == {"error": 'Serving signature name: "bad"key" not found in signature def'}


@pytest.mark.parametrize("api", ["classify", "regress"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"signature_name": ["hello"], "examples": [{"names": ["foo"]}]}',
            "'signature_name' key must be a string",
        ),
        ('{"context": [{"names": ["foo", "bar"]}]}', "Example must be JSON object"),
        ('{"examples": {"names": ["foo", "bar"]}}', "list/array"),
        ('{"examples": [[{"names": ["foo", "bar"]}]]}', "Example must be JSON object"),
        (
            '{"examples": [{"names": [10, null]}]}',
            "names has element with unexpected JSON type: Null",
        ),
        ('{"examples": [{"names": [10, 10.0]}]}', "feature: names expecting type: int64"),
        (
            '{"examples": [{"names": [10, {"test": 10}]}]}',
            "names has element with unexpected JSON type: Object",
        ),
        (
            '{"examples": [{"names": [[10], 20]}]}',
            "names has element with unexpected JSON type: Array",
        ),
        ('{"examples": [{"names": [20, 18446744073709551603]}]}', "Only int64_t is supported"),
    ],
)
def test_classify_regress_json_errors(default_server, api, body, message):
    reply = call_rest(default_server.rest, f"/v1/models/default:{api}", body, method="POST")
    assert reply.status == 400, reply.text
    assert message in reply.json["error"]


def test_regress_context_features_join_each_example(default_server):
    body = {
        "signature_name": "regress_x_to_y",
        "context": {"x": 2.0},
        "examples": [{"x2": 1.0}, {"x2": 5.0}],
    }
    reply = call_rest(default_server.rest, "/v1/models/default:regress", body)
    assert reply.json == {"results": [3.0, 3.0]}, reply.text


def test_regress_results_carry_non_finite_values(default_server):
    body = (
        '{"signature_name": "regress_x_to_y", '
        '"examples": [{"x": Infinity}, {"x": -Infinity}, {"x": NaN}, {"x": 0.4}]}'
    )
    reply = call_rest(default_server.rest, "/v1/models/default:regress", body, method="POST")
    assert raw_numbers(reply.text) == {"results": ["Infinity", "-Infinity", "NaN", "2.2"]}
