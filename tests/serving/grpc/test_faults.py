"""Hostile gRPC calls: image bombs, unknown dtypes, short deadlines, broken and odd versions.

Each refusal carries a TF status code and a message without server paths or Python class
names, and a healthy call succeeds right after.

Example:
    .venv/bin/pytest tests/serving/grpc/test_faults.py
"""

import shutil
import struct
import zlib

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import (
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from common import contract


def png_header_bomb(side):
    """A PNG whose header declares side x side grey pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + crc


def pixels_request(model=contract.MODEL_NAME):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8)))
    return request


@pytest.fixture(scope="module")
def stub(grpc_channel):
    return prediction_service_pb2_grpc.PredictionServiceStub(grpc_channel)


def call(stub, request, timeout=60):
    with pytest.raises(grpc.RpcError) as caught:
        stub.Predict(request, timeout=timeout)
    return caught.value


def test_grpc_faults_image_bomb_is_invalid_argument(stub):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_IMAGE_BYTES
    request.inputs[contract.IMAGE_BYTES].CopyFrom(
        tf.make_tensor_proto([png_header_bomb(23000)], tf.string)
    )
    error = call(stub, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "image of 23000x23000 pixels" in error.details()
    assert "larger than the limit of 4194304 pixels" in error.details()
    assert stub.Predict(pixels_request(), timeout=60).outputs[contract.CLASSES].int64_val


def test_grpc_faults_unknown_dtype_is_invalid_argument(stub):
    request = pixels_request()
    request.inputs[contract.IMAGES].dtype = 999
    error = call(stub, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "Expects arg[0] to be uint8 but an unknown dtype (DataType 999) is provided"
    )
    assert "Error" not in error.details() and "<class" not in error.details()


def test_grpc_faults_deadline_is_honoured_and_server_stays_up(stub):
    request = pixels_request()
    request.inputs[contract.IMAGES].CopyFrom(
        tf.make_tensor_proto(np.zeros((20000, 28, 28), np.uint8))
    )
    error = call(stub, request, timeout=0.001)
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert stub.Predict(pixels_request(), timeout=60).outputs[contract.CLASSES].int64_val


def test_grpc_faults_bad_version_names_and_broken_versions(make_server, exported_model, tmp_path):
    base = tmp_path / "mnist"
    shutil.copytree(exported_model / "1", base / "1")
    for name in ["9" * 30, str(2**63), "latest", ".tmp-5-x"]:
        shutil.copytree(exported_model / "1", base / name)
    with (
        make_server(model_base_path=str(base)) as server,
        grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel,
    ):
        (base / "3").mkdir()  # a version that cannot load: no SavedModel
        server.manager.poll_once()
        models = model_service_pb2_grpc.ModelServiceStub(channel)
        status_request = get_model_status_pb2.GetModelStatusRequest()
        status_request.model_spec.name = contract.MODEL_NAME
        status_request.model_spec.version.value = 3
        (status,) = models.GetModelStatus(status_request, timeout=60).model_version_status
        predict = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        answer = predict.Predict(pixels_request(), timeout=60)
    assert answer.model_spec.version.value == 1  # 3 failed, the odd names are no versions
    assert status.status.error_code != 0
    assert str(tmp_path) not in status.status.error_message
    assert "mnist version 3" in status.status.error_message


def test_grpc_faults_calls_beyond_the_limit_are_resource_exhausted(make_server, exported_model):
    # One call in flight at most: of two concurrent calls that each decode 16 images of 2048x2048
    # (seconds), whichever arrives second is refused, the other answered.
    canvas = np.zeros((2048, 2048), np.uint8)
    canvas[500:1500, 900:1100] = 255
    image = tf.io.encode_png(canvas[..., None]).numpy()
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_IMAGE_BYTES
    request.inputs[contract.IMAGE_BYTES].CopyFrom(tf.make_tensor_proto([image] * 16, tf.string))
    with (
        make_server(model_base_path=str(exported_model), max_inflight_requests=1) as server,
        grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel,
    ):
        predict = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        calls = [predict.Predict.future(request, timeout=120) for _ in range(2)]
        codes = sorted(call.code().name for call in calls)
        assert predict.Predict(pixels_request(), timeout=60).outputs[contract.CLASSES].int64_val
    assert codes == ["OK", "RESOURCE_EXHAUSTED"]


def shaped_request(dims, string=False):
    """A Predict request whose one input declares `dims` and carries no values."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = (
        contract.PREDICT_IMAGE_BYTES if string else contract.PREDICT_PIXELS
    )
    key = contract.IMAGE_BYTES if string else contract.IMAGES
    proto = request.inputs[key]
    proto.dtype = tf.string.as_datatype_enum if string else tf.uint8.as_datatype_enum
    for size in dims:
        proto.tensor_shape.dim.add(size=size)
    return request, key


@pytest.mark.parametrize("string", [False, True], ids=["uint8", "string"])
@pytest.mark.parametrize(
    ("dims", "reason"),
    [
        ([2**62, 28, 28], "is too large (more than 2**63 - 1 entries)"),
        ([2**40, 2**40], "is too large (more than 2**63 - 1 entries)"),
        ([3, 2**62, 0], "is too large (more than 2**63 - 1 entries)"),
        ([0, 2**62, 3], "is too large to hold here (its nonzero dimensions make more than 2**60"),
        ([2**62], "is too large to hold here"),
        ([2**40], "elements but 0 values are given: filling them in would take more"),
        ([-1, 28, 28], "has a negative dimension"),
        ([4, -(2**62)], "has a negative dimension"),
    ],
)
def test_grpc_faults_absurd_shapes_are_invalid_argument(stub, dims, reason, string):
    request, key = shaped_request(dims, string)
    error = call(stub, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    shape = "[" + ",".join(map(str, dims)) + "]"
    assert error.details().startswith(f"tensor parsing error: {key}: Shape {shape} ")
    assert reason in error.details()
    assert stub.Predict(pixels_request(), timeout=60).outputs[contract.CLASSES].int64_val


@pytest.mark.parametrize("string", [False, True], ids=["uint8", "string"])
@pytest.mark.parametrize(
    ("rank", "reason"),
    [
        (100, "100 dimensions: the input expects shape"),
        (255, "255 dimensions: a tensor has at most 254 dimensions"),
    ],
)
def test_grpc_faults_ranks_beyond_the_limits_are_invalid_argument(stub, rank, reason, string):
    request, key = shaped_request([1] * rank, string)
    error = call(stub, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(f"tensor parsing error: {key}: Shape [1,1,")
    assert reason in error.details()
    if rank <= 254:
        assert error.details().endswith("[-1]" if string else "[-1,28,28]")
    assert len(error.details()) < 400  # the shape is cut, not repeated whole


def test_grpc_faults_long_model_name_is_not_found_and_not_repeated(stub):
    request = pixels_request(model="m" * 4_000_000)
    error = call(stub, request)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details().startswith("Servable not found for request: Latest(mmm")
    assert error.details().endswith("... (4000000 characters))")
    assert len(error.details()) < 400
    assert stub.Predict(pixels_request(), timeout=60).outputs[contract.CLASSES].int64_val
