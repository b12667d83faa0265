"""Predict and Classify on one servable: signatures, output filters, classification results.

Example:
    .venv/bin/pytest tests/serving/core/test_inference.py
"""

import asyncio

import numpy as np
import pytest

from serving import contract
from serving.core import inference
from serving.errors import ServingError


def predict(*args):
    return asyncio.run(inference.predict(*args))


def classify(*args):
    return asyncio.run(inference.classify(*args))


def test_predict_defaults_to_serving_default_and_filters_outputs(servable):
    inputs = {contract.IMAGES: np.zeros((2, 28, 28)).tolist()}
    signature, outputs = predict(servable, "", inputs, [contract.CLASSES])
    assert signature.name == contract.SERVING_DEFAULT
    assert list(outputs) == [contract.CLASSES] and outputs[contract.CLASSES].shape == (2,)
    with pytest.raises(ServingError, match="output tensor alias not found in signature: nope"):
        predict(servable, "", inputs, ["nope"])
    with pytest.raises(ServingError, match='Serving signature key "x" not found.') as caught:
        predict(servable, "x", inputs)
    assert caught.value.code.name == "FAILED_PRECONDITION"


def test_classify_checks_the_method_and_builds_the_result(servable):
    with pytest.raises(ServingError, match="No signature was found with the name: x"):
        classify(servable, "x", [b""])
    with pytest.raises(ServingError, match="Was: tensorflow/serving/predict"):
        classify(servable, contract.PREDICT_PIXELS, [b""])
    classes = np.array([[b"0", b"1"]], dtype=object)
    scores = np.array([[0.25, 0.75]], np.float32)
    (row,) = inference.classification_result(classes, scores).classifications
    assert [(c.label, c.score) for c in row.classes] == [("0", 0.25), ("1", 0.75)]
    (scores_only,) = inference.classification_result(None, scores).classifications
    assert [(c.label, c.score) for c in scores_only.classes] == [("", 0.25), ("", 0.75)]
