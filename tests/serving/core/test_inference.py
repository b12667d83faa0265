"""Predict on one servable: signatures and output filters.

Example:
    .venv/bin/pytest tests/serving/core/test_inference.py
"""

import asyncio

import numpy as np
import pytest

from common import contract
from serving.core import inference
from serving.errors import ServingError


def predict(*args):
    return asyncio.run(inference.predict(*args))


def test_predict_defaults_to_serving_default_and_filters_outputs(servable):
    inputs = {contract.IMAGES: np.zeros((2, 28, 28)).tolist()}
    signature, outputs = predict(servable, "", inputs)
    assert signature.name == contract.SERVING_DEFAULT
    assert list(outputs) == [contract.PROBABILITIES]
    assert outputs[contract.PROBABILITIES].shape == (2, 10)
    _, outputs = predict(servable, contract.PREDICT_DETAILED, inputs, [contract.CLASSES])
    assert list(outputs) == [contract.CLASSES] and outputs[contract.CLASSES].shape == (2,)
    with pytest.raises(ServingError, match="output tensor alias not found in signature: nope"):
        predict(servable, "", inputs, ["nope"])
    with pytest.raises(ServingError, match='Serving signature key "x" not found.') as caught:
        predict(servable, "x", inputs)
    assert caught.value.code.name == "FAILED_PRECONDITION"
