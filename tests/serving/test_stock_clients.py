"""What clients nobody here wrote send, and the digits they read back.

Each test sends the request of a well-known TF Serving client, written here from what that
client does (its code is not copied), and reads the answer the way it does:
- TF Serving's `example/mnist_client.py`: gRPC Predict on signature `predict_images`, input
  `images` float32 [1, 784] in [0, 1] (`make_tensor_proto(image, shape=[1, image.size])`),
  reading `outputs['scores'].float_val` and taking the argmax;
- TF Serving's `example/resnet_client.py` (its default, MODEL_ACCEPT_JPG = False, URL
  changed only): `{"instances": expand_dims(array(Image.open(jpeg)) / 255.0, 0)}` POSTed
  with no content type, reading `predictions[0]` as the list of class scores;
- the TFX tutorial "Train and serve a TensorFlow model with TensorFlow Serving":
  `{"signature_name": "serving_default", "instances": test_images[0:3]}` where the images
  are float [n, 28, 28, 1] in [0, 1], reading `predictions[i]` and taking the argmax.

Example:
    .venv/bin/pytest tests/serving/test_stock_clients.py
"""

import io
import json
import urllib.request

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract


@pytest.fixture(scope="module")
def digits(mnist, trained_model):
    """Twelve test digits and the classes the model gives them."""
    _, (x_test, y_test) = mnist
    pixels = x_test[:12]
    classes = trained_model(pixels.reshape(12, -1).astype(np.float32) / 255.0).numpy().argmax(1)
    assert np.mean(classes == y_test[:12]) >= 0.9  # the digits are worth reading
    return pixels, classes


def _post(url, body, headers=None):
    request = urllib.request.Request(url, body.encode(), headers or {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def test_stock_mnist_client_reads_scores_of_predict_images(grpc_channel, digits):
    pixels, classes = digits
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc_channel)
    for image, expected in zip(pixels.reshape(len(pixels), -1) / 255.0, classes, strict=True):
        image = image.astype(np.float32)
        request = predict_pb2.PredictRequest()
        request.model_spec.name = contract.MODEL_NAME
        request.model_spec.signature_name = "predict_images"
        request.inputs["images"].CopyFrom(tf.make_tensor_proto(image, shape=[1, image.size]))
        response = stub.Predict(request, 5.0)
        scores = np.array(response.outputs["scores"].float_val)
        assert scores.shape == (10,) and abs(scores.sum() - 1) < 1e-4
        assert np.argmax(scores) == expected


def test_stock_resnet_client_reads_predictions_as_class_scores(model_url, digits, trained_model):
    pixels, _ = digits
    for image in pixels:
        jpeg = io.BytesIO()
        Image.fromarray(image).save(jpeg, format="JPEG")
        decoded = np.array(Image.open(io.BytesIO(jpeg.getvalue())))  # what the client sends
        body = json.dumps({"instances": np.expand_dims(decoded / 255.0, 0).tolist()})
        prediction = _post(f"{model_url}:predict", body)["predictions"][0]
        assert len(prediction) == contract.NUM_CLASSES
        expected = trained_model(decoded.reshape(1, -1).astype(np.float32) / 255.0).numpy()
        assert np.argmax(prediction) == expected.argmax()


def test_stock_tfx_tutorial_reads_predictions_of_channel_images(model_url, digits):
    pixels, classes = digits
    test_images = pixels.reshape(len(pixels), 28, 28, 1) / 255.0
    data = json.dumps({"signature_name": "serving_default", "instances": test_images[0:3].tolist()})
    headers = {"content-type": "application/json"}
    predictions = _post(f"{model_url}:predict", data, headers)["predictions"]
    assert [np.argmax(p) for p in predictions] == classes[:3].tolist()


def test_stock_rgb_image_is_refused_not_read_as_three_digits(model_url, digits, http):
    pixels, _ = digits
    rgb = np.repeat(pixels[0][:, :, np.newaxis], 3, axis=2) / 255.0  # [28, 28, 3]
    status, _, answer = http("POST", f"{model_url}:predict", {"instances": [rgb.tolist()]})
    assert status == 400
    assert (
        "images must have shape [-1,28,28] or [-1,28,28,1]; got shape] [1 28 28 3]"
        in (answer["error"])
    )
