"""The REST API end to end over HTTP on 127.0.0.1: TF Serving's routes, formats and errors.

Example:
    .venv/bin/pytest tests/serving/rest/test_handler.py
"""

import base64
import json

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.core.protobuf import saved_model_pb2

from common import contract
from model.calibration import softmax
from serving.rest.handler import INLINE_BODY_BYTES

GOOD = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}


@pytest.fixture(scope="module")
def digits(mnist, trained_model):
    """Eight test digits and the in-process model's scores for them."""
    _, (x_test, _) = mnist
    pixels = x_test[:8]
    scores = trained_model(pixels.reshape(-1, 784).astype(np.float32) / 255.0).numpy()
    return pixels, scores


@pytest.fixture(scope="module")
def cors_server(make_server, exported_model):
    """A second server with CORS support on and a 100 kB request body limit."""
    with make_server(
        model_base_path=str(exported_model),
        rest_api_enable_cors_support=True,
        max_request_bytes=100_000,
    ) as server:
        yield f"http://127.0.0.1:{server.rest_port}/v1/models/{contract.MODEL_NAME}"


def assert_matches_model(prediction_rows, scores, temperature):
    probabilities = softmax(scores, temperature)
    np.testing.assert_allclose([p["scores"] for p in prediction_rows], scores, atol=1e-5)
    np.testing.assert_allclose(
        [p["probabilities"] for p in prediction_rows], probabilities, atol=1e-5
    )
    assert [p["classes"] for p in prediction_rows] == scores.argmax(1).tolist()


