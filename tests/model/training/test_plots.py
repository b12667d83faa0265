"""Tests of the run plots: the confusion matrix counts and the PNG files."""

import numpy as np
from PIL import Image

from model.training.plots import (
    confusion_matrix,
    plot_confusion,
    plot_errors,
    plot_history,
    plot_reliability,
)


def test_confusion_matrix_counts_pairs():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_plots_write_png_files(tmp_path):
    history = {"loss": [0.5, 0.3], "accuracy": [0.6, 0.8], "val_loss": [0.4, 0.35]}
    history["val_accuracy"] = [0.7, 0.82]
    plot_history(history, tmp_path / "curves.png")
    plot_confusion(np.eye(10, dtype=np.int64) * 5, tmp_path / "confusion.png")
    for name in ("curves.png", "confusion.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.width > 300


def test_plot_reliability_and_errors_write_png_files(tmp_path):
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(200, 10))
    labels = rng.integers(0, 10, 200)
    plot_reliability(scores, labels, 0.5, tmp_path / "calibration.png")
    images = rng.integers(0, 256, (200, 28, 28), dtype=np.uint8)
    plot_errors(
        images,
        labels,
        np.exp(scores) / np.exp(scores).sum(1, keepdims=True),
        tmp_path / "errors.png",
    )
    for name in ("calibration.png", "errors.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.width > 600
