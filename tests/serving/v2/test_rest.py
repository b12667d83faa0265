"""The Open Inference Protocol over REST, raw requests written from the specification.

Every answer is compared with TF Serving's `:predict` of the same digits on the same
server; hostile requests get their 400 or 404 with a reason and the server stays up.

Example:
    .venv/bin/pytest tests/serving/v2/test_rest.py
"""

import json
import urllib.request

import numpy as np
import pytest

from common import contract

HEADER = "Inference-Header-Content-Length"


@pytest.fixture(scope="module")
def v2_url(served_model):
    return f"http://127.0.0.1:{served_model.rest_port}/v2"


@pytest.fixture(scope="module")
def digits(mnist):
    _, (x_test, _) = mnist
    return x_test[:8]


def predict_v1(http, model_url, signature, instances):
    status, _, body = http(
        "POST", model_url + ":predict", {"signature_name": signature, "instances": instances}
    )
    assert status == 200, body
    return body["predictions"]


def post_raw(url, body, headers):
    # Returns (status, headers, body bytes): the shared `http` helper decodes bodies as text.
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_v2_health_and_server_metadata(v2_url, http):
    for path in ("/health/live", "/health/ready"):
        assert http("GET", v2_url + path)[::2] == (200, "")
    status, _, body = http("GET", v2_url)
    assert status == 200
    assert body["name"] == "mnist-serving" and body["version"]
    assert body["extensions"] == ["binary_tensor_data"]


def test_v2_model_metadata_describes_serving_default(v2_url, http):
    expected = {
        "name": contract.MODEL_NAME,
        "versions": ["1"],
        "platform": "tensorflow_savedmodel",
        "inputs": [{"name": contract.IMAGES, "datatype": "FP32", "shape": [-1, 28, 28]}],
        "outputs": [{"name": contract.PROBABILITIES, "datatype": "FP32", "shape": [-1, 10]}],
    }
    for path in ("/models/mnist", "/models/mnist/versions/1"):
        assert http("GET", v2_url + path)[::2] == (200, expected)
    assert http("GET", v2_url + "/models/mnist/ready")[::2] == (200, "")
    assert http("GET", v2_url + "/models/mnist/versions/1/ready")[::2] == (200, "")


def test_v2_infer_json_equals_tf_serving_predict(v2_url, model_url, http, digits):
    images = (digits / 255.0).astype(np.float32)
    request = {
        "id": "digits-1",
        "inputs": [
            {
                "name": "images",
                "shape": [8, 28, 28],
                "datatype": "FP32",
                "data": images.ravel().tolist(),
            }
        ],
    }
    status, headers, body = http("POST", v2_url + "/models/mnist/infer", request)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    assert (body["model_name"], body["model_version"], body["id"]) == ("mnist", "1", "digits-1")
    [output] = body["outputs"]
    assert (output["name"], output["datatype"], output["shape"]) == (
        "probabilities",
        "FP32",
        [8, 10],
    )
    expected = predict_v1(http, model_url, contract.SERVING_DEFAULT, images.tolist())
    np.testing.assert_array_equal(np.float32(output["data"]).reshape(8, 10), np.float32(expected))


def test_v2_infer_signature_parameter_picks_the_signature(v2_url, model_url, http, digits):
    request = {
        "parameters": {"signature_name": contract.PREDICT_PIXELS},
        "inputs": [
            {"name": "images", "shape": [8, 28, 28], "datatype": "UINT8", "data": digits.tolist()}
        ],
        "outputs": [{"name": contract.CLASSES}, {"name": contract.PROBABILITIES}],
    }
    status, _, body = http("POST", v2_url + "/models/mnist/versions/1/infer", request)
    assert status == 200, body
    classes, probabilities = body["outputs"]
    assert (classes["name"], classes["datatype"], classes["shape"]) == ("classes", "INT64", [8])
    assert probabilities["name"] == "probabilities" and "id" not in body
    expected = predict_v1(http, model_url, contract.PREDICT_PIXELS, digits.tolist())
    assert classes["data"] == [row["classes"] for row in expected]
    np.testing.assert_array_equal(
        np.float32(probabilities["data"]).reshape(8, 10),
        np.float32([row["probabilities"] for row in expected]),
    )


def test_v2_infer_binary_data_both_ways(v2_url, model_url, http, digits):
    header = {
        "inputs": [
            {
                "name": "images",
                "shape": [8, 28, 28],
                "datatype": "UINT8",
                "parameters": {"binary_data_size": digits.size},
            }
        ],
        "outputs": [
            {"name": "scores", "parameters": {"binary_data": True}},
            {"name": "classes", "parameters": {"binary_data": False}},
        ],
        "parameters": {"signature_name": contract.PREDICT_PIXELS},
    }
    text = json.dumps(header).encode()
    headers = {HEADER: str(len(text)), "Content-Type": "application/octet-stream"}
    status, answer_headers, body = post_raw(
        v2_url + "/models/mnist/infer", text + digits.tobytes(), headers
    )
    assert status == 200, body
    assert answer_headers["Content-Type"] == "application/octet-stream"
    length = int(answer_headers[HEADER])
    document = json.loads(body[:length])
    scores, classes = document["outputs"]
    assert scores["parameters"] == {"binary_data_size": 8 * 10 * 4} and "data" not in scores
    assert len(body) == length + 320
    expected = predict_v1(http, model_url, contract.PREDICT_PIXELS, digits.tolist())
    np.testing.assert_array_equal(
        np.frombuffer(body[length:], "<f4").reshape(8, 10),
        np.float32([row["scores"] for row in expected]),
    )
    assert classes["data"] == [row["classes"] for row in expected]


