"""Batching: concurrent requests to one signature run as one batch, each gets its own rows.

Batch formation is asserted on the scheduler's counters, never on timing: with a long
batch timeout a batch runs only once it is full, so N concurrent tasks of one row and a
max_batch_size of N make exactly one batch.

Example:
    .venv/bin/pytest tests/serving/batching
"""

import asyncio
import concurrent.futures

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract
from serving.batching import BatchingOptions, BatchScheduler
from serving.errors import ServingError, invalid_argument

LONG_TIMEOUT = 60_000_000  # microseconds: batches below run because they are full


class Recorder:
    """Doubles its input, remembering the size of every batch it was given."""

    def __init__(self):
        self.batch_sizes = []

    def __call__(self, inputs):
        x = inputs["x"]
        self.batch_sizes.append(len(x))
        if (x < 0).any():
            raise invalid_argument("negative input")
        return {"y": x * 2}


def run_concurrently(scheduler, function, values):
    """Awaits one `scheduler.run` per value at once; returns each result or its exception."""

    async def call_all():
        calls = [scheduler.run("key", function, {"x": np.array(v, np.float32)}) for v in values]
        return await asyncio.gather(*calls, return_exceptions=True)

    return asyncio.run(call_all())


@pytest.fixture
def make_scheduler():
    schedulers = []

    def make(**options):
        scheduler = BatchScheduler(BatchingOptions(num_batch_threads=1, **options))
        scheduler.start()
        schedulers.append(scheduler)
        return scheduler

    yield make
    for scheduler in schedulers:
        scheduler.stop()


def test_batching_merges_concurrent_tasks_and_splits_outputs(make_scheduler):
    scheduler = make_scheduler(max_batch_size=8, batch_timeout_micros=LONG_TIMEOUT)
    recorder = Recorder()
    results = run_concurrently(scheduler, recorder, [[float(i)] for i in range(8)])
    assert recorder.batch_sizes == [8]
    assert (scheduler.batches_run, scheduler.tasks_run) == (1, 8)
    assert [r["y"].tolist() for r in results] == [[2.0 * i] for i in range(8)]


def test_batching_pads_to_an_allowed_size_and_drops_the_padding(make_scheduler):
    scheduler = make_scheduler(max_batch_size=8, allowed_batch_sizes=(4, 8))
    recorder = Recorder()
    (result,) = run_concurrently(scheduler, recorder, [[1.0, 2.0, 3.0]])
    assert recorder.batch_sizes == [4]
    assert result["y"].tolist() == [2.0, 4.0, 6.0]


def test_batching_bad_task_fails_alone(make_scheduler):
    scheduler = make_scheduler(max_batch_size=4, batch_timeout_micros=LONG_TIMEOUT)
    recorder = Recorder()
    results = run_concurrently(scheduler, recorder, [[1.0], [-1.0], [3.0], [4.0]])
    assert recorder.batch_sizes == [4, 1, 1, 1, 1]  # the merged batch, then each task alone
    assert isinstance(results[1], ServingError) and results[1].message == "negative input"
    assert [results[i]["y"].tolist() for i in (0, 2, 3)] == [[2.0], [6.0], [8.0]]


def test_batching_refuses_tasks_over_the_max_batch_size(make_scheduler):
    scheduler = make_scheduler(max_batch_size=2)
    (result,) = run_concurrently(scheduler, Recorder(), [[0.0, 0.0, 0.0]])
    assert isinstance(result, ServingError)
    assert result.message == "Task size 3 is larger than maximum input batch size 2"


def grpc_predict_classes(stub, pixels):
    """Sends uint8 digits [n, 28, 28] to predict_pixels over gRPC; returns their classes."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(pixels))
    return list(stub.Predict(request, timeout=120).outputs[contract.CLASSES].int64_val)


def batching_server(make_server, exported_model, tmp_path, batch_size, **overrides):
    """A built server that batches up to `batch_size` calls on one batch thread.

    The long timeout means a batch runs only once `batch_size` calls have arrived.
    """
    parameters = tmp_path / "batching.config"
    parameters.write_text(
        f"max_batch_size {{ value: {batch_size} }}\n"
        f"batch_timeout_micros {{ value: {LONG_TIMEOUT} }}\n"
        "num_batch_threads { value: 1 }\n"
    )
    return make_server(
        model_base_path=str(exported_model),
        enable_batching=True,
        batching_parameters_file=str(parameters),
        **overrides,
    )


def test_batching_server_merges_concurrent_grpc_requests(
    make_server, exported_model, loaded_export, tmp_path, mnist
):
    concurrency = 8
    _, (x_test, _) = mnist
    with batching_server(make_server, exported_model, tmp_path, concurrency) as server:
        channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

        def predict(index):
            return grpc_predict_classes(stub, x_test[index : index + 1])

        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            batched = list(pool.map(predict, range(concurrency)))
        scheduler = server.batch_scheduler
        assert (scheduler.batches_run, scheduler.tasks_run) == (1, concurrency)
        channel.close()
    signature = loaded_export.signatures[contract.PREDICT_PIXELS]
    scores = signature(**{contract.IMAGES: tf.constant(x_test[:concurrency])})[contract.SCORES]
    assert batched == [[int(c)] for c in np.argmax(scores.numpy(), 1)]


@pytest.mark.parametrize("api", ["grpc", "rest"])
def test_batching_server_batches_more_calls_than_it_has_threads(
    api, make_server, exported_model, tmp_path, mnist, http
):
    # One API thread: a call waiting for its batch must hold none, or 8 calls never meet.
    concurrency = 8
    server = batching_server(
        make_server, exported_model, tmp_path, concurrency,
        grpc_max_threads=1, rest_api_num_threads=1,
    )  # fmt: skip
    _, (x_test, _) = mnist
    with server:
        channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/{contract.MODEL_NAME}:predict"

        def predict(index):
            pixels = x_test[index : index + 1]
            if api == "rest":
                body = {"signature_name": contract.PREDICT_PIXELS, "inputs": pixels.tolist()}
                status, _, reply = http("POST", url, body)
                assert status == 200, reply
                return reply["outputs"][contract.CLASSES]
            return grpc_predict_classes(stub, pixels)

        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            classes = list(pool.map(predict, range(concurrency)))
        scheduler = server.batch_scheduler
        assert (scheduler.batches_run, scheduler.tasks_run) == (1, concurrency)
        channel.close()
    assert len(classes) == concurrency and all(len(c) == 1 for c in classes)
