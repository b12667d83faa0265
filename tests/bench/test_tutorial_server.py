"""The tutorial server (FastAPI + uvicorn) the benchmark compares with: it answers correctly.

Example:
    .venv/bin/pytest tests/bench/test_tutorial_server.py
"""

import asyncio

import numpy as np
import pytest
from server_process import start_tutorial_server, stop_server

from common import contract
from serving.client import connect
from serving.client.requests import RequestError, predict_pixels

# The slow tier: the tutorial server, run as a subprocess.
pytestmark = pytest.mark.slow


async def ask(url, pixels):
    async with connect(rest=url) as client:
        return await predict_pixels(client, pixels, contract.PREDICT_PIXELS)


async def ask_unknown_signature(url, pixels):
    async with connect(rest=url) as client:
        return await client.predict({contract.IMAGES: pixels}, "no_such_signature")


def test_tutorial_server_answers_the_exports_probabilities(
    exported_model, loaded_export, mnist, tmp_path
):
    _, (x_test, _) = mnist
    with open(tmp_path / "log", "w+b") as log:
        process, port = start_tutorial_server(exported_model / "1", log)
        try:
            url = f"http://127.0.0.1:{port}"
            answered = asyncio.run(ask(url, x_test[:5]))
            with pytest.raises(RequestError, match="HTTP 400"):
                asyncio.run(ask_unknown_signature(url, x_test[:1]))
        finally:
            stop_server(process)
    signature = loaded_export.signatures[contract.PREDICT_PIXELS]
    expected = signature(images=x_test[:5])[contract.PROBABILITIES].numpy()
    np.testing.assert_allclose(answered, expected, rtol=1e-6, atol=1e-7)
