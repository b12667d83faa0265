"""A REST body's JSON text read as TF Serving reads it: its verdicts, its wording, any depth.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_document.py
"""

import math

import pytest

from serving.codecs import json_document


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "JSON Parse error: The document is empty"),
        (b"  \n", "JSON Parse error: The document is empty"),
        (b'{"instances": [1,]}', "JSON Parse error: Invalid value. at offset: 17"),
        (b"\xff\xfe{}", "JSON Parse error"),
        (b"[1, 2]", "JSON Value: [1, 2] Is not object"),
        (b'{"signature_name": 100}', "'signature_name' key must be a string value."),
    ],
)
def test_parse_body_refuses_what_tf_serving_refuses(body, message, refusal):
    assert message in refusal(json_document.parse_body, body)


def test_parse_body_reads_what_orjson_refuses_with_json():
    document = json_document.parse_body(b'{"inputs": [NaN, Infinity, 18446744073709551616]}')
    nan, infinity, big = document["inputs"]
    assert math.isnan(nan) and infinity == math.inf and big == 2**64


def test_parse_body_takes_any_depth():
    deep = b'{"inputs": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}"
    value = json_document.parse_body(deep)["inputs"]
    for _ in range(5000):
        (value,) = value
    assert value == 1


def test_shown_cuts_long_values():
    assert json_document.shown([1, 2]) == "[1, 2]"
    assert json_document.shown(list(range(1000))).endswith("...")
    assert len(json_document.shown(list(range(1000)))) == 203