def test_v2_versions_and_routes_that_do_not_exist_are_404(v2_url, http):
    for method, path in (
        ("GET", "/models/nope"),
        ("GET", "/models/mnist/versions/2"),
        ("GET", "/models/mnist/versions/stable"),
        ("GET", "/models/mnist/versions/2/ready"),
        ("POST", "/models/nope/infer"),
        ("GET", "/models/mnist/infer"),
        ("GET", "/nothing"),
    ):
        status, _, body = http(method, v2_url + path, b"{}" if method == "POST" else None)
        assert status == 404, (path, body)
        assert body["error"]


def good_input(**changes):
    return {
        "name": "images",
        "shape": [1, 28, 28],
        "datatype": "FP32",
        "data": [0.0] * 784,
        **changes,
    }


@pytest.mark.parametrize(
    "request_body, headers, status, reason",
    [
        (b"{not json", {}, 400, "Malformed JSON"),
        ({"inputs": []}, {}, 400, '"inputs" must be a non-empty list'),
        ({"inputs": [good_input(datatype="UINT8", data=[0] * 784)]}, {}, 400, "is FP32, got UINT8"),
        ({"inputs": [good_input(datatype="FP8")]}, {}, 400, "unknown datatype 'FP8'"),
        ({"inputs": [good_input(shape=[2, 28, 28])]}, {}, 400, "784 elements but shape"),
        ({"inputs": [good_input(name="pixels")]}, {}, 400, "unexpected input 'pixels'"),
        ({"inputs": [good_input()], "outputs": [{"name": "logits"}]}, {}, 400, "unknown output"),
        (
            {"inputs": [good_input()], "parameters": {"signature_name": "nope"}},
            {},
            400,
            "signature 'nope' not found",
        ),
        ({"inputs": [good_input(shape=[1, 784], data=[0.0] * 784)]}, {}, 400, "28"),
        (
            {"inputs": [good_input(data=None, parameters={"binary_data_size": 3136})]},
            {},
            400,
            "no Inference-Header-Content-Length header",
        ),
    ],
)
def test_v2_infer_refuses_hostile_requests(v2_url, http, request_body, headers, status, reason):
    if isinstance(request_body, dict):
        for entry in request_body["inputs"]:
            if entry.get("data") is None:
                entry.pop("data", None)
    answer_status, _, body = http("POST", v2_url + "/models/mnist/infer", request_body, headers)
    assert answer_status == status, body
    assert reason in body["error"]
    assert http("GET", v2_url + "/health/live")[0] == 200


def test_v2_infer_refuses_binary_sizes_that_do_not_match(v2_url):
    header = {"inputs": [good_input(parameters={"binary_data_size": 3136})]}
    header["inputs"][0].pop("data")
    text = json.dumps(header).encode()
    url = v2_url + "/models/mnist/infer"
    for body, length, reason in (
        (text + b"\0" * 3135, len(text), "runs past the 3135 bytes"),
        (text + b"\0" * 3137, len(text), "but the inputs' binary_data_size add up to 3136"),
        (text, len(text) + 5, "is not a length within the body"),
    ):
        status, _, answer = post_raw(url, body, {HEADER: str(length)})
        assert status == 400
        assert reason in json.loads(answer)["error"]


def test_v2_model_calls_are_recorded_in_the_metrics(v2_url, http, served_model):
    http("GET", v2_url + "/models/mnist")
    http("POST", v2_url + "/models/mnist/infer", {"inputs": [good_input()]})
    page = served_model.metrics.render()
    for api in ("ModelMetadata", "ModelInfer"):
        assert f'model_name="mnist",API="{api}",entrypoint="REST"' in page
    # An inference is also counted by the version and signature it ran on.
    series = (
        ':tensorflow:serving:signature_request_count{model_name="mnist",version="1",'
        'signature_name="predict_pixels",API="ModelInfer",entrypoint="REST",status="OK"}'
    )
    before = _sample(page, series)
    pixels = {"name": "images", "shape": [1, 28, 28], "datatype": "UINT8", "data": [0] * 784}
    body = {"parameters": {"signature_name": contract.PREDICT_PIXELS}, "inputs": [pixels]}
    for _ in range(2):
        assert http("POST", v2_url + "/models/mnist/infer", body)[0] == 200
    assert _sample(served_model.metrics.render(), series) == before + 2


def _sample(page, series):
    # The value of one Prometheus series on a page, 0 when it is absent.
    lines = [line for line in page.splitlines() if line.startswith(series + " ")]
    return float(lines[0].split()[-1]) if lines else 0
