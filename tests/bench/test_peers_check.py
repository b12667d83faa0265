"""The peers benchmark's answer check and request formats, on known arrays.

Example:
    .venv/bin/pytest tests/bench/test_peers_check.py -q
"""

import json

import numpy as np
import pytest
from peers import check, protocols

EXPECTED = np.array([[0.7, 0.1, 0.2] + [0.0] * 7, [0.1, 0.6, 0.3] + [0.0] * 7])


def test_compare_accepts_answers_within_tolerance():
    assert check.compare(EXPECTED, EXPECTED + 4e-6) == pytest.approx(4e-6)


def test_compare_refuses_a_different_class():
    swapped = EXPECTED[:, [1, 0, 2, 3, 4, 5, 6, 7, 8, 9]]
    with pytest.raises(check.WrongAnswer, match=r"argmax differs for digits \[0, 1\]"):
        check.compare(EXPECTED, swapped)


def test_compare_refuses_probabilities_off_by_more_than_1e_5():
    with pytest.raises(check.WrongAnswer, match="differ by up to 2.00e-05"):
        check.compare(EXPECTED, EXPECTED + 2e-5)


def test_compare_refuses_another_shape():
    with pytest.raises(check.WrongAnswer, match=r"answered shape \(1, 10\)"):
        check.compare(EXPECTED, EXPECTED[:1])


def test_v2_body_is_a_flat_uint8_tensor_with_its_shape():
    pixels = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28) % 256
    (tensor,) = json.loads(protocols.body("v2", pixels))["inputs"]
    assert (tensor["name"], tensor["shape"], tensor["datatype"]) == ("images", [2, 28, 28], "UINT8")
    assert tensor["data"][:3] == [0, 1, 2] and tensor["data"][-1] == (2 * 784 - 1) % 256


@pytest.mark.parametrize(
    ("protocol", "answer"),
    [
        ("tfs", {"outputs": {"probabilities": EXPECTED.tolist(), "classes": [0, 1]}}),
        ("kserve-v1", {"predictions": EXPECTED.tolist()}),
        ("v2", {"outputs": [{"name": "probabilities", "shape": [2, 10], "datatype": "FP32",
                             "data": EXPECTED.reshape(-1).tolist()}]}),
        ("json", {"probabilities": EXPECTED.tolist()}),
        ("json-array", EXPECTED.tolist()),
    ],
)  # fmt: skip
def test_probabilities_reads_each_protocols_answer(protocol, answer):
    np.testing.assert_array_equal(protocols.probabilities(protocol, answer), EXPECTED)


def test_probabilities_refuses_an_answer_without_them():
    with pytest.raises(ValueError, match="json answer has no probabilities"):
        protocols.probabilities("json", {"detail": "bad request"})
