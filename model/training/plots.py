"""PNG plots of a training run: loss and accuracy curves, the test confusion matrix, the
reliability diagram before and after calibration, and the test digits the model gets wrong.

Example:
    python -m model.training --recipe tuned --run-dir runs/demo   # writes runs/demo/*.png
"""

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers or CI.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from model import calibration  # noqa: E402


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
            ax.plot(epochs, history[f"val_{metric}"], marker="o", label="validation")
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


def plot_reliability(scores, labels, temperature, path, bins=calibration.BINS):
    """Draws the reliability diagram of softmax(scores) and of softmax(scores / temperature).

    Each bar is one confidence bin: its height is the accuracy of the predictions in it; a
    calibrated model's bars follow the diagonal.

    Args:
        scores: array [n, k] of raw network outputs on the test set.
        labels: integer array [n] of true classes.
        temperature: the fitted T.
        path: the PNG file to write.
        bins: number of equal-width confidence bins.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
    edges = np.linspace(0, 1, bins + 1)
    for ax, (title, t) in zip(
        axes, (("softmax(scores)", 1.0), (f"T = {temperature:.4f}", temperature)), strict=True
    ):
        probabilities = calibration.softmax(scores, t)
        counts, confidence, accuracy = calibration.reliability(probabilities, labels, bins)
        ece = calibration.expected_calibration_error(probabilities, labels, bins)
        ax.bar(
            edges[:-1], accuracy, width=1 / bins, align="edge", edgecolor="black", label="accuracy"
        )
        occupied = counts > 0
        ax.plot(confidence[occupied], accuracy[occupied], "o", color="C1", label="mean confidence")
        ax.plot([0, 1], [0, 1], "--", color="grey", label="calibrated")
        ax.set(xlabel="confidence (top probability)", xlim=(0, 1), ylim=(0, 1))
        ax.set_title(f"{title}: ECE {ece:.4f}")
    # The plain softmax's confidences stay below 0.5, which leaves its lower right empty.
    axes[0].legend(loc="lower right")
    axes[0].set_ylabel("accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_errors(images, labels, probabilities, path, limit=40):
    """Draws a grid of the digits the model gets wrong, most confident mistakes first, with
    true and predicted class and the probability given to the prediction.

    Args:
        images: uint8 array [n, 28, 28].
        labels: integer array [n] of true classes.
        probabilities: array [n, k] of calibrated probabilities.
        path: the PNG file to write.
        limit: most digits to draw.
    """
    predictions = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predictions != labels)
    shown = wrong[np.argsort(-probabilities[wrong, predictions[wrong]], kind="stable")][:limit]
    columns = 10
    rows = max(1, -(-len(shown) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown, strict=False):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(
            f"{labels[i]}→{predictions[i]} p={probabilities[i, predictions[i]]:.2f}", fontsize=8
        )
    fig.suptitle(
        f"{len(wrong)} of {len(labels)} test digits wrong; the {len(shown)} most confident "
        "(true→predicted, calibrated probability)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
