"""Calibration maths: temperature scaling and the scores that say how honest probabilities are.

The network is trained with MSE against one-hot targets, so its raw scores sit near 0 and 1
and a plain softmax of them is far too soft. Temperature scaling (Guo et al., 2017) divides
the scores by one number T, fitted on held-out data by minimising the negative
log-likelihood, before the softmax; the argmax, and so the accuracy, is unchanged.

Everything here is numpy in float64 on arrays: scores [n, k] and integer labels [n].

Example:
    python -c "import model.calibration as c; print(c.fit_temperature([[1, 0]] * 4, [0, 0, 0, 1]))"
"""

import numpy as np

BINS = 15
# fit_temperature searches 1/T in this range; it returns an end when the optimum lies beyond.
INVERSE_TEMPERATURE_RANGE = (1e-4, 1e4)


def softmax(scores, temperature=1.0):
    """softmax(scores / temperature) along the last axis, computed stably.

    Args:
        scores: array [n, k] of raw network outputs.
        temperature: positive number.

    Returns:
        float64 array [n, k] whose rows sum to 1.
    """
    z = np.asarray(scores, np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def reliability(probabilities, labels, bins=BINS):
    """Bins predictions by confidence (top probability) into equal-width bins over [0, 1].

    Bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 goes to bin 0.

    Args:
        probabilities: array [n, k], rows summing to 1.
        labels: integer array [n] of true classes.
        bins: number of bins.

    Returns:
        (counts, confidence, accuracy): arrays [bins] of the number of predictions in each
        bin, their mean confidence and the fraction of them that are right (0 where empty).
    """
    probabilities = np.asarray(probabilities, np.float64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    occupied = np.maximum(counts, 1)
    mean_confidence = np.bincount(index, confidence, minlength=bins) / occupied
    accuracy = np.bincount(index, correct.astype(np.float64), minlength=bins) / occupied
    return counts, mean_confidence, accuracy


def expected_calibration_error(probabilities, labels, bins=BINS):
    """ECE: the count-weighted mean gap between accuracy and confidence over the bins.

    Args:
        probabilities: array [n, k], rows summing to 1.
        labels: integer array [n] of true classes.
        bins: number of equal-width confidence bins.

    Returns:
        float in [0, 1]; 0 for a perfectly calibrated model.
    """
    counts, confidence, accuracy = reliability(probabilities, labels, bins)
    return float(np.sum(counts * np.abs(accuracy - confidence)) / counts.sum())


def negative_log_likelihood(probabilities, labels):
    """Mean of -log p(true class).

    Args:
        probabilities: array [n, k], rows summing to 1.
        labels: integer array [n] of true classes.

    Returns:
        float >= 0 (a zero probability counts as the smallest positive float64).
    """
    probabilities = np.asarray(probabilities, np.float64)
    true = probabilities[np.arange(len(probabilities)), np.asarray(labels)]
    return float(-np.mean(np.log(np.maximum(true, np.finfo(np.float64).tiny))))


def brier_score(probabilities, labels):
    """Mean over examples of the squared distance between probabilities and the one-hot label.

    Args:
        probabilities: array [n, k], rows summing to 1.
        labels: integer array [n] of true classes.

    Returns:
        float in [0, 2]; summed over classes, as in Brier (1950).
    """
    probabilities = np.asarray(probabilities, np.float64)
    onehot = np.eye(probabilities.shape[1])[np.asarray(labels)]
    return float(np.mean(np.sum((probabilities - onehot) ** 2, axis=1)))


def fit_temperature(scores, labels):
    """The temperature T that minimises the NLL of softmax(scores / T) on (scores, labels).

    With b = 1/T the NLL is convex in b and its derivative, mean(E_p[s] - s_true), grows with
    b, so the optimum is found by bisecting that derivative's sign (on log b).

    Args:
        scores: array [n, k] of raw network outputs on held-out data.
        labels: integer array [n] of true classes.

    Returns:
        float T > 0 (within INVERSE_TEMPERATURE_RANGE).
    """
    scores = np.asarray(scores, np.float64)
    true_scores = scores[np.arange(len(scores)), np.asarray(labels)]

    def slope(log_b):
        p = softmax(scores, 1.0 / np.exp(log_b))
        return np.mean(np.sum(p * scores, axis=1) - true_scores)

    low, high = np.log(INVERSE_TEMPERATURE_RANGE)
    if slope(low) >= 0:
        return float(1.0 / INVERSE_TEMPERATURE_RANGE[0])
    if slope(high) <= 0:
        return float(1.0 / INVERSE_TEMPERATURE_RANGE[1])
    for _ in range(60):  # 60 halvings of a log range of 18.4: far below float32 precision.
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) < 0 else (low, middle)
    return float(1.0 / np.exp((low + high) / 2))


def calibration_metrics(scores, labels, temperature, bins=BINS):
    """ECE, NLL and Brier score of softmax(scores) and of softmax(scores / temperature).

    Args:
        scores: array [n, k] of raw network outputs.
        labels: integer array [n] of true classes.
        temperature: the fitted T.
        bins: ECE bins.

    Returns:
        {"before": {"ece", "nll", "brier"}, "after": {...}}, floats.
    """
    result = {}
    for name, t in (("before", 1.0), ("after", temperature)):
        p = softmax(scores, t)
        result[name] = {
            "ece": expected_calibration_error(p, labels, bins),
            "nll": negative_log_likelihood(p, labels),
            "brier": brier_score(p, labels),
        }
    return result
