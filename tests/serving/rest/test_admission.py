"""REST admission and deadlines as a hostile client meets them, over raw loopback sockets.

Example:
    .venv/bin/pytest tests/serving/rest/test_admission.py
"""

import asyncio
import base64
import concurrent.futures
import gzip
import io
import json
import socket
import time

import numpy as np
import pytest
from PIL import Image

from common import contract
from serving.errors import ServingError
from serving.rest.admission import Admission, RequestTooLarge

GOOD = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}


def raw_request(port, head, body=b"", timeout=30):
    """Sends `head` (request line and headers) and `body` on a fresh connection.

    Returns:
        (status, parsed JSON body or None, seconds until the answer).
    """
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not _complete(answer):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    text = answer.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(text) if text else None, time.monotonic() - start


def _complete(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


@pytest.fixture(scope="module")
def guarded(make_server, exported_model):
    """A server with small limits: 100 kB bodies, 2 s reads, 300 kB in flight."""
    with make_server(
        model_base_path=str(exported_model),
        max_request_bytes=100_000,
        max_inflight_request_bytes=300_000,
        rest_api_read_timeout_seconds=2,
    ) as server:
        yield server


def _predict_head(length, extra=""):
    path = f"/v1/models/{contract.MODEL_NAME}:predict"
    return f"POST {path} HTTP/1.1\nHost: x\nContent-Length: {length}\n{extra}"


def test_admission_refuses_a_huge_declared_length_before_reading(guarded, http, model_url):
    status, body, _ = raw_request(guarded.rest_port, _predict_head(10**12))
    assert status == 413
    assert body == {
        "error": "Request body of 1000000000000 bytes is larger than the limit of 100000 bytes "
        "(--max_request_bytes)"
    }
    assert http("POST", model_url + ":predict", GOOD)[0] == 200


def test_admission_stalled_body_is_answered_408_and_server_stays_up(guarded, http, model_url):
    # Declares 1000 bytes, sends 10, then nothing: answered when the 2 s read timeout ends.
    status, body, seconds = raw_request(guarded.rest_port, _predict_head(1000), b'{"instances"')
    assert status == 408
    assert body == {"error": "Request body not received within 2 s"}
    assert 1.5 < seconds < 30
    assert http("POST", model_url + ":predict", GOOD)[0] == 200


def test_admission_silent_connection_is_closed(guarded):
    with socket.create_connection(("127.0.0.1", guarded.rest_port), timeout=30) as connection:
        connection.sendall(b"POST /v1/models/mnist:predict HTTP/1.1\r\nHost: x\r\n")
        assert connection.recv(100) == b""  # closed by the server, after ~2 s


def test_admission_deep_nesting_and_false_encoding_answer_json(guarded, http, model_url):
    deep = b'{"instances": ' + b"[" * 40_000 + b"]" * 40_000 + b"}"
    status, body, _ = raw_request(guarded.rest_port, _predict_head(len(deep)), deep)
    # Parsed as TF Serving's iterative parser does; a tensor cannot have 40,000 dimensions.
    assert status == 400 and "a tensor has at most 254 dimensions" in body["error"]
    plain = json.dumps(GOOD).encode()
    extra = "Content-Encoding: gzip\n"
    status, body, _ = raw_request(guarded.rest_port, _predict_head(len(plain), extra), plain)
    assert status == 400 and body["error"].startswith("Malformed request body")
    zipped = gzip.compress(plain)
    status, body, _ = raw_request(guarded.rest_port, _predict_head(len(zipped), extra), zipped)
    assert status == 200 and len(body["predictions"]) == 1
    assert http("POST", model_url + ":predict", GOOD)[0] == 200


def test_admission_over_budget_is_429_and_budget_comes_back():
    admission = Admission(max_requests=2, max_bytes=250, max_request_bytes=100, read_timeout=1)

    async def scenario():
        async with admission.admit(100), admission.admit(100):
            with pytest.raises(ServingError) as full:
                async with admission.admit(1):
                    pass
        with pytest.raises(RequestTooLarge):
            async with admission.admit(101):
                pass
        async with admission.admit(None):  # a chunked body reserves the whole limit
            assert admission.bytes == 100
        return full.value

    refusal = asyncio.run(scenario())
    assert refusal.http_status == 429 and "retry later" in refusal.message
    assert (admission.requests, admission.bytes) == (0, 0)


def test_admission_request_over_the_deadline_is_504(make_server, exported_model, http):
    # 1 ms cannot fit the decoding of eight 2048x2048 images (about a second here).
    canvas = np.zeros((2048, 2048), np.uint8)
    canvas[500:1500, 900:1100] = 255
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    image = {"b64": base64.b64encode(buffer.getvalue()).decode()}
    body = {"signature_name": contract.PREDICT_IMAGE_BYTES, "instances": [image] * 8}
    with make_server(model_base_path=str(exported_model), rest_api_timeout_in_ms=1) as server:
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/{contract.MODEL_NAME}"
        status, _, answer = http("POST", url + ":predict", body)
        assert status == 504
        assert answer == {"error": "Request not answered within 1 ms (--rest_api_timeout_in_ms)"}


@pytest.mark.slow
def test_admission_small_requests_stay_quick_during_a_burst_of_large_bodies(
    make_server, exported_model
):
    # Six clients post 1,000-digit bodies (2.4 MB of legal JSON each) for 10 s while one
    # client asks for one digit at a time. No request may fail but by a 429, no small one at
    # all, and the small ones keep a bounded latency (bench/hostile.py measures it with the
    # server in its own process; here it shares this process's GIL with the clients).
    large = json.dumps({**GOOD, "instances": GOOD["instances"] * 1000}).encode()
    small = json.dumps(GOOD).encode()
    with make_server(model_base_path=str(exported_model)) as server:
        head = _predict_head
        stop = time.monotonic() + 10
        outcomes, latencies = [], []

        def flood():
            while time.monotonic() < stop:
                outcomes.append(raw_request(server.rest_port, head(len(large)), large, 120)[0])

        def probe():
            while time.monotonic() < stop:
                status, body, seconds = raw_request(server.rest_port, head(len(small)), small)
                latencies.append((status, seconds))

        with concurrent.futures.ThreadPoolExecutor(7) as pool:
            futures = [pool.submit(flood) for _ in range(6)] + [pool.submit(probe)]
            for future in futures:
                future.result()
    assert set(outcomes) <= {200, 429} and outcomes.count(200) >= 6
    assert {status for status, _ in latencies} == {200}
    seconds = sorted(seconds for _, seconds in latencies)
    assert len(seconds) >= 5
    assert seconds[int(0.99 * (len(seconds) - 1))] < 5.0


def test_admission_requests_beyond_the_limit_are_429(make_server, exported_model):
    # One request in flight at most: of two concurrent ones that each decode 16 images of
    # 2048x2048 (seconds), whichever arrives second is refused at once, the other answered.
    canvas = np.zeros((2048, 2048), np.uint8)
    canvas[500:1500, 900:1100] = 255
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    image = {"b64": base64.b64encode(buffer.getvalue()).decode()}
    body = json.dumps(
        {"signature_name": contract.PREDICT_IMAGE_BYTES, "instances": [image] * 16}
    ).encode()
    with make_server(model_base_path=str(exported_model), max_inflight_requests=1) as server:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            send = [
                pool.submit(raw_request, server.rest_port, _predict_head(len(body)), body, 120)
                for _ in range(2)
            ]
            answers = sorted((f.result()[:2] for f in send), key=lambda answer: answer[0])
        small = json.dumps(GOOD).encode()
        assert raw_request(server.rest_port, _predict_head(len(small)), small)[0] == 200
    (ok, _), (refused, refusal) = answers
    assert (ok, refused) == (200, 429)
    assert refusal == {
        "error": "The server is at its limit of 1 requests or 134217728 body bytes in flight; "
        "retry later"
    }
