"""The transport-free data plane: versions by number and label, signatures, metadata.

Example:
    .venv/bin/pytest tests/serving/v2/test_dataplane.py
"""

import asyncio

import numpy as np
import pytest
from tensorflow_serving.config import model_server_config_pb2

from common import contract
from serving.core import ModelManager, Servable
from serving.errors import ServingError
from serving.v2 import DataPlane, InferRequest


@pytest.fixture(scope="module")
def dataplane(exported_model):
    config = model_server_config_pb2.ModelConfig(name="mnist", base_path=str(exported_model))
    config.version_labels["stable"] = 1
    manager = ModelManager([config], Servable, poll_seconds=0)
    manager.load_initial()
    return DataPlane(manager, executor=None, version="test")


def code_of(call, *args):
    with pytest.raises(ServingError) as raised:
        call(*args)
    return raised.value.code.name


def test_dataplane_resolves_numbers_labels_and_the_latest_version(dataplane):
    assert dataplane.resolve("mnist").version == 1
    assert dataplane.resolve("mnist", "1").version == 1
    assert dataplane.resolve("mnist", "stable").version == 1
    assert code_of(dataplane.resolve, "mnist", "canary") == "NOT_FOUND"
    assert code_of(dataplane.resolve, "mnist", "2") == "NOT_FOUND"
    assert code_of(dataplane.resolve, "other") == "NOT_FOUND"
    assert code_of(dataplane.resolve, "mnist", str(2**63)) == "INVALID_ARGUMENT"
    assert dataplane.server_metadata()["version"] == "test"


def test_dataplane_infer_runs_the_named_signature(dataplane, mnist):
    _, (x_test, _) = mnist
    pixels = x_test[:3]
    request = InferRequest(
        "mnist",
        "stable",
        {contract.IMAGES: ("UINT8", pixels)},
        outputs=(contract.CLASSES,),
        parameters={"signature_name": contract.PREDICT_PIXELS},
    )
    response = asyncio.run(dataplane.infer(request))
    assert (response.model_name, response.model_version) == ("mnist", "1")
    [(name, (datatype, classes))] = response.outputs.items()
    assert (name, datatype, classes.shape) == (contract.CLASSES, "INT64", (3,))
    floats = InferRequest("mnist", "", {contract.IMAGES: ("FP32", pixels / np.float32(255))})
    default = asyncio.run(dataplane.infer(floats)).outputs[contract.PROBABILITIES][1]
    assert default.argmax(1).tolist() == classes.tolist()
    wrong = InferRequest(
        "mnist", "", {contract.IMAGES: ("FP32", pixels / 255.0)}, parameters={"signature_name": 7}
    )
    assert code_of(asyncio.run, dataplane.infer(wrong)) == "INVALID_ARGUMENT"
