"""Tests of the after-training steps: the temperature fitted on held-out data and stored in
the model, and the one pass over the test set with its figures and plots.

Example:
    .venv/bin/pytest tests/model/test_evaluate.py
"""

import pytest

from model import ManualMLP, calibration, make_dataset
from model.data import scale_pixels
from model.training import evaluate


def test_calibrate_fits_on_given_data_and_stores_temperature(mnist):
    (x_train, y_train), _ = mnist
    model = ManualMLP(seed=0)
    x_val, y_val = x_train[-500:], y_train[-500:]
    temperature = evaluate.calibrate(model, x_val, y_val)
    scores = model(scale_pixels(x_val)).numpy()
    assert temperature == calibration.fit_temperature(scores, y_val)
    assert model.temperature == temperature


def test_evaluate_test_matches_keras_evaluate_and_writes_plots(mnist, tmp_path):
    _, (x_test, y_test) = mnist
    model = ManualMLP(seed=1)
    model.set_temperature(0.5)
    result = evaluate.evaluate_test(model, x_test[:300], y_test[:300], tmp_path)
    # The loss is the training loss (the origin's MSE), as Keras computes it.
    model.compile(optimizer="sgd")
    keras_result = model.evaluate(
        make_dataset(x_test[:300], y_test[:300]), verbose=0, return_dict=True
    )
    assert result["test_loss"] == pytest.approx(keras_result["loss"], rel=1e-5)
    assert result["test_accuracy"] == pytest.approx(keras_result["accuracy"], abs=1e-6)
    scores = model(scale_pixels(x_test[:300])).numpy()
    expected = calibration.calibration_metrics(scores, y_test[:300], 0.5)
    assert result["calibration"] == {"bins": calibration.BINS, **expected}
    assert result["calibration"]["before"] != result["calibration"]["after"]
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"confusion.png", "calibration.png", "errors.png"}
