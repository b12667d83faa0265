"""A loaded version: the export's signatures described and run as the model computes them.

Example:
    .venv/bin/pytest tests/serving/core/test_servable.py
"""

import asyncio

import numpy as np
import pytest
import tensorflow as tf

from common import contract
from serving.core.servable import Servable
from serving.errors import ServingError


def test_servable_describes_the_contract_signatures(servable):
    signatures = servable.signatures
    assert set(contract.SIGNATURES) <= set(signatures)
    expected_inputs = {
        contract.SERVING_DEFAULT: (contract.IMAGES, tf.float32, [None, 28, 28]),
        contract.PREDICT_IMAGES: (contract.IMAGES, tf.float32, [None, 784]),
        contract.PREDICT_DETAILED: (contract.IMAGES, tf.float32, [None, 28, 28]),
        contract.PREDICT_PIXELS: (contract.IMAGES, tf.uint8, [None, 28, 28]),
        contract.PREDICT_IMAGE_BYTES: (contract.IMAGE_BYTES, tf.string, [None]),
        contract.CLASSIFY: (contract.CLASSIFY_INPUTS, tf.string, [None]),
    }
    for name, (key, dtype, shape) in expected_inputs.items():
        ((spec_key, spec),) = signatures[name].inputs.items()
        assert (spec_key, spec.dtype, spec.shape.as_list()) == (key, dtype, shape)
        assert set(signatures[name].outputs) == set(contract.OUTPUTS[name])
    assert signatures[contract.CLASSIFY].method_name == contract.CLASSIFY_METHOD
    assert signatures[contract.SERVING_DEFAULT].method_name == contract.PREDICT_METHOD
    assert set(servable.signature_defs) >= set(contract.SIGNATURES)


def test_servable_run_matches_the_model(servable, trained_model, mnist):
    _, (x_test, _) = mnist
    pixels = x_test[:37]
    signature = servable.signatures[contract.PREDICT_PIXELS]
    outputs = asyncio.run(servable.run(signature, {contract.IMAGES: pixels}))
    scores = trained_model(pixels.reshape(-1, 784).astype(np.float32) / 255.0).numpy()
    np.testing.assert_allclose(outputs[contract.SCORES], scores, atol=1e-5)
    np.testing.assert_array_equal(outputs[contract.CLASSES], scores.argmax(1))


def test_servable_of_a_directory_without_saved_model_fails_clearly(tmp_path):
    with pytest.raises(ServingError, match="Could not find SavedModel .pb or .pbtxt at") as caught:
        Servable(contract.MODEL_NAME, 1, tmp_path)
    assert caught.value.code.name == "NOT_FOUND"


def test_servable_of_unknown_tags_names_them(servable):
    with pytest.raises(ServingError, match="matching supplied tags: { gpu }") as caught:
        Servable(contract.MODEL_NAME, 1, servable.path, tags=("gpu",))
    assert caught.value.code.name == "NOT_FOUND"
