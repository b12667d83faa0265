"""TF Serving's REST JSON response bodies, written as TF Serving writes them.

Example:
    .venv/bin/pytest tests/serving/codecs/test_json_response.py
"""

import json

import numpy as np
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
