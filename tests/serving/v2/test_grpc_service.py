"""The Open Inference Protocol over gRPC on TF Serving's port: raw and typed tensors, codes.

Answers are compared with TF Serving's REST `:predict` of the same digits on the same
server. tritonclient.grpc defines the same `inference.*` messages as serving.v2.proto, so
it runs in a subprocess (tests/serving/v2/triton_grpc_calls.py).

Example:
    .venv/bin/pytest tests/serving/v2/test_grpc_service.py
"""

import json
import pathlib
import subprocess
import sys

import grpc
import numpy as np
import pytest

from common import contract
from serving.v2.proto import grpc_predict_v2_pb2 as pb
from serving.v2.proto import grpc_predict_v2_pb2_grpc as pb_grpc

CALLS = pathlib.Path(__file__).with_name("triton_grpc_calls.py")


@pytest.fixture(scope="module")
def stub(grpc_channel):
    return pb_grpc.GRPCInferenceServiceStub(grpc_channel)


@pytest.fixture(scope="module")
def expected(mnist, model_url, http):
    """Five test digits and the `:predict` answer of predict_pixels for them."""
    _, (x_test, _) = mnist
    digits = x_test[:5]
    body = {"signature_name": contract.PREDICT_PIXELS, "instances": digits.tolist()}
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 200
    return digits, answer["predictions"]


def pixels_request(digits, raw=True, **fields):
    request = pb.ModelInferRequest(**{"model_name": contract.MODEL_NAME, **fields})
    request.parameters["signature_name"].string_param = contract.PREDICT_PIXELS
    tensor = request.inputs.add(name="images", datatype="UINT8", shape=digits.shape)
    if raw:
        request.raw_input_contents.append(digits.tobytes())
    else:
        tensor.contents.uint_contents.extend(digits.ravel().tolist())
    return request


def test_v2_grpc_health_and_metadata(stub):
    assert stub.ServerLive(pb.ServerLiveRequest()).live
    assert stub.ServerReady(pb.ServerReadyRequest()).ready
    server = stub.ServerMetadata(pb.ServerMetadataRequest())
    assert (server.name, list(server.extensions)) == ("mnist-serving", ["binary_tensor_data"])
    assert stub.ModelReady(pb.ModelReadyRequest(name="mnist")).ready
    assert not stub.ModelReady(pb.ModelReadyRequest(name="mnist", version="9")).ready
    metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name="mnist", version="1"))
    assert (metadata.name, list(metadata.versions)) == ("mnist", ["1"])
    assert metadata.platform == "tensorflow_savedmodel"
    [images] = metadata.inputs
    assert (images.name, images.datatype, list(images.shape)) == ("images", "FP32", [-1, 28, 28])


def test_v2_grpc_infer_raw_equals_tf_serving_predict(stub, expected):
    digits, predictions = expected
    request = pixels_request(digits, id="r1")
    request.outputs.add(name="scores")
    request.outputs.add(name="classes")
    response = stub.ModelInfer(request)
    assert (response.model_name, response.model_version, response.id) == ("mnist", "1", "r1")
    assert [o.name for o in response.outputs] == ["scores", "classes"]
    assert [o.datatype for o in response.outputs] == ["FP32", "INT64"]
    assert list(response.outputs[0].shape) == [5, 10]
    scores = np.frombuffer(response.raw_output_contents[0], "<f4").reshape(5, 10)
    np.testing.assert_array_equal(scores, np.float32([p["scores"] for p in predictions]))
    classes = np.frombuffer(response.raw_output_contents[1], "<i8")
    assert classes.tolist() == [p["classes"] for p in predictions]


def test_v2_grpc_infer_typed_contents_answers_typed_contents(stub, expected):
    digits, predictions = expected
    response = stub.ModelInfer(pixels_request(digits, raw=False))
    assert not response.raw_output_contents
    outputs = {o.name: o for o in response.outputs}
    assert sorted(outputs) == ["classes", "probabilities", "scores"]
    assert list(outputs["classes"].contents.int64_contents) == [p["classes"] for p in predictions]
    np.testing.assert_array_equal(
        np.float32(outputs["probabilities"].contents.fp32_contents).reshape(5, 10),
        np.float32([p["probabilities"] for p in predictions]),
    )


@pytest.mark.parametrize(
    "make, code, reason",
    [
        (lambda d: pixels_request(d, model_name="nope"), "NOT_FOUND", "nope"),
        (lambda d: pixels_request(d, model_version="3"), "NOT_FOUND", "Specific(mnist, 3)"),
        (lambda d: pixels_request(d[:, :27]), "INVALID_ARGUMENT", "28"),
        (lambda d: pixels_request(d, raw=False, model_version="1"), None, None),
    ],
)
def test_v2_grpc_infer_model_and_version_codes(stub, expected, make, code, reason):
    digits, _ = expected
    if code is None:
        assert stub.ModelInfer(make(digits)).model_version == "1"
        return
    with pytest.raises(grpc.RpcError) as raised:
        stub.ModelInfer(make(digits))
    assert raised.value.code().name == code
    assert reason in raised.value.details()


def test_v2_grpc_infer_refuses_hostile_tensors(stub, expected, served_model):
    digits, _ = expected
    short = pixels_request(digits)
    short.raw_input_contents[0] = digits.tobytes()[:-1]
    both = pixels_request(digits)
    both.inputs[0].contents.uint_contents.append(1)
    wrong_field = pixels_request(digits, raw=False)
    wrong_field.inputs[0].contents.fp32_contents.append(1.0)
    wrong_type = pixels_request(digits)
    wrong_type.inputs[0].datatype = "INT32"
    wrong_type.raw_input_contents[0] = digits.astype("<i4").tobytes()
    unknown_output = pixels_request(digits)
    unknown_output.outputs.add(name="logits")
    missing_raw = pixels_request(digits)
    missing_raw.inputs.add(name="extra", datatype="FP32", shape=[1])
    for request, reason in (
        (short, "has 3919 bytes but shape [5, 28, 28] of UINT8 needs 3920"),
        (both, "sets contents while the request uses raw_input_contents"),
        (wrong_field, "must give its elements in contents.uint_contents"),
        (wrong_type, "input 'images' of signature predict_pixels is UINT8, got INT32"),
        (unknown_output, "unknown output 'logits'"),
        (missing_raw, "raw_input_contents has 1 entries for 2 inputs"),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            stub.ModelInfer(request)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, reason
        assert reason in raised.value.details()
    assert stub.ServerLive(pb.ServerLiveRequest()).live
    page = served_model.metrics.render()
    assert 'model_name="mnist",API="ModelInfer",entrypoint="GRPC"' in page


@pytest.mark.slow
def test_v2_tritonclient_grpc_reads_metadata_and_infers(served_model, expected):
    digits, predictions = expected
    completed = subprocess.run(
        [sys.executable, str(CALLS), f"127.0.0.1:{served_model.grpc_port}"],
        input=json.dumps(digits.tolist()),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer = json.loads(completed.stdout)
    assert answer["live"] and answer["ready"] and answer["model_ready"]
    assert not answer["version_9_ready"]
    assert answer["metadata"]["inputs"][0]["shape"] == ["-1", "28", "28"]
    assert answer["classes"] == [p["classes"] for p in predictions]
    np.testing.assert_array_equal(
        np.float32(answer["scores"]), np.float32([p["scores"] for p in predictions])
    )
    assert answer["unknown_model"] == "StatusCode.NOT_FOUND"
    assert answer["wrong_datatype"] == "StatusCode.INVALID_ARGUMENT"
