"""The pad server over HTTP: its page and contract, and `/v1/` forwarded to the model server.

Both servers run as subprocesses started with their command lines (conftest.py).

Example:
    .venv/bin/pytest tests/serving/pad/test_pad_app.py
"""

import base64
import io
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from common import contract
from serving.pad import processes

# The slow tier: the pad and the model server, run as subprocesses.
pytestmark = pytest.mark.slow


def png_b64(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_pad_app_serves_the_page_with_its_hooks(pad_url, http):
    status, headers, body = http("GET", pad_url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for hook in ('id="pad"', 'id="prediction"', 'id="clear"', 'id="version"', 'id="bars"'):
        assert hook in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, headers, script = http("GET", pad_url + "static/pad.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert "data-latency-ms" in script


def test_pad_app_config_names_come_from_the_contract(pad_url, http):
    status, _, body = http("GET", pad_url + "config.json")
    assert status == 200
    assert body == {
        "model": contract.MODEL_NAME,
        "signature": contract.PREDICT_IMAGE_BYTES,
        "input": contract.IMAGE_BYTES,
        "outputs": {"probabilities": contract.PROBABILITIES, "classes": contract.CLASSES},
        "labels": list(contract.CLASS_LABELS),
    }


def test_pad_app_forwards_status_and_predict_unchanged(pad_url, model_rest, mnist, http):
    path = f"v1/models/{contract.MODEL_NAME}"
    assert http("GET", pad_url + path)[2] == http("GET", f"{model_rest}/{path}")[2]
    _, (x_test, _) = mnist
    request = {
        "signature_name": contract.PREDICT_IMAGE_BYTES,
        "instances": [{contract.IMAGE_BYTES: {"b64": png_b64(x_test[i])}} for i in range(3)],
    }
    status, _, through_pad = http("POST", f"{pad_url}{path}/versions/1:predict", request)
    assert status == 200
    direct = http("POST", f"{model_rest}/{path}/versions/1:predict", request)[2]
    assert through_pad == direct
    (first, *_) = through_pad["predictions"]
    assert set(first) == set(contract.PREDICT_OUTPUTS)
    assert np.isclose(sum(first[contract.PROBABILITIES]), 1.0, atol=1e-5)


def test_pad_app_passes_model_server_errors_through(pad_url, model_rest, http):
    path = "v1/models/no_such_model:predict"
    status, _, body = http("POST", pad_url + path, {"instances": [[0]]})
    assert status == 404
    assert body == {"error": "Servable not found for request: Latest(no_such_model)"}
    assert (status, body) == http("POST", f"{model_rest}/{path}", {"instances": [[0]]})[::2]


def test_pad_app_unreachable_model_server_is_a_502_json_error(dead_pad_url, dead_rest, http):
    status, headers, body = http("GET", dead_pad_url + f"v1/models/{contract.MODEL_NAME}")
    assert status == 502 and headers["Content-Type"].startswith("application/json")
    assert body["error"].startswith(f"model server unreachable at {dead_rest}: ")


def test_pad_app_refuses_a_body_over_its_limit_and_keeps_serving(model_rest, tmp_path, http):
    with processes.pad_server(model_rest, tmp_path / "pad.log", ["--max-body-bytes=100"]) as url:
        predict = f"{url}v1/models/{contract.MODEL_NAME}:predict"
        status, _, body = http("POST", predict, {"instances": [[0] * 200]})
        assert status == 413
        assert body == {"error": "request body is larger than the pad's limit of 100 bytes"}
        assert http("GET", url + f"v1/models/{contract.MODEL_NAME}")[0] == 200


def test_pad_app_silent_model_server_is_a_504_json_error(tmp_path, http):
    # A listening socket that never answers: connections complete in its backlog.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        rest = f"http://127.0.0.1:{silent.getsockname()[1]}"
        flags = ["--upstream-timeout-seconds=0.5"]
        with processes.pad_server(rest, tmp_path / "pad.log", flags) as url:
            status, _, body = http("GET", url + f"v1/models/{contract.MODEL_NAME}")
    assert status == 504
    assert body == {"error": f"model server at {rest} did not answer within 0.5 s"}


def test_pad_cli_prints_its_url_and_exits_0_on_sigterm(dead_rest):
    process = subprocess.Popen(
        [sys.executable, "-m", "serving.pad", "--port=0", f"--rest={dead_rest}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert processes.PAD_LINE.match(line), line
        assert line.rstrip().endswith(f"(model server: {dead_rest})")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "Shutting down" in process.stdout.read()
    finally:
        process.kill()
        process.stdout.close()


def test_pad_cli_port_in_use_exits_1_with_one_line(pad_url):
    port = pad_url.rsplit(":", 1)[1].strip("/")
    result = subprocess.run(
        [sys.executable, "-m", "serving.pad", f"--port={port}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"python -m serving.pad: error: cannot listen on 127.0.0.1:{port}")
