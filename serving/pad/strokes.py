"""A digit's pixels as pen strokes on the pad, the way a test or a demo draws it with a mouse.

Each row of the 28x28 image is traced left to right: every run of pixels at or above
`threshold` becomes one stroke from the centre of its first pixel to the centre of its
last, scaled to the pad. With the pad's round brush (about two MNIST pixels wide at the
default scale) neighbouring rows overlap, so the strokes cover the digit's bright pixels.

Example:
    python -c "from serving.pad.strokes import digit_strokes; import numpy as np; \
print(digit_strokes(np.eye(28, dtype=np.uint8) * 255, side=280)[:2])"
"""

import numpy as np

from common import contract

# Pixels at or above this (of 255) are traced: MNIST's stroke cores, not its grey rims.
DEFAULT_THRESHOLD = 128


def digit_strokes(pixels, side, threshold=DEFAULT_THRESHOLD):
    """Turns a 28x28 digit into strokes in pad coordinates.

    Args:
        pixels: uint8 [28, 28], light digit on dark, as in MNIST.
        side: the pad's side in CSS pixels; pixel (r, c) is drawn at its centre scaled
            by side / 28.
        threshold: the lowest grey level (0-255) that is traced.

    Returns:
        list of strokes, each a list of (x, y) float points from pen-down to pen-up, in
        pad coordinates (origin at the pad's top-left corner); one point is a dot.

    Raises:
        ValueError: if `pixels` is not 28x28 or `side` is not positive.
    """
    pixels = np.asarray(pixels)
    if pixels.shape != (contract.IMAGE_SIZE, contract.IMAGE_SIZE):
        raise ValueError(f"expected a 28x28 image, got shape {pixels.shape}")
    if side <= 0:
        raise ValueError(f"side must be positive, got {side}")
    scale = side / contract.IMAGE_SIZE
    strokes = []
    for row, values in enumerate(pixels >= threshold):
        # Run boundaries: +1 where a run starts, -1 just after it ends.
        edges = np.diff(np.concatenate([[0], values.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        y = (row + 0.5) * scale
        for first, last in zip(starts, ends, strict=True):
            points = [((first + 0.5) * scale, y)]
            if last > first:
                points.append(((last + 0.5) * scale, y))
            strokes.append(points)
    return strokes
