"""After training: fit the calibration temperature on held-out data, then touch the test set
once for the reported figures and the run's plots.

The temperature is fitted on the validation split (never the test set) and stored in the
model, so the saved model and every export carry it. The test set is scored once, with the
final model: accuracy, the origin's MSE loss, and ECE, NLL and Brier score before and after
calibration.

Example:
    python -m model.training --recipe tuned   # writes metrics.json, calibration.png, errors.png
"""

import numpy as np

from model import calibration
from model.data import scale_pixels
from model.training import plots


def predict_scores(model, images):
    """The model's raw scores for MNIST images.

    Args:
        model: a ManualMLP (or any model of float32 [n, 784] -> [n, 10]).
        images: uint8 array [n, 28, 28].

    Returns:
        float32 array [n, 10].
    """
    return model(scale_pixels(images)).numpy()


def calibrate(model, images, labels):
    """Fits the temperature on held-out data and stores it in the model.

    Args:
        model: a trained ManualMLP; its temperature is set.
        images: uint8 array [n, 28, 28] the model did not train on (the validation split).
        labels: integer array [n].

    Returns:
        float, the fitted temperature T.
    """
    temperature = calibration.fit_temperature(predict_scores(model, images), labels)
    model.set_temperature(temperature)
    return temperature


def evaluate_test(model, images, labels, run_dir):
    """Scores the test set once and draws the test plots into run_dir.

    Writes confusion.png (confusion matrix), calibration.png (reliability diagrams before and
    after the model's temperature) and errors.png (the digits it gets wrong).

    Args:
        model: the final ManualMLP, its temperature already set.
        images: uint8 array [n, 28, 28] of test images.
        labels: integer array [n] of test labels.
        run_dir: pathlib.Path of the run directory.

    Returns:
        dict with test_accuracy, test_loss (mean squared error against one-hot labels, the
        training loss) and calibration ({"bins", "before", "after"}: ECE, NLL, Brier).
    """
    scores = predict_scores(model, images)
    predictions = np.argmax(scores, axis=1)
    onehot = np.eye(scores.shape[1])[labels]
    probabilities = calibration.softmax(scores, model.temperature)
    plots.plot_confusion(plots.confusion_matrix(labels, predictions), run_dir / "confusion.png")
    plots.plot_reliability(scores, labels, model.temperature, run_dir / "calibration.png")
    plots.plot_errors(images, labels, probabilities, run_dir / "errors.png")
    return {
        "test_accuracy": float(np.mean(predictions == labels)),
        "test_loss": float(np.mean((onehot - scores) ** 2)),
        "calibration": {
            "bins": calibration.BINS,
            **calibration.calibration_metrics(scores, labels, model.temperature),
        },
    }
