"""`digit_strokes`: a digit's bright pixels as pen strokes scaled to the pad.

Example:
    .venv/bin/pytest tests/serving/pad/test_pad_strokes.py
"""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from serving.pad.strokes import DEFAULT_THRESHOLD, digit_strokes


def test_digit_strokes_trace_each_row_run_between_pixel_centres():
    pixels = np.zeros((28, 28), np.uint8)
    pixels[3, 5:9] = 255  # one run of four
    pixels[10, 2] = 200  # a single pixel: a dot
    pixels[10, 20:22] = DEFAULT_THRESHOLD - 1  # too dim to trace
    strokes = digit_strokes(pixels, side=280)
    assert strokes == [[(55.0, 35.0), (85.0, 35.0)], [(25.0, 105.0)]]


def test_digit_strokes_drawn_with_the_pad_brush_cover_the_digit(mnist):
    # The pad's brush is 1/14 of its side: draw the strokes as the page would.
    _, (x_test, _) = mnist
    side = 280
    for pixels in x_test[:20]:
        image = Image.new("L", (side, side))
        pen = ImageDraw.Draw(image)
        radius = side / 14 / 2
        for stroke in digit_strokes(pixels, side):
            pen.line(stroke + stroke[-1:], fill=255, width=round(2 * radius))
            for x, y in (stroke[0], stroke[-1]):
                pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
        drawn = np.asarray(image.resize((28, 28), Image.Resampling.BOX)) > 127
        assert np.all(drawn[pixels >= DEFAULT_THRESHOLD])
        # The round brush restores about the grey rim the threshold dropped, no more.
        assert drawn.sum() <= 1.3 * (pixels > 0).sum()


@pytest.mark.parametrize(("shape", "side"), [((28, 27), 280), ((28, 28), 0)])
def test_digit_strokes_refuse_a_wrong_shape_or_side(shape, side):
    with pytest.raises(ValueError):
        digit_strokes(np.zeros(shape, np.uint8), side)
