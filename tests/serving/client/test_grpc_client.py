"""The gRPC client against a stub PredictionService that answers as TF Serving.

TF Serving writes output tensors into the typed fields (`float_val`, `int64_val`) and
reports errors as gRPC status codes; the stub does the same and records each request.
"""

import asyncio
import contextlib

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from common import contract
from serving.client.addresses import check_target
from serving.client.grpc_client import GrpcClient
from serving.client.requests import RequestError
from serving.codecs.tensor_proto import from_array


class StubService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Answers Predict with digit 3 per input row and Classify with '7'; model 'nope' is unknown."""

    def __init__(self):
        self.requests = []

    async def Predict(self, request, context):
        self.requests.append(request)
        if request.model_spec.name == "nope":
            await context.abort(grpc.StatusCode.NOT_FOUND, "Servable not found for request")
        rows = request.inputs[contract.IMAGES].tensor_shape.dim[0].size
        response = predict_pb2.PredictResponse()
        probabilities = np.zeros((rows, 10), np.float32)
        probabilities[:, 3] = 1.0
        # In the typed fields (float_val, int64_val), as TF Serving answers.
        from_array(probabilities, response.outputs[contract.PROBABILITIES])
        from_array(np.full(rows, 3, np.int64), response.outputs[contract.CLASSES])
        return response

    async def Classify(self, request, context):
        self.requests.append(request)
        response = classification_pb2.ClassificationResponse()
        for _ in request.input.example_list.examples:
            result = response.result.classifications.add()
            for label in reversed(contract.CLASS_LABELS):
                result.classes.add(label=label, score=0.9 if label == "7" else 0.01)
        return response


@contextlib.asynccontextmanager
async def stub_server():
    """A gRPC server on a free port; yields (target, service)."""
    server = grpc.aio.server()
    service = StubService()
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}", service
    finally:
        await server.stop(None)


def call_stub(method, *args, **options):
    async def scenario():
        async with stub_server() as (target, service), GrpcClient(target, **options) as client:
            return await getattr(client, method)(*args), service.requests

    return asyncio.run(scenario())


def test_grpcclient_predict_sends_tensor_and_decodes_typed_fields():
    pixels = (np.arange(2 * 28 * 28) % 256).astype(np.uint8).reshape(2, 28, 28)
    outputs, requests = call_stub("predict", {contract.IMAGES: pixels}, contract.PREDICT_PIXELS)
    request = requests[0]
    assert request.model_spec.name == contract.MODEL_NAME
    assert request.model_spec.signature_name == contract.PREDICT_PIXELS
    assert request.inputs[contract.IMAGES].dtype == types_pb2.DT_UINT8
    np.testing.assert_array_equal(tf.make_ndarray(request.inputs[contract.IMAGES]), pixels)
    assert outputs[contract.PROBABILITIES].shape == (2, 10)
    np.testing.assert_array_equal(outputs[contract.CLASSES], [3, 3])


def test_grpcclient_predict_sends_bytes_as_string_tensor():
    images = np.array([b"\x89PNG fake"], dtype=object)
    _, requests = call_stub("predict", {contract.IMAGES: images}, contract.PREDICT_IMAGE_BYTES)
    tensor = requests[0].inputs[contract.IMAGES]
    assert tensor.dtype == types_pb2.DT_STRING and list(tensor.string_val) == [b"\x89PNG fake"]


def test_grpcclient_classify_sends_float_examples_and_orders_scores_by_digit():
    features = np.zeros((2, contract.NUM_PIXELS), dtype=np.float32)
    features[1, 3] = 0.25
    scores, requests = call_stub("classify", features, contract.CLASSIFY)
    examples = requests[0].input.example_list.examples
    assert requests[0].model_spec.signature_name == contract.CLASSIFY
    values = examples[1].features.feature[contract.EXAMPLE_FEATURE].float_list.value
    assert len(values) == contract.NUM_PIXELS and values[3] == 0.25
    assert scores.shape == (2, 10) and list(np.argmax(scores, axis=1)) == [7, 7]


def test_grpcclient_version_or_label_goes_in_the_model_spec():
    pixels = np.zeros((1, 28, 28), dtype=np.uint8)
    _, requests = call_stub("predict", {contract.IMAGES: pixels}, "sig", version=3)
    assert requests[0].model_spec.version.value == 3
    _, requests = call_stub("classify", np.zeros((1, 784)), "sig", label="stable")
    assert requests[0].model_spec.version_label == "stable"
    assert requests[0].model_spec.name == contract.MODEL_NAME


def test_grpcclient_status_code_becomes_serving_error():
    with pytest.raises(RequestError, match="NOT_FOUND: Servable not found"):
        call_stub("predict", {contract.IMAGES: np.zeros((1, 28, 28))}, "sig", model="nope")


@pytest.mark.parametrize("target", ["127.0.0.1", ":8500", "host:port", "host:70000"])
def test_check_target_rejects_what_is_not_host_port(target):
    with pytest.raises(ValueError, match="HOST:PORT"):
        check_target(target)
