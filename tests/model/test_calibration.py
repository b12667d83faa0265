"""Tests of the calibration maths against hand-computed answers, and of temperature scaling
on the session's trained model with held-out data (over REST: tests/serving/rest).

Example:
    .venv/bin/pytest tests/model/test_calibration.py
"""

import math

import numpy as np
import pytest

from model import calibration
from model.data import scale_pixels

# Confidences 0.95, 0.75, 0.7, 0.55; predictions 0, 0, 1, 0; the second one is wrong.
PROBABILITIES = np.array([[0.95, 0.05], [0.75, 0.25], [0.3, 0.7], [0.55, 0.45]])
LABELS = np.array([0, 1, 1, 0])


def test_softmax_divides_scores_by_temperature():
    scores = np.array([[0.0, math.log(3.0)]])
    np.testing.assert_allclose(calibration.softmax(scores), [[0.25, 0.75]], rtol=1e-12)
    # T = 1/2 doubles the log-ratio: 3^2 = 9 to 1.
    np.testing.assert_allclose(calibration.softmax(scores, 0.5), [[0.1, 0.9]], rtol=1e-12)
    np.testing.assert_allclose(calibration.softmax([[1000.0, 0.0]]), [[1.0, 0.0]])


def test_reliability_bins_by_confidence():
    counts, confidence, accuracy = calibration.reliability(PROBABILITIES, LABELS, bins=5)
    np.testing.assert_array_equal(counts, [0, 0, 1, 2, 1])
    np.testing.assert_allclose(confidence, [0, 0, 0.55, 0.725, 0.95])
    np.testing.assert_allclose(accuracy, [0, 0, 1.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "bins, expected",
    [
        # Bins (0.4, 0.6], (0.6, 0.8], (0.8, 1]: (|1 - .55| + 2 |.5 - .725| + |1 - .95|) / 4.
        (5, 0.2375),
        # 15 bins put each prediction alone: (.05 + .75 + .3 + .45) / 4.
        (15, 0.3875),
    ],
)
def test_expected_calibration_error_hand_computed(bins, expected):
    ece = calibration.expected_calibration_error(PROBABILITIES, LABELS, bins)
    assert ece == pytest.approx(expected, abs=1e-12)


def test_negative_log_likelihood_hand_computed():
    # -(ln .95 + ln .25 + ln .7 + ln .55) / 4
    nll = calibration.negative_log_likelihood(PROBABILITIES, LABELS)
    assert nll == pytest.approx(0.5980249000504485, abs=1e-12)
    assert calibration.negative_log_likelihood([[1.0, 0.0]], [1]) == pytest.approx(708.396, 1e-5)


def test_brier_score_hand_computed():
    # (2 * .05^2 + 2 * .75^2 + 2 * .3^2 + 2 * .45^2) / 4 = (.005 + 1.125 + .18 + .405) / 4
    assert calibration.brier_score(PROBABILITIES, LABELS) == pytest.approx(0.42875, abs=1e-12)


def test_fit_temperature_matches_closed_form():
    # Equal two-class scores [1, 0], right 3 times in 4: the best p is sigmoid(1 / T) = 3/4,
    # so T = 1 / ln 3.
    temperature = calibration.fit_temperature([[1.0, 0.0]] * 4, [0, 0, 0, 1])
    assert temperature == pytest.approx(1 / math.log(3.0), rel=1e-9)
    # Scores twice as large need a temperature twice as large for the same probabilities.
    doubled = calibration.fit_temperature([[2.0, 0.0]] * 4, [0, 0, 0, 1])
    assert doubled == pytest.approx(2 / math.log(3.0), rel=1e-9)


def test_fit_temperature_stops_at_range_end_when_all_right():
    # Always right: the NLL keeps falling as T -> 0, so the search returns its smallest T.
    temperature = calibration.fit_temperature([[1.0, 0.0], [0.0, 1.0]], [0, 1])
    assert temperature == pytest.approx(1 / calibration.INVERSE_TEMPERATURE_RANGE[1])


def test_calibration_metrics_at_unit_temperature_are_unchanged():
    scores = np.log(PROBABILITIES)
    result = calibration.calibration_metrics(scores, LABELS, 1.0, bins=5)
    assert result["before"] == pytest.approx(result["after"])
    assert result["before"]["ece"] == pytest.approx(0.2375)
    assert result["before"]["brier"] == pytest.approx(0.42875)


def test_calibration_lowers_nll_on_held_out_data(trained_model, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    # The session's model never trained on the last 5,000 training digits.
    held_out = trained_model(scale_pixels(x_train[-5000:])).numpy()
    temperature = calibration.fit_temperature(held_out, y_train[-5000:])
    test_scores = trained_model(scale_pixels(x_test)).numpy()
    result = calibration.calibration_metrics(test_scores, y_test, temperature)
    print(f"T {temperature:.4f}: {result}")
    # MSE-trained scores are near 0 and 1, so the fitted T is far below 1.
    assert 0.05 < temperature < 0.5
    assert result["after"]["nll"] < result["before"]["nll"] / 5
    assert result["after"]["ece"] < result["before"]["ece"] / 10
    assert result["after"]["brier"] < result["before"]["brier"]
