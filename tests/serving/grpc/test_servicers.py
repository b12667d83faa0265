"""The gRPC API end to end on 127.0.0.1: typed outputs, Classify, metadata, status, codes.

Example:
    .venv/bin/pytest tests/serving/grpc/test_servicers.py
"""

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from common import contract
from model.calibration import softmax


@pytest.fixture(scope="module")
def stub(grpc_channel):
    return prediction_service_pb2_grpc.PredictionServiceStub(grpc_channel)


@pytest.fixture(scope="module")
def digits(mnist, trained_model):
    """Five test digits and the in-process model's scores for them."""
    _, (x_test, _) = mnist
    pixels = x_test[:5]
    return pixels, trained_model(pixels.reshape(-1, 784).astype(np.float32) / 255.0).numpy()


def predict_request(pixels, signature=contract.PREDICT_PIXELS, **spec):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = spec.pop("name", contract.MODEL_NAME)
    request.model_spec.signature_name = signature
    for field, value in spec.items():
        if field == "version":
            request.model_spec.version.value = value
        else:
            setattr(request.model_spec, field, value)
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(pixels))
    return request


def test_grpc_predict_answers_typed_fields_matching_the_model(stub, digits, trained_model):
    pixels, scores = digits
    response = stub.Predict(predict_request(pixels))
    assert response.model_spec.name == contract.MODEL_NAME
    assert response.model_spec.version.value == 1
    assert response.model_spec.signature_name == contract.PREDICT_PIXELS
    outputs = response.outputs
    assert set(outputs) == set(contract.PREDICT_OUTPUTS)
    for key in (contract.PROBABILITIES, contract.SCORES):
        assert outputs[key].dtype == tf.float32.as_datatype_enum
        assert not outputs[key].tensor_content and len(outputs[key].float_val) == 50
        assert [d.size for d in outputs[key].tensor_shape.dim] == [5, 10]
    np.testing.assert_allclose(tf.make_ndarray(outputs[contract.SCORES]), scores, atol=1e-5)
    probabilities = softmax(scores, trained_model.temperature)
    np.testing.assert_allclose(
        tf.make_ndarray(outputs[contract.PROBABILITIES]), probabilities, atol=1e-5
    )
    assert outputs[contract.CLASSES].dtype == tf.int64.as_datatype_enum
    assert list(outputs[contract.CLASSES].int64_val) == scores.argmax(1).tolist()


def test_grpc_predict_takes_floats_versions_labels_and_output_filter(stub, digits):
    pixels, scores = digits
    request = predict_request(
        (pixels / 255.0).astype(np.float32), contract.PREDICT_DETAILED, version=1
    )
    request.output_filter.append(contract.CLASSES)
    response = stub.Predict(request)
    assert list(response.outputs) == [contract.CLASSES]
    assert list(response.outputs[contract.CLASSES].int64_val) == scores.argmax(1).tolist()
    default = predict_request((pixels / 255.0).astype(np.float32), signature="")
    assert stub.Predict(default).model_spec.signature_name == contract.SERVING_DEFAULT


def test_grpc_classify_answers_labels_and_probabilities(stub, digits, trained_model):
    pixels, scores = digits
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.CLASSIFY
    for row in pixels.reshape(-1, 784) / 255.0:
        example = request.input.example_list.examples.add()
        example.features.feature[contract.EXAMPLE_FEATURE].float_list.value.extend(row)
    response = stub.Classify(request)
    assert response.model_spec.version.value == 1
    classifications = response.result.classifications
    assert [[c.label for c in row.classes] for row in classifications] == [
        list(contract.CLASS_LABELS)
    ] * 5
    np.testing.assert_allclose(
        [[c.score for c in row.classes] for row in classifications],
        softmax(scores, trained_model.temperature),
        atol=1e-5,
    )


def test_grpc_metadata_and_status_describe_the_version(stub, grpc_channel, exported_model):
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.metadata_field.append("signature_def")
    response = stub.GetModelMetadata(request)
    assert (response.model_spec.name, response.model_spec.version.value) == ("mnist", 1)
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    assert response.metadata["signature_def"].Unpack(signature_map)
    assert set(contract.SIGNATURES) <= set(signature_map.signature_def)
    pixels_input = signature_map.signature_def[contract.PREDICT_PIXELS].inputs[contract.IMAGES]
    assert pixels_input.dtype == tf.uint8.as_datatype_enum
    status_stub = model_service_pb2_grpc.ModelServiceStub(grpc_channel)
    status_request = get_model_status_pb2.GetModelStatusRequest()
    status_request.model_spec.name = contract.MODEL_NAME
    (version_status,) = status_stub.GetModelStatus(status_request).model_version_status
    assert version_status.version == 1
    assert version_status.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE
    assert version_status.status.error_code == 0 and version_status.status.error_message == ""


