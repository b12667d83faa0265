"""TF Serving's REST JSON response bodies, written as TF Serving writes them.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_response.py
"""

import json

import numpy as np
import pytest
from tensorflow_serving.apis import classification_pb2

from serving.codecs import json_response


def test_predict_response_mirrors_the_request_format():
    outputs = {
        "classes": np.array([7, 2], np.int64),
        "scores": np.array([[0.1, 0.9], [0.6, 0.4]], np.float32),
    }
    rows = json.loads(json_response.predict_response(outputs, row_format=True))
    assert rows == {
        "predictions": [
            {"classes": 7, "scores": [0.1, 0.9]},
            {"classes": 2, "scores": [0.6, 0.4]},
        ]
    }
    columns = json.loads(json_response.predict_response(outputs, row_format=False))
    assert columns == {"outputs": {"classes": [7, 2], "scores": [[0.1, 0.9], [0.6, 0.4]]}}
    single = json.loads(json_response.predict_response({"y": outputs["classes"]}, row_format=True))
    assert single == {"predictions": [7, 2]}


def test_predict_response_writes_shortest_float32_and_b64_bytes():
    text = json_response.predict_response({"p": np.array([0.1, 1e-5, 3.0], np.float32)}, False)
    assert text == '{"outputs": [0.1, 1e-05, 3.0]}'
    raw = np.empty(1, dtype=object)
    raw[:] = [b"\x00\xff"]
    assert json.loads(json_response.predict_response({"out_bytes": raw}, False)) == {
        "outputs": [{"b64": "AP8="}]
    }
    assert json.loads(json_response.predict_response({"label": raw}, False)) == {
        "outputs": ["\x00\ufffd"]
    }


def test_classify_response_lists_label_score_pairs():
    result = classification_pb2.ClassificationResult()
    classes = result.classifications.add().classes
    classes.add(label="0", score=0.25)
    classes.add(label="1", score=0.75)
    assert json.loads(json_response.classify_response(result)) == {
        "results": [[["0", 0.25], ["1", 0.75]]]
    }


def write_decimal(value, kind):
    """TF Serving's WriteDecimal for one value, written plainly as the reference."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = format(value, "g")
    if kind(float(text)) != kind(value):
        text = format(value, ".17g" if kind is np.float64 else ".9g")
    return text if "." in text or "e" in text else text + ".0"


@pytest.mark.parametrize("kind", [np.float32, np.float64])
def test_float_texts_are_write_decimal_of_every_value(kind):
    rng = np.random.default_rng(0)
    limit = 37 if kind is np.float32 else 300  # decimal exponents the type holds
    scaled = rng.standard_normal(20000) * 10.0 ** rng.integers(-limit, limit, 20000)
    whole = np.round(rng.standard_normal(2000) * 1e7)
    special = [0.0, -0.0, 1.0, 1e6, 16777216.0, 123456.5, 1e-5, 0.1, np.nan, np.inf, -np.inf]
    array = np.concatenate([scaled, whole, special]).astype(kind)
    expected = [write_decimal(value, kind) for value in array.tolist()]
    assert json_response._float_texts(array.reshape(-1, 1)).ravel().tolist() == expected
