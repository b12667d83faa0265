"""The pixel budget read from image headers, in the graph and through the exported signature.

Example:
    .venv/bin/pytest tests/export/test_image_size.py
"""

import io
import struct
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from common import contract
from export import image_size


def encode(array, image_format):
    """An image file of `array`'s pixels, e.g. encode(np.zeros((5, 7), np.uint8), "PNG")."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, image_format)
    return buffer.getvalue()


def png_bomb(height, width):
    """A small grey PNG whose header declares height x width (its data is one short row)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    data = zlib.compress(b"\0" * (width + 1))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def jpeg_bomb(height, width):
    """A real 8x8 JPEG whose frame header is rewritten to declare height x width."""
    data = bytearray(encode(np.zeros((8, 8), np.uint8), "JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_image_size_declared_size_reads_png_and_jpeg_headers():
    assert list(image_size.declared_size(encode(np.zeros((30, 50), np.uint8), "PNG"))) == [30, 50]
    rgb = np.zeros((31, 17, 3), np.uint8)
    assert list(image_size.declared_size(encode(rgb, "JPEG"))) == [31, 17]
    assert list(image_size.declared_size(png_bomb(23000, 23000))) == [23000, 23000]
    assert list(image_size.declared_size(jpeg_bomb(13000, 13000))) == [13000, 13000]
    assert list(image_size.declared_size(b"GIF89a")) == [0, 0]
    assert list(image_size.declared_size(b"")) == [0, 0]


@pytest.mark.parametrize(
    "bomb", [png_bomb(23000, 23000), jpeg_bomb(13000, 13000), png_bomb(2049, 2048)]
)
def test_image_size_export_refuses_images_over_the_budget(loaded_export, bomb):
    signature = loaded_export.signatures[contract.PREDICT_IMAGE_BYTES]
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the limit of 4194304"):
        signature(**{contract.IMAGE_BYTES: tf.constant([bomb])})


def test_image_size_export_accepts_the_largest_allowed_image(loaded_export):
    # A light 7-like stroke on a 2048x2048 canvas: at the limit, so decoded and answered.
    canvas = np.zeros((2048, 2048), np.uint8)
    canvas[400:500, 300:1700] = 255
    canvas[500:1800, 1500:1600] = 255
    signature = loaded_export.signatures[contract.PREDICT_IMAGE_BYTES]
    outputs = signature(**{contract.IMAGE_BYTES: tf.constant([encode(canvas, "PNG")])})
    assert outputs[contract.PROBABILITIES].shape == (1, 10)
    assert image_size.MAX_PIXELS == 2048 * 2048
