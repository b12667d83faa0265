"""Tests of serving/load.py: bounded concurrency, latency bookkeeping and error-rate scoring."""

import asyncio

import numpy as np
import pytest

from common import contract
from serving.client.load import evaluate, run_load
from serving.client.requests import RequestError


def test_run_load_never_exceeds_concurrency_and_keeps_job_order():
    in_flight, peak = 0, 0

    async def call(job):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001 * (job % 3))
        in_flight -= 1
        return job * 2

    result = asyncio.run(run_load(call, list(range(40)), concurrency=4))
    assert peak == 4
    assert result.results == [job * 2 for job in range(40)]
    assert len(result.latencies) == 40 and not result.failures
    assert result.requests_per_second > 0


def test_run_load_records_failures_and_goes_on():
    async def call(job):
        if job % 5 == 0:
            raise RequestError(f"job {job} refused")
        return job

    result = asyncio.run(run_load(call, list(range(10)), concurrency=3))
    assert sorted(result.failures) == ["job 0 refused", "job 5 refused"]
    assert result.results[0] is None and result.results[1] == 1
    assert len(result.latencies) == 10


def test_run_load_percentiles_are_in_milliseconds():
    async def call(job):
        await asyncio.sleep(0.01)

    result = asyncio.run(run_load(call, [0, 1], concurrency=1))
    assert 10 <= result.percentile_ms(50) < 1000


def test_run_load_rejects_zero_concurrency():
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(run_load(None, [1], concurrency=0))


class GuessingClient:
    """Answers predict_pixels with digit (top-left pixel % 10); refuses images marked 255."""

    def __init__(self):
        self.batch_sizes = []

    async def predict(self, inputs, signature):
        images = inputs[contract.IMAGES]
        self.batch_sizes.append(len(images))
        if (images[:, 0, 1] == 255).any():
            raise RequestError("refused")
        return {contract.PROBABILITIES: np.eye(10)[images[:, 0, 0] % 10]}


def test_evaluate_scores_answers_and_counts_failed_digits_as_errors():
    images = np.zeros((10, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(10)
    labels = np.arange(10)
    labels[3] = 0  # one wrong answer
    images[8, 0, 1] = 255  # one refused batch: digits 8 and 9 with batch size 2
    client = GuessingClient()
    result = asyncio.run(evaluate(client, images, labels, concurrency=2, batch_size=2))
    assert client.batch_sizes == [2] * 5
    assert result.error_rate == pytest.approx(0.3)
    np.testing.assert_array_equal(result.predictions, [0, 1, 2, 3, 4, 5, 6, 7, -1, -1])
    assert result.load.failures == ["refused"]
