"""Tests of the run plots: the confusion matrix counts and the PNG files."""

import numpy as np
from PIL import Image

from model.plots import confusion_matrix, plot_confusion, plot_history


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