def test_rest_status_reports_the_available_version(model_url, http):
    expected = {
        "model_version_status": [
            {
                "version": "1",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }
    for url in (model_url, model_url + "/versions/1"):
        status, headers, body = http("GET", url)
        assert (status, body) == (200, expected)
        assert headers["Content-Type"].startswith("application/json")


def test_rest_metadata_is_the_saved_models_signature_defs(model_url, http, exported_model):
    saved_model = saved_model_pb2.SavedModel.FromString(
        (exported_model / "1" / "saved_model.pb").read_bytes()
    )
    expected = {
        name: json_format.MessageToDict(
            signature, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        for name, signature in saved_model.meta_graphs[0].signature_def.items()
    }
    status, _, body = http("GET", model_url + "/metadata")
    assert status == 200
    assert body["model_spec"] == {"name": "mnist", "signature_name": "", "version": "1"}
    signature_defs = body["metadata"]["signature_def"]["signature_def"]
    assert signature_defs == expected
    assert set(contract.SIGNATURES) <= set(signature_defs)
    images = signature_defs[contract.SERVING_DEFAULT]["inputs"][contract.IMAGES]
    assert images["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in images["tensor_shape"]["dim"]] == ["-1", "28", "28"]
    assert signature_defs[contract.CLASSIFY]["method_name"] == contract.CLASSIFY_METHOD


def test_rest_predict_row_format_matches_the_model(model_url, http, digits, trained_model):
    pixels, scores = digits
    body = {"signature_name": contract.PREDICT_PIXELS, "instances": pixels.tolist()}
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 200
    assert_matches_model(answer["predictions"], scores, trained_model.temperature)


def test_rest_predict_large_body_is_read_off_the_loop_and_matches_the_model(
    model_url, http, mnist, trained_model
):
    _, (x_test, _) = mnist
    pixels = x_test[:200]
    body = json.dumps({"signature_name": contract.PREDICT_PIXELS, "instances": pixels.tolist()})
    assert len(body) > INLINE_BODY_BYTES
    status, _, answer = http("POST", model_url + ":predict", body.encode())
    assert status == 200
    scores = trained_model(pixels.reshape(-1, 784).astype(np.float32) / 255.0).numpy()
    assert_matches_model(answer["predictions"], scores, trained_model.temperature)
    ragged = body.replace("]]]}", "], [0]]]}")
    status, _, answer = http("POST", model_url + ":predict", ragged.encode())
    assert (status, answer) == (400, {"error": answer["error"]})
    assert answer["error"].startswith("Failed to process element: 199 of 'instances' list.")


def test_rest_predict_columnar_format_matches_the_model(model_url, http, digits, trained_model):
    pixels, scores = digits
    images = (pixels / 255.0).tolist()
    body = {"signature_name": contract.PREDICT_DETAILED, "inputs": {contract.IMAGES: images}}
    status, _, answer = http("POST", model_url + "/versions/1:predict", body)
    assert status == 200
    outputs = answer["outputs"]
    rows = [{key: outputs[key][i] for key in contract.PREDICT_OUTPUTS} for i in range(len(pixels))]
    assert_matches_model(rows, scores, trained_model.temperature)


def test_rest_predict_named_instances_and_b64_images(model_url, http, digits, trained_model):
    pixels, scores = digits
    named = {
        "signature_name": contract.PREDICT_PIXELS,
        "instances": [{contract.IMAGES: image.tolist()} for image in pixels],
    }
    status, _, answer = http("POST", model_url + ":predict", named)
    assert status == 200
    assert_matches_model(answer["predictions"], scores, trained_model.temperature)
    pngs = [tf.io.encode_png(image[:, :, None]).numpy() for image in pixels]
    b64 = {
        "signature_name": contract.PREDICT_IMAGE_BYTES,
        "instances": [{"b64": base64.b64encode(png).decode()} for png in pngs],
    }
    status, _, answer = http("POST", model_url + ":predict", b64)
    assert status == 200
    assert [p["classes"] for p in answer["predictions"]] == scores.argmax(1).tolist()


def test_rest_classify_answers_label_score_pairs(model_url, http, digits, trained_model):
    pixels, scores = digits
    floats = (pixels.reshape(-1, 784) / 255.0).tolist()
    body = {
        "signature_name": contract.CLASSIFY,
        "examples": [{contract.EXAMPLE_FEATURE: row} for row in floats],
    }
    status, _, answer = http("POST", model_url + ":classify", body)
    assert status == 200
    results = answer["results"]
    assert [[label for label, _ in row] for row in results] == [list(contract.CLASS_LABELS)] * 8
    probabilities = softmax(scores, trained_model.temperature)
    np.testing.assert_allclose([[s for _, s in row] for row in results], probabilities, atol=1e-5)
    with_context = {
        "signature_name": contract.CLASSIFY,
        "context": {contract.EXAMPLE_FEATURE: floats[0]},
        "examples": [{}],
    }
    status, _, answer = http("POST", model_url + ":classify", with_context)
    assert status == 200
    (row,) = answer["results"]
    assert [label for label, _ in row] == list(contract.CLASS_LABELS)
    np.testing.assert_allclose([s for _, s in row], probabilities[0], atol=1e-5)


NO_IMAGE = base64.b64encode(b"this is no image").decode()
BAD_REQUESTS = [
    ("POST", ":predict", b"{", 400, "JSON Parse error: Missing a name for object member."),
    ("POST", ":predict", b"", 400, "JSON Parse error: The document is empty"),
    ("POST", ":predict", {"instances": [[["x"] * 28] * 28]}, 400, "is not of expected type"),
    ("POST", ":predict", {"instances": [[[0] * 28] * 28, [[0] * 28] * 27]}, 400,
     "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: "
     "Expecting tensor size: 784 but got: 756"),
    ("POST", ":predict", {**GOOD, "instances": [[[256] * 28] * 28]}, 400, "out of range"),
    ("POST", ":predict", {"signature_name": 5, "instances": [1]}, 400, "must be a string"),
    ("POST", ":predict", {"signature_name": "nope", "instances": [1]}, 400,
     'Serving signature name: "nope" not found in signature def'),
    ("POST", ":predict", {"signature_name": contract.PREDICT_IMAGE_BYTES,
                          "instances": [{"b64": "!!!"}]}, 400, "Unable to base64 decode"),
    ("POST", ":predict", {"signature_name": contract.PREDICT_IMAGE_BYTES,
                          "instances": [{"b64": NO_IMAGE}]}, 400, "Unknown image file format"),
    ("POST", ":predict", {"foo": 1}, 400, "Missing 'inputs' or 'instances' key"),
    ("POST", "2:predict", GOOD, 404, "Servable not found for request: Latest(mnist2)"),
    ("POST", "/versions/99:predict", GOOD, 404,
     "Servable not found for request: Specific(mnist, 99)"),
    ("POST", "/labels/nope:predict", GOOD, 400, "Unrecognized servable version label: nope"),
    ("POST", ":classify", {"signature_name": contract.PREDICT_DETAILED, "examples": [{}]}, 400,
     "Expected one or two output Tensors, found 3"),
    ("POST", ":classify", {"signature_name": contract.CLASSIFY, "examples": [{"image": [0.5]}]},
     400, "Key: image, Index: 0.  Number of float values != expected."),
    ("POST", ":classify", {"signature_name": contract.CLASSIFY}, 400, "key 'examples'"),
    ("POST", ":regress", {"signature_name": contract.PREDICT_DETAILED, "examples": [{}]}, 400,
     "Expected one output Tensor."),
    ("POST", "/metadata", b"", 400, "Malformed request: POST /v1/models/mnist/metadata"),
    ("GET", "2", None, 404, "Could not find any versions of model mnist2"),
    ("GET", "/versions/99/metadata", None, 404, "Servable not found for request: Specific"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "suffix", "body", "status", "message"), BAD_REQUESTS)
def test_rest_bad_request_fails_clearly_and_the_next_succeeds(
    model_url, http, method, suffix, body, status, message
):
    answer_status, headers, answer = http(method, model_url + suffix, body)
    assert answer_status == status
    assert headers["Content-Type"].startswith("application/json")
    assert message in answer["error"]
    good_status, _, good = http("POST", model_url + ":predict", GOOD)
    assert good_status == 200 and len(good["predictions"]) == 1


def test_rest_body_over_the_limit_is_refused_with_json(cors_server, http):
    body = json.dumps({"instances": [[[0.0] * 28] * 28] * 40}).encode()
    assert len(body) > 100_000
    status, _, answer = http("POST", cors_server + ":predict", body)
    assert status == 413
    assert "larger than the limit of 100000 bytes" in answer["error"]
    assert http("POST", cors_server + ":predict", GOOD)[0] == 200


def test_rest_cors_headers_only_when_enabled(model_url, cors_server, http):
    for url, enabled in ((model_url, False), (cors_server, True)):
        for method, suffix, body in (("GET", "", None), ("POST", ":predict", GOOD),
                                     ("POST", "2:predict", GOOD)):  # fmt: skip
            _, headers, _ = http(method, url + suffix, body)
            assert (headers.get("Access-Control-Allow-Origin") == "*") is enabled
        preflight = {"Origin": "http://example.com", "Access-Control-Request-Method": "POST"}
        status, headers, _ = http("OPTIONS", url + ":predict", headers=preflight)
        if enabled:
            assert status == 200
            assert headers["Access-Control-Allow-Methods"] == "POST, GET"
            assert headers["Access-Control-Allow-Headers"] == "Content-Type"
        else:
            assert status == 400 and "Access-Control-Allow-Origin" not in headers
