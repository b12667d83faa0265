"""Tests of serving/rest_client.py against a stub that answers as TF Serving's REST API documents.

The stub records each request body and replies with canned bodies in TF Serving's
documented shapes, so these tests pin the wire format independently of the local server.
"""

import asyncio
import base64
import contextlib
import json
import socket

import numpy as np
import pytest
from aiohttp import web

from common import contract
from serving.client.addresses import check_url
from serving.client.requests import RequestError
from serving.client.rest_client import RestClient, request_body, to_json

PROBABILITIES = [[0.0] * 3 + [1.0] + [0.0] * 6]


@contextlib.asynccontextmanager
async def stub_server(status, reply):
    """A REST server on a free port answering each POST with (status, reply); yields (url, seen)."""
    seen = []

    async def handle(request):
        seen.append((request.path, json.loads(await request.text())))
        return web.json_response(reply, status=status)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def call_stub(status, reply, method, *args, **options):
    async def scenario():
        async with stub_server(status, reply) as (url, seen), RestClient(url, **options) as client:
            return await getattr(client, method)(*args), seen

    return asyncio.run(scenario())


def test_restclient_predict_sends_columnar_inputs_and_reads_named_outputs():
    pixels = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28) % 256
    reply = {"outputs": {"probabilities": PROBABILITIES * 2, "classes": [3, 3]}}
    outputs, seen = call_stub(
        200, reply, "predict", {"images": pixels.astype(np.uint8)}, contract.PREDICT_PIXELS
    )
    assert seen == [
        (
            f"/v1/models/{contract.MODEL_NAME}:predict",
            {"signature_name": contract.PREDICT_PIXELS, "inputs": {"images": pixels.tolist()}},
        )
    ]
    np.testing.assert_array_equal(outputs["classes"], [3, 3])
    assert outputs["probabilities"].shape == (2, 10)


def test_restclient_predict_sends_bytes_as_b64_objects():
    images = np.array([b"\x89PNG fake", b"\xff\xd8\xff fake"], dtype=object)
    reply = {"outputs": {"probabilities": PROBABILITIES * 2}}
    _, seen = call_stub(200, reply, "predict", {contract.IMAGE_BYTES: images}, "sig")
    sent = seen[0][1]["inputs"][contract.IMAGE_BYTES]
    assert [base64.b64decode(item["b64"]) for item in sent] == list(images)


def test_restclient_classify_sends_float_examples_and_orders_scores_by_digit():
    features = np.zeros((1, contract.NUM_PIXELS), dtype=np.float32)
    features[0, 5] = 0.5
    pairs = [[label, 0.9 if label == "7" else 0.01] for label in reversed(contract.CLASS_LABELS)]
    scores, seen = call_stub(200, {"results": [pairs]}, "classify", features, contract.CLASSIFY)
    path, body = seen[0]
    assert path.endswith(":classify") and body["signature_name"] == contract.CLASSIFY
    values = body["examples"][0][contract.EXAMPLE_FEATURE]
    # Every value must be a JSON float, or TF Serving would build an int64_list feature.
    assert all(isinstance(value, float) for value in values) and values[5] == 0.5
    assert scores.shape == (1, 10) and np.argmax(scores[0]) == 7


@pytest.mark.parametrize(
    ("options", "path"), [({"version": 3}, "/versions/3"), ({"label": "stable"}, "/labels/stable")]
)
def test_restclient_version_or_label_goes_in_the_url_path(options, path):
    reply = {"outputs": {"probabilities": PROBABILITIES}}
    _, seen = call_stub(200, reply, "predict", {"images": [[0]]}, "sig", **options)
    assert seen[0][0] == f"/v1/models/{contract.MODEL_NAME}{path}:predict"


def test_restclient_refuses_both_version_and_label():
    with pytest.raises(ValueError, match="not both"):
        RestClient("http://127.0.0.1:9", version=1, label="stable")


def test_restclient_error_body_becomes_serving_error_with_status_and_message():
    message = "Servable not found for request: Latest(nope)"
    with pytest.raises(RequestError, match=r"HTTP 404: Servable not found .*Latest\(nope\)"):
        call_stub(404, {"error": message}, "predict", {"images": [[0]]}, "sig", model="nope")


def test_restclient_unreachable_server_raises_serving_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused

        async def scenario():
            async with RestClient(f"http://127.0.0.1:{port}", timeout=5) as client:
                await client.predict({"images": np.zeros((1, 28, 28))})

        with pytest.raises(RequestError, match="127.0.0.1"):
            asyncio.run(scenario())


@pytest.mark.parametrize("url", ["127.0.0.1:8501", "ftp://host:21", "http://", ""])
def test_check_url_rejects_what_is_not_an_http_url(url):
    with pytest.raises(ValueError, match="REST URL"):
        check_url(url)


def test_to_json_keeps_shapes_of_nested_arrays():
    assert to_json(np.zeros((2, 1, 2), dtype=np.uint8)) == [[[0, 0]], [[0, 0]]]


@pytest.mark.parametrize(
    "shape", [(1, 28, 28), (32, 28, 28), (3,), (2, 1, 2), (4, 5), (1,), (0, 3)]
)
def test_request_body_is_compact_json_of_the_pixels(shape):
    pixels = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    pixels.flat[:2] = [0, 255]
    strided = np.repeat(pixels, 2, axis=-1)[..., ::2]  # not contiguous: written all the same
    for inputs in ({"images": strided}, {"images": pixels, "n\u00e9": np.array([b"x"], object)}):
        expected = {
            "signature_name": "s\u00e9",
            "inputs": {k: to_json(v) for k, v in inputs.items()},
        }
        body = request_body("s\u00e9", inputs)
        assert json.loads(body) == expected
        assert b" " not in body


def test_request_body_writes_nan_and_infinity_as_tf_serving_reads_them():
    inputs = {"images": np.array([[np.nan, np.inf, -np.inf, 0.5]], np.float32)}
    body = request_body("sig", inputs)
    assert b"NaN,Infinity,-Infinity,0.5" in body
    np.testing.assert_array_equal(json.loads(body)["inputs"]["images"], inputs["images"])


def test_request_body_writes_other_dtypes_through_json_dumps():
    inputs = {"images": np.array([[0.5, 1 / 3]], np.float32), "n": np.array(7, np.uint8)}
    body = json.loads(request_body("sig", inputs))
    assert body["signature_name"] == "sig" and body["inputs"]["n"] == 7
    # float32 values come back as the same float32 values.
    np.testing.assert_array_equal(np.float32(body["inputs"]["images"]), inputs["images"])
