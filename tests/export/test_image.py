"""The image-bytes rule: unit cases with known answers, and MNIST digits sent as files
through the exported `predict_image_bytes` signature against the pixel path.

Example:
    .venv/bin/pytest tests/export/test_image.py
"""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from common import contract
from export import image

REDRAW_SAMPLE = 200
CANVAS_SIZE = (200, 160)  # PIL order: width, height.
INK = (20, 30, 120)
PAPER = (250, 245, 220)


def _encode(array, image_format, **options):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, image_format, **options)
    return buffer.getvalue()


def _fit(files):
    return image.fit_images(tf.constant(files)).numpy()


def _classes(loaded_export, signature, key, values):
    outputs = loaded_export.signatures[signature](**{key: tf.constant(values)})
    return outputs[contract.CLASSES].numpy()


def _redraw(pixels, rng):
    # A 28x28 digit drawn dark-on-light, scaled 3-5x, put at a random place on a larger canvas;
    # half of them in colour (dark blue ink on cream paper).
    scale = int(rng.integers(3, 6))
    side = contract.IMAGE_SIZE * scale
    digit = Image.fromarray(255 - pixels).resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("L", CANVAS_SIZE, 255)
    corner = (
        int(rng.integers(0, CANVAS_SIZE[0] - side + 1)),
        int(rng.integers(0, CANVAS_SIZE[1] - side + 1)),
    )
    canvas.paste(digit, corner)
    if rng.random() < 0.5:
        return _encode(np.asarray(canvas), "PNG")
    grey = np.asarray(canvas, np.float32)[..., None] / 255.0
    colour = np.array(PAPER) * grey + np.array(INK) * (1.0 - grey)
    return _encode(colour.round().astype(np.uint8), "PNG")


def redrawn_sample(x_test):
    """The redrawn-digit test's sample (also measured by bench/quality.py).

    Args:
        x_test: uint8 array [10000, 28, 28], the MNIST test images.

    Returns:
        (pixels, files): REDRAW_SAMPLE test digits, uint8 [n, 28, 28], chosen with a fixed
        seed, and each one redrawn as a PNG file's bytes.
    """
    rng = np.random.default_rng(2024)
    sample = x_test[rng.choice(len(x_test), REDRAW_SAMPLE, replace=False)]
    return sample, [_redraw(pixels, rng) for pixels in sample]


def test_image_mnist_size_is_used_as_is(mnist):
    _, (x_test, _) = mnist
    fitted = _fit([_encode(x, "PNG") for x in x_test[:50]])
    np.testing.assert_allclose(fitted, x_test[:50] / 255.0, atol=1e-6, rtol=0)


def test_image_light_background_is_inverted(mnist):
    _, (x_test, _) = mnist
    fitted = _fit([_encode(255 - x, "PNG") for x in x_test[:50]])
    np.testing.assert_allclose(fitted, x_test[:50] / 255.0, atol=1e-6, rtol=0)


def test_image_transparent_canvas_counts_as_light(mnist):
    _, (x_test, _) = mnist
    # Black ink whose opacity is the digit; fully transparent elsewhere.
    rgba = np.zeros([*x_test[0].shape, 4], np.uint8)
    rgba[..., 3] = x_test[0]
    (fitted,) = _fit([_encode(rgba, "PNG")])
    np.testing.assert_allclose(fitted, x_test[0] / 255.0, atol=1e-6, rtol=0)


def test_image_large_digit_box_is_scaled_to_20_and_centred():
    canvas = np.zeros([120, 90], np.uint8)
    canvas[10:70, 50:80] = 255  # a 60x30 bar, off-centre
    (fitted,) = _fit([_encode(canvas, "PNG")])
    rows = np.flatnonzero((fitted > 0.5).any(axis=1))
    cols = np.flatnonzero((fitted > 0.5).any(axis=0))
    assert (len(rows), len(cols)) == (image.BOX_SIZE, image.BOX_SIZE // 2)
    # Centre of mass on pixel (14, 14), as MNIST placed its digits.
    centre = [np.sum(np.arange(28) * fitted.sum(axis=1 - a)) / fitted.sum() for a in (0, 1)]
    np.testing.assert_allclose(centre, [contract.IMAGE_SIZE // 2] * 2, atol=0.5)


def test_image_blank_image_is_black():
    (fitted,) = _fit([_encode(np.full([64, 64], 255, np.uint8), "JPEG")])
    np.testing.assert_array_equal(fitted, np.zeros([contract.IMAGE_SIZE, contract.IMAGE_SIZE]))


def test_image_rejects_non_image_bytes():
    with pytest.raises(tf.errors.InvalidArgumentError):
        _fit([b"not an image"])


def test_image_png_digits_match_pixel_path(mnist, loaded_export):
    _, (x_test, _) = mnist
    pixel_classes = _classes(loaded_export, contract.PREDICT_PIXELS, contract.IMAGES, x_test)
    files = [_encode(x, "PNG") for x in x_test]
    file_classes = _classes(
        loaded_export, contract.PREDICT_IMAGE_BYTES, contract.IMAGE_BYTES, files
    )
    np.testing.assert_array_equal(file_classes, pixel_classes)


def test_image_jpeg_digits_nearly_match_pixel_path(mnist, loaded_export):
    _, (x_test, _) = mnist
    pixel_classes = _classes(loaded_export, contract.PREDICT_PIXELS, contract.IMAGES, x_test)
    files = [_encode(x, "JPEG", quality=75) for x in x_test]
    file_classes = _classes(
        loaded_export, contract.PREDICT_IMAGE_BYTES, contract.IMAGE_BYTES, files
    )
    agreement = np.mean(file_classes == pixel_classes)
    print(f"JPEG agreement with the pixel path: {agreement:.4f} of {len(x_test)}")
    # Not 1: JPEG's 8x8 blocks blur the thin strokes of a few digits.
    assert agreement >= 0.985


def test_image_redrawn_digits_match_their_originals(mnist, loaded_export):
    _, (x_test, _) = mnist
    sample, files = redrawn_sample(x_test)
    original = _classes(loaded_export, contract.PREDICT_PIXELS, contract.IMAGES, sample)
    redrawn = _classes(loaded_export, contract.PREDICT_IMAGE_BYTES, contract.IMAGE_BYTES, files)
    agreement = np.mean(redrawn == original)
    print(f"redrawn agreement with the originals: {agreement:.3f} of {REDRAW_SAMPLE}")
    assert agreement >= 0.95
