"""Calibrated probabilities served over REST: softmax(scores / T) for every test digit.

Example:
    .venv/bin/pytest tests/serving/rest/test_calibration.py
"""

import numpy as np

from common import contract
from model import calibration
from model.data import scale_pixels


def test_calibration_holds_over_rest_for_all_test_digits(trained_model, mnist, model_url, http):
    _, (x_test, y_test) = mnist
    answers = []
    for start in range(0, len(x_test), 1000):
        body = {
            "signature_name": contract.PREDICT_PIXELS,
            "instances": x_test[start : start + 1000].tolist(),
        }
        status, _, answer = http("POST", model_url + ":predict", body)
        assert status == 200
        answers += [row[contract.PROBABILITIES] for row in answer["predictions"]]
    served = np.array(answers)
    expected = calibration.softmax(
        trained_model(scale_pixels(x_test)).numpy(), trained_model.temperature
    )
    np.testing.assert_allclose(served, expected, atol=1e-5)
    ece = calibration.expected_calibration_error(served, y_test)
    print(f"REST: accuracy {np.mean(served.argmax(1) == y_test):.4f}, ECE {ece:.4f}")
    # Uncalibrated, the MSE-trained scores are far from probabilities; fitted T brings
    # the served probabilities within this bound.
    assert ece <= 0.01
