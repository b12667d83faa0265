"""Tests of the training augmentation: shifts and turns stay within their bounds, really
happen, keep the ink, and follow the seed.

Example:
    .venv/bin/pytest tests/model/test_augment.py
"""

import numpy as np
import pytest

from model.augment import build_augmentation
from model.data import scale_pixels


def _centre_of_mass(images):
    # images: [n, 28, 28] -> [n, 2] (row, column).
    grid = np.arange(28)
    mass = images.sum(axis=(1, 2))
    rows = (images.sum(axis=2) * grid).sum(axis=1) / mass
    cols = (images.sum(axis=1) * grid).sum(axis=1) / mass
    return np.stack([rows, cols], axis=1)


def _orientation_degrees(images):
    # The principal axis of each image's ink from its second moments, in degrees.
    rows, cols = np.mgrid[0:28, 0:28]
    centre = _centre_of_mass(images)
    dr = rows[None] - centre[:, 0, None, None]
    dc = cols[None] - centre[:, 1, None, None]
    mu_rr, mu_cc = (images * dr**2).sum(axis=(1, 2)), (images * dc**2).sum(axis=(1, 2))
    mu_rc = (images * dr * dc).sum(axis=(1, 2))
    return np.degrees(0.5 * np.arctan2(2 * mu_rc, mu_cc - mu_rr))


def test_build_augmentation_off_is_none():
    assert build_augmentation(0.0, 0.0, seed=0) is None


def test_augmentation_shifts_within_bound_and_keeps_ink(mnist):
    _, (x_test, _) = mnist
    x = scale_pixels(x_test[:200])
    shifted = build_augmentation(0.08, 0.0, seed=0)(x).numpy().reshape(-1, 28, 28)
    original = x.numpy().reshape(-1, 28, 28)
    moved = np.abs(_centre_of_mass(shifted) - _centre_of_mass(original))
    # 0.08 of 28 px is 2.24 px; MNIST's 4 px margin keeps the digits inside.
    assert moved.max() <= 2.24 + 1e-3 and np.mean(moved > 1.0) > 0.2
    np.testing.assert_allclose(shifted.sum(axis=(1, 2)), original.sum(axis=(1, 2)), rtol=0.02)


def test_augmentation_turns_within_bound():
    bar = np.zeros([100, 28, 28], np.float32)
    bar[:, 13:15, 4:24] = 1.0  # a horizontal bar through the centre
    turned = build_augmentation(0.0, 0.03, seed=0)(bar.reshape(100, 784)).numpy()
    angles = np.abs(_orientation_degrees(turned.reshape(-1, 28, 28)))
    # 0.03 of a full turn is 10.8 degrees either way.
    assert angles.max() <= 10.8 + 0.5 and np.mean(angles > 3.0) > 0.4
    assert _orientation_degrees(bar[:1])[0] == pytest.approx(0.0, abs=1e-6)


def test_augmentation_follows_its_seed(mnist):
    _, (x_test, _) = mnist
    x = scale_pixels(x_test[:32])
    first = build_augmentation(0.08, 0.03, seed=5)(x).numpy()
    again = build_augmentation(0.08, 0.03, seed=5)(x).numpy()
    other = build_augmentation(0.08, 0.03, seed=6)(x).numpy()
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 0.5
