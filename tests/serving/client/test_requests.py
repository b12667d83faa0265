"""What each signature is sent, and reading its answers."""

import numpy as np
import pytest
from PIL import Image

from common import contract
from serving.client.requests import (
    RequestError,
    example_features,
    pixel_inputs,
    read_image,
    scores_by_label,
)


def test_pixel_inputs_sends_uint8_to_predict_pixels():
    pixels = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    inputs = pixel_inputs(pixels, contract.PREDICT_PIXELS)
    assert list(inputs) == [contract.IMAGES]
    assert inputs[contract.IMAGES].dtype == np.uint8
    np.testing.assert_array_equal(inputs[contract.IMAGES], pixels)


def test_pixel_inputs_scales_to_unit_floats_for_serving_default():
    pixels = np.full((1, 28, 28), 255, dtype=np.uint8)
    pixels[0, 0, 0] = 0
    images = pixel_inputs(pixels, contract.SERVING_DEFAULT)[contract.IMAGES]
    assert images.dtype == np.float32
    assert images[0, 0, 0] == 0.0 and images[0, 27, 27] == 1.0


def test_pixel_inputs_refuses_the_image_bytes_signature():
    with pytest.raises(ValueError, match=contract.PREDICT_IMAGE_BYTES):
        pixel_inputs(np.zeros((1, 28, 28)), contract.PREDICT_IMAGE_BYTES)


def test_example_features_are_flat_unit_floats():
    pixels = np.zeros((3, 28, 28), dtype=np.uint8)
    pixels[1, 0, 1] = 51
    features = example_features(pixels)
    assert features.shape == (3, contract.NUM_PIXELS) and features.dtype == np.float32
    assert features[1, 1] == pytest.approx(0.2)


def test_scores_by_label_orders_scores_by_digit():
    pairs = [(label, float(label) / 10) for label in reversed(contract.CLASS_LABELS)]
    np.testing.assert_allclose(scores_by_label(pairs), np.arange(10) / 10)


@pytest.mark.parametrize("pairs", [[("0", 1.0)], [("x", 1.0)] * 10, [1, 2, 3]])
def test_scores_by_label_refuses_incomplete_or_malformed_results(pairs):
    with pytest.raises(RequestError):
        scores_by_label(pairs)


def test_read_image_accepts_png_and_jpeg(tmp_path):
    for suffix in ("png", "jpeg"):
        path = tmp_path / f"digit.{suffix}"
        Image.new("L", (28, 28)).save(path)
        assert read_image(path) == path.read_bytes()


def test_read_image_refuses_missing_and_non_image_files(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_image(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match="not a PNG or JPEG"):
        read_image(text)
