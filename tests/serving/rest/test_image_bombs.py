"""Decompression bombs over REST: refused from their headers, memory bounded, server up.

Example:
    .venv/bin/pytest tests/serving/rest/test_image_bombs.py
"""

import base64
import pathlib
import zlib

import pytest

from common import contract

GOOD = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}


def rss_mb():
    status = pathlib.Path("/proc/self/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024


def black_png(side):
    """A genuine side x side black grey PNG, compressed row by row (12000: ~140 kB)."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()

    def chunk(kind, body):
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@pytest.mark.parametrize("side", [12000, 23000])
def test_image_bombs_are_refused_naming_the_limit(side, http, model_url):
    bomb = black_png(side)
    body = {
        "signature_name": contract.PREDICT_IMAGE_BYTES,
        "instances": [{"b64": base64.b64encode(bomb).decode()}],
    }
    before = rss_mb()
    status, _, answer = http("POST", model_url + ":predict", body)
    assert status == 400
    assert answer == {
        "error": f"assertion failed: [image of {side}x{side} pixels (height x width) is larger "
        "than the limit of 4194304 pixels (2048x2048)]"
    }
    # Decoded, the 23000 one would take 2 GB (RGBA) and about 21 GB as float32.
    assert rss_mb() - before < 300
    assert http("POST", model_url + ":predict", GOOD)[0] == 200
