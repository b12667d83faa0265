"""Classify, Regress and MultiInference on one servable, as TF Serving's classifier/regressor.

Example:
    .venv/bin/pytest tests/serving/core/test_example_apis.py
"""

import asyncio

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import inference_pb2

from common import contract
from serving.core import example_apis
from serving.errors import ServingError


def examples(count):
    """Serialized tf.Examples of blank digits, as the classify signature parses them."""
    feature = tf.train.Feature(float_list=tf.train.FloatList(value=[0.0] * contract.NUM_PIXELS))
    example = tf.train.Example(features=tf.train.Features(feature={"image": feature}))
    return [example.SerializeToString()] * count


def run(*args, **kwargs):
    return asyncio.run(example_apis.run(*args, **kwargs))


def test_classify_runs_a_classification_signature_and_builds_the_result(servable):
    signature, result = run(servable, example_apis.CLASSIFY, contract.CLASSIFY, examples(2))
    assert signature.name == contract.CLASSIFY and len(result.classifications) == 2
    labels = [c.label for c in result.classifications[0].classes]
    assert labels == list(contract.CLASS_LABELS)
    scores = [c.score for c in result.classifications[0].classes]
    assert abs(sum(scores) - 1) < 1e-5  # calibrated probabilities


def test_classify_checks_the_method_name_only_when_asked(servable):
    # TF2 exports record every signature as a predict one; TF Serving checks only on request.
    with pytest.raises(ServingError, match="No signature was found with the name: x"):
        run(servable, example_apis.CLASSIFY, "x", examples(1))
    with pytest.raises(ServingError, match="Expected one or two output Tensors, found 3"):
        run(servable, example_apis.CLASSIFY, contract.PREDICT_PIXELS, examples(1))
    with pytest.raises(ServingError, match="Was: tensorflow/serving/predict"):
        run(servable, example_apis.CLASSIFY, contract.PREDICT_PIXELS, examples(1), check=True)


def test_regress_refuses_a_signature_of_another_form(servable):
    with pytest.raises(ServingError, match="Expected one output Tensor."):
        run(servable, example_apis.REGRESS, contract.CLASSIFY, examples(1))


def test_result_builders_check_shapes_as_tf_serving_does():
    classes = np.array([[b"0", b"1"]], dtype=object)
    scores = np.array([[0.25, 0.75]], np.float32)
    both = example_apis.classification_result({"classes": classes, "scores": scores}, 1)
    assert [(c.label, c.score) for c in both.classifications[0].classes] == [
        ("0", 0.25),
        ("1", 0.75),
    ]
    scores_only = example_apis.classification_result({"scores": scores}, 1)
    assert [c.label for c in scores_only.classifications[0].classes] == ["", ""]
    with pytest.raises(ServingError, match="Expected scores output batch size of 2. Got: 1"):
        example_apis.classification_result({"scores": scores}, 2)
    values = example_apis.regression_result({"outputs": np.array([[2.5], [3.0]], np.float32)}, 2)
    assert [r.value for r in values.regressions] == [2.5, 3.0]
    with pytest.raises(ServingError, match=r"\[batch_size, 1\] but got \[2,2\]"):
        example_apis.regression_result({"outputs": np.zeros((2, 2), np.float32)}, 2)


def test_multi_inference_refuses_what_tf_serving_refuses(servable):
    def task(signature, method):
        spec = {"name": contract.MODEL_NAME, "signature_name": signature}
        return inference_pb2.InferenceTask(model_spec=spec, method_name=method)

    classify = task(contract.CLASSIFY, contract.CLASSIFY_METHOD)
    response = asyncio.run(example_apis.multi_inference(servable, [classify], examples(1)))
    (result,) = response.results
    assert result.model_spec.signature_name == contract.CLASSIFY
    assert len(result.classification_result.classifications) == 1
    with pytest.raises(ServingError, match="Duplicate evaluation of signature: classify"):
        asyncio.run(example_apis.multi_inference(servable, [classify, classify], examples(1)))
    with pytest.raises(ServingError, match="Unsupported signature method_name: x") as caught:
        asyncio.run(example_apis.multi_inference(servable, [task("a", "x")], examples(1)))
    assert caught.value.code.name == "UNIMPLEMENTED"
