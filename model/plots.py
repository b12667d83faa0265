"""PNG plots of a training run: loss and accuracy curves, and the test confusion matrix.

Example:
    python -m model.train --recipe tuned --run-dir runs/demo   # writes runs/demo/*.png
"""

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers or CI.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_history(history, path):
    """Draws loss and accuracy per epoch (train, and validation if present).

    Args:
        history: `keras.callbacks.History.history`, a dict of metric name -> list.
        path: the PNG file to write.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], marker="o", label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], marker="o", label="test")
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion_matrix(labels, predictions, num_classes=10):
    """Counts `[true, predicted]` pairs.

    Args:
        labels: integer array [n] of true classes.
        predictions: integer array [n] of predicted classes.
        num_classes: matrix size.

    Returns:
        int64 array [num_classes, num_classes].
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def plot_confusion(matrix, path):
    """Draws a confusion matrix with counts in each cell.

    Args:
        matrix: int array [k, k], rows true classes, columns predictions.
        path: the PNG file to write.
    """
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(matrix, cmap="Blues")
    k = matrix.shape[0]
    ax.set(xticks=range(k), yticks=range(k), xlabel="predicted", ylabel="true")
    ax.set_title(f"test confusion matrix (accuracy {np.trace(matrix) / matrix.sum():.4f})")
    threshold = matrix.max() / 2
    for i in range(k):
        for j in range(k):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7, color=color)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
