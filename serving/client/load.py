"""Concurrent request load with latency statistics, and the MNIST evaluation built on it.

`run_load` keeps at most `concurrency` requests in flight and times each one;
`evaluate` sends test-set digits through it and computes the error rate the way
TF Serving's own mnist_client does (a failed request counts its digits as errors).

Example:
    python -m serving.client evaluate --grpc 127.0.0.1:8500 --num-tests 1000 --concurrency 8
"""

import asyncio
import dataclasses
import time

import numpy as np

from common import contract
from serving.client.requests import RequestError, predict_pixels


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """What one load run measured.

    Attributes:
        results: each job's return value in job order; None where the request failed.
        failures: the error message of each failed request.
        latencies: seconds per completed request (failed ones included), in finishing order.
        seconds: wall time of the whole run.
    """

    results: list
    failures: list
    latencies: np.ndarray
    seconds: float

    def __repr__(self):
        # Short: Python 3.11's asyncio.run formats its main task, result included, when it
        # restores the SIGINT handler, and the full arrays took seconds to print.
        return (
            f"LoadResult({len(self.latencies)} requests, {len(self.failures)} failed, "
            f"{self.seconds:.2f} s)"
        )

    @property
    def requests_per_second(self):
        """Requests completed per second of wall time."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q):
        """The q-th percentile of request latency, in milliseconds (NaN if nothing ran)."""
        return float(np.percentile(self.latencies, q) * 1e3) if len(self.latencies) else np.nan


async def run_load(call, jobs, concurrency):
    """Runs `await call(job)` for every job with at most `concurrency` in flight.

    Args:
        call: async function of one job; a RequestError marks that request failed.
        jobs: sequence of job arguments.
        concurrency: number of concurrent workers (at least 1).

    Returns:
        A LoadResult.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    results, failures, latencies = [None] * len(jobs), [], []
    pending = iter(range(len(jobs)))

    async def worker():
        # Workers share one iterator; asyncio runs one at a time, so each index goes once.
        for index in pending:
            start = time.perf_counter()
            try:
                results[index] = await call(jobs[index])
            except RequestError as error:
                failures.append(str(error))
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, max(len(jobs), 1)))))
    return LoadResult(results, failures, np.array(latencies), time.perf_counter() - start)


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """An evaluation's outcome: error rate, predicted digits and the load measurements.

    Attributes:
        error_rate: fraction of digits misclassified or lost to failed requests.
        predictions: predicted digit per test image, -1 where its request failed.
        load: the LoadResult of the requests.
    """

    error_rate: float
    predictions: np.ndarray
    load: LoadResult


async def evaluate(
    client, images, labels, concurrency=1, batch_size=1, signature=contract.PREDICT_PIXELS
):
    """Classifies test digits through a server and scores the answers.

    Args:
        client: an opened RestClient or GrpcClient.
        images: uint8 array [n, 28, 28].
        labels: int array [n], the true digits.
        concurrency: requests in flight at once.
        batch_size: digits per request.
        signature: one of signature_io.PIXEL_SIGNATURES.

    Returns:
        An Evaluation.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    batches = [(start, start + batch_size) for start in range(0, len(images), batch_size)]

    async def call(bounds):
        return await predict_pixels(client, images[bounds[0] : bounds[1]], signature)

    load = await run_load(call, batches, concurrency)
    predictions = np.full(len(images), -1, dtype=np.int64)
    for (start, stop), probabilities in zip(batches, load.results, strict=True):
        if probabilities is not None:
            predictions[start:stop] = np.argmax(probabilities, axis=1)
    error_rate = float(np.mean(predictions != np.asarray(labels))) if len(images) else 0.0
    return Evaluation(error_rate, predictions, load)
