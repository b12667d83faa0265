"""Checks a running peer's answers against the export before any load is put on it.

The same 32 MNIST test digits are asked in the two request sizes the load uses (one
request of 32, and one of the first digit); the answers must pick the same class as
the export's `predict_pixels` called in this process and give every probability within
1e-5 of it. A peer that differs is refused, not benchmarked.

Example:
    .venv/bin/python bench/peers/run.py --peers local --cells b1c1 --seconds 2
"""

import json
import urllib.error
import urllib.request

import numpy as np

from peers import protocols

DIGITS = 32
TOLERANCE = 1e-5


class WrongAnswer(RuntimeError):
    """A peer answered, but not what the export answers; the message says how."""


def compare(expected, answered, tolerance=TOLERANCE):
    """Raises WrongAnswer unless `answered` matches `expected` row for row.

    Args:
        expected: float array [n, 10], the export's probabilities.
        answered: float array, the peer's probabilities.
        tolerance: the largest absolute difference allowed per probability.

    Returns:
        float, the largest absolute difference found.

    Raises:
        WrongAnswer: on a different shape, a different argmax or a difference over tolerance.
    """
    expected, answered = np.asarray(expected), np.asarray(answered)
    if expected.shape != answered.shape:
        raise WrongAnswer(f"answered shape {answered.shape}, expected {expected.shape}")
    classes = np.flatnonzero(expected.argmax(axis=1) != answered.argmax(axis=1))
    if classes.size:
        raise WrongAnswer(f"argmax differs for digits {classes.tolist()}")
    largest = float(np.max(np.abs(expected - answered)))
    if largest > tolerance:
        raise WrongAnswer(f"probabilities differ by up to {largest:.2e} (> {tolerance:g})")
    return largest


def ask(url, protocol, pixels, timeout=30.0):
    """POSTs one request of `pixels` and decodes the peer's probabilities.

    Args:
        url: the variant's predict URL.
        protocol: one of protocols.PROTOCOLS.
        pixels: uint8 array [n, 28, 28].
        timeout: seconds.

    Returns:
        float64 array [n, 10].

    Raises:
        WrongAnswer: on an error status or an answer without probabilities.
    """
    request = urllib.request.Request(
        url, data=protocols.body(protocol, pixels), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            answer = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode(errors="replace")
        raise WrongAnswer(f"HTTP {error.code} from {url}: {detail}") from error
    try:
        return protocols.probabilities(protocol, answer)
    except ValueError as error:
        raise WrongAnswer(str(error)) from error


def check_answers(url, protocol, digits, expected):
    """Asks the 32 digits as one request and the first alone; both must match the export.

    Args:
        url: the variant's predict URL.
        protocol: one of protocols.PROTOCOLS.
        digits: uint8 array [32, 28, 28].
        expected: the export's probabilities for `digits`, [32, 10].

    Returns:
        float, the largest absolute difference over both requests.

    Raises:
        WrongAnswer: saying which request differed and how.
    """
    largest = 0.0
    for label, rows in (("batch of 32", slice(None)), ("batch of 1", slice(0, 1))):
        try:
            answered = ask(url, protocol, digits[rows])
            largest = max(largest, compare(expected[rows], answered))
        except WrongAnswer as error:
            raise WrongAnswer(f"{label}: {error}") from error
    return largest