def bad_requests():
    zeros = np.zeros((1, 28, 28), np.uint8)
    missing_input = predict_request(zeros)
    missing_input.inputs["other"].CopyFrom(missing_input.inputs.pop(contract.IMAGES))
    no_image = predict_pb2.PredictRequest()
    no_image.model_spec.name = contract.MODEL_NAME
    no_image.model_spec.signature_name = contract.PREDICT_IMAGE_BYTES
    no_image.inputs[contract.IMAGE_BYTES].CopyFrom(tf.make_tensor_proto([b"not an image"]))
    wrong_classify = classification_pb2.ClassificationRequest()
    wrong_classify.model_spec.name = contract.MODEL_NAME
    wrong_classify.model_spec.signature_name = contract.PREDICT_DETAILED
    wrong_classify.input.example_list.examples.add()
    metadata = get_model_metadata_pb2.GetModelMetadataRequest()
    metadata.model_spec.name = contract.MODEL_NAME
    metadata.metadata_field.append("nonsense")
    return [
        ("Predict", predict_request(zeros, name="mnist2"), "NOT_FOUND",
         "Servable not found for request: Latest(mnist2)"),
        ("Predict", predict_request(zeros, version=7), "NOT_FOUND",
         "Servable not found for request: Specific(mnist, 7)"),
        ("Predict", predict_request(zeros, version_label="nope"), "INVALID_ARGUMENT",
         "Unrecognized servable version label: nope"),
        ("Predict", predict_request(zeros, "nope"), "FAILED_PRECONDITION",
         'Serving signature key "nope" not found.'),
        ("Predict", predict_request(zeros.astype(np.float32)), "INVALID_ARGUMENT",
         "Expects arg[0] to be uint8 but float is provided"),
        ("Predict", predict_request(np.zeros((1, 27, 27), np.uint8)), "INVALID_ARGUMENT",
         "images must have shape [-1,28,28] or [-1,28,28,1]; got shape] [1 27 27]"),
        ("Predict", missing_input, "INVALID_ARGUMENT", "Signature input alias: images(feed name: "),
        ("Predict", no_image, "INVALID_ARGUMENT", "Unknown image file format"),
        ("Predict", predict_pb2.PredictRequest(), "INVALID_ARGUMENT", "Missing ModelSpec"),
        ("Classify", wrong_classify, "INVALID_ARGUMENT", "Expected one or two output Tensors"),
        ("GetModelMetadata", metadata, "INVALID_ARGUMENT", "Metadata field nonsense"),
    ]  # fmt: skip


@pytest.mark.parametrize(("method", "request_message", "code", "message"), bad_requests())
def test_grpc_bad_request_gets_tf_serving_code_and_next_succeeds(
    stub, method, request_message, code, message
):
    with pytest.raises(grpc.RpcError) as caught:
        getattr(stub, method)(request_message)
    assert caught.value.code().name == code
    assert message in caught.value.details()
    assert stub.Predict(predict_request(np.zeros((1, 28, 28), np.uint8))).outputs


def test_grpc_status_of_unknown_model_is_not_found(grpc_channel):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "mnist2"
    with pytest.raises(grpc.RpcError) as caught:
        model_service_pb2_grpc.ModelServiceStub(grpc_channel).GetModelStatus(request)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND
    assert caught.value.details() == "Could not find any versions of model mnist2"


def test_grpc_message_over_the_limit_is_resource_exhausted(make_server, exported_model):
    with (
        make_server(model_base_path=str(exported_model), max_request_bytes=100_000) as server,
        grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel,
    ):
        small_stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            small_stub.Predict(predict_request(np.zeros((200, 28, 28), np.uint8)))
        assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "larger than max" in caught.value.details()
        assert small_stub.Predict(predict_request(np.zeros((1, 28, 28), np.uint8))).outputs
