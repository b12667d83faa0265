"""Tests of serving/grpc_client.py against a stub PredictionService that answers as TF Serving.

TF Serving writes output tensors into the typed fields (`float_val`, `int64_val`) and
reports errors as gRPC status codes; the stub does the same and records each request.
"""

import asyncio
import contextlib

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from serving import contract
from serving.grpc_client import GrpcClient, check_target, decode_tensor, encode_tensor
from serving.signature_io import RequestError


def typed_tensor(dtype, shape, values):
    """A TensorProto with its values in the typed field, as TF Serving sends outputs."""
    proto = tensor_pb2.TensorProto(dtype=dtype)
    proto.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(dim=[{"size": size} for size in shape])
    )
    field = {types_pb2.DT_FLOAT: "float_val", types_pb2.DT_INT64: "int64_val"}[dtype]
    getattr(proto, field).extend(values)
    return proto


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
        probabilities = ([0.0] * 3 + [1.0] + [0.0] * 6) * rows
        response.outputs[contract.PROBABILITIES].CopyFrom(
            typed_tensor(types_pb2.DT_FLOAT, [rows, 10], probabilities)
        )
        response.outputs[contract.CLASSES].CopyFrom(
            typed_tensor(types_pb2.DT_INT64, [rows], [3] * rows)
        )
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


TENSOR_CASES = [
    np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8),
    np.full((1, 28, 28), 0.25),
    np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3),
    np.array([1.5], np.float32),
    np.array(3, np.int64),
    np.arange(6, dtype=np.float16).reshape(3, 2),
    np.array([2.5], np.float16),
    np.array([-1, 2], np.int8),
    np.arange(4, dtype=np.int32),
    np.arange(4, dtype=np.uint16),
    np.array([True, False]),
    np.array([7], np.uint32),
    np.zeros((0, 3), np.float32),
    np.array([b"\x89PNG fake", b"\x00b"], dtype=object),
    np.array(["caf\u00e9"]),
]


@pytest.mark.parametrize("array", TENSOR_CASES, ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_encode_tensor_writes_the_bytes_of_make_tensor_proto(array):
    encoded = encode_tensor(array).SerializeToString(deterministic=True)
    assert encoded == tf.make_tensor_proto(array).SerializeToString(deterministic=True)


@pytest.mark.parametrize("array", TENSOR_CASES, ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_decode_tensor_reads_what_make_ndarray_reads(array):
    proto = tf.make_tensor_proto(array)
    decoded, expected = decode_tensor(proto), tf.make_ndarray(proto)
    assert decoded.dtype == expected.dtype and decoded.shape == expected.shape
    np.testing.assert_array_equal(decoded, expected)
    decoded[...] = decoded  # writable, as make_ndarray's copy is


def test_decode_tensor_repeats_the_last_typed_value_to_fill_the_shape():
    proto = typed_tensor(types_pb2.DT_FLOAT, [2, 2], [0.5])
    np.testing.assert_array_equal(decode_tensor(proto), tf.make_ndarray(proto))
    np.testing.assert_array_equal(decode_tensor(proto), np.full((2, 2), 0.5, np.float32))


def test_decode_tensor_refuses_a_dtype_it_cannot_read():
    with pytest.raises(RequestError, match="DataType"):
        decode_tensor(tensor_pb2.TensorProto(dtype=types_pb2.DT_COMPLEX64))


def test_encode_tensor_refuses_a_dtype_tensors_cannot_carry():
    with pytest.raises(ValueError, match="complex"):
        encode_tensor(np.zeros(2, np.complex64))
