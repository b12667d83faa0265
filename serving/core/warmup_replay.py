"""Replays a version's warmup requests before it serves, as TF Serving does at load.

`assets.extra/tf_serving_warmup_requests` is a TFRecord file of PredictionLog protos (at
most 1000). Each predict or classify request in it runs through the same steps a client
request takes, so every signature is traced and ready before the first real request;
a record that fails fails the version's load. The replay logs TF Serving's own lines
(saved_model_warmup_util.cc), which its warmup guide tells users to look for.

Example:
    python -c "from serving.core import Servable, replay_warmup; \
print(replay_warmup(Servable('mnist', 1, 'serving/models/mnist/1')))"
"""

import asyncio
import logging
import time

import grpc
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from common import contract
from serving.codecs.tf_example import serialize_input
from serving.core import example_apis, inference
from serving.errors import ServingError, invalid_argument

MAX_WARMUP_RECORDS = 1000
log = logging.getLogger(__name__)


def replay_warmup(servable, iterations=0):
    """Runs every warmup record of a servable's version directory.

    Args:
        servable: a freshly loaded Servable.
        iterations: how many times each record runs (`--num_request_iterations_for_warmup`);
            0, the flag's default, means once.

    Returns:
        The number of records replayed (0 when the version has no warmup file).

    Raises:
        ServingError: naming the record that could not be read or run.
    """
    path = servable.path / contract.ASSETS_EXTRA / contract.WARMUP_FILE
    if not path.is_file():
        log.info("No warmup data file found at %s", path)
        return 0
    # ModelWarmupOptions' DebugString: the field is set only by a positive flag.
    options = f"num_request_iterations {{\n  value: {iterations}\n}}\n" if iterations > 0 else ""
    log.info(
        "Starting to read warmup data for model at %s with model-warmup-options %s", path, options
    )
    start = time.monotonic()
    # One private event loop for the whole file: the records take a client's async path.
    count = asyncio.run(_replay_file(servable, path, max(iterations, 1)))
    log.info(
        "Finished reading warmup data for model at %s. Number of warmup records read: %d. "
        "Elapsed time (microseconds): %d.",
        path,
        count,
        round((time.monotonic() - start) * 1e6),
    )
    return count


async def _replay_file(servable, path, iterations):
    count = 0
    try:
        for record in tf.data.TFRecordDataset(str(path)):
            if count == MAX_WARMUP_RECORDS:
                raise invalid_argument(
                    f"Number of warmup records exceeds the maximum ({MAX_WARMUP_RECORDS}) in {path}"
                )
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            for _ in range(iterations):
                await _replay(servable, log)
            count += 1
    except tf.errors.OpError as error:
        raise ServingError(
            grpc.StatusCode.DATA_LOSS,
            f"Unreadable warmup record {count} in {path}: {error.message}",
        ) from error
    except ServingError as error:
        raise ServingError(
            error.code, f"Warmup record {count} in {path} failed: {error.message}"
        ) from error
    return count


async def _replay(servable, log):
    # The path a client request takes, on a servable that does not batch yet.
    kind = log.WhichOneof("log_type")
    if kind == "predict_log":
        request = log.predict_log.request
        await inference.predict(
            servable, request.model_spec.signature_name, dict(request.inputs),
            request.output_filter,
        )  # fmt: skip
    elif kind in ("classify_log", "regress_log"):
        request = getattr(log, kind).request
        api = example_apis.CLASSIFY if kind == "classify_log" else example_apis.REGRESS
        examples = serialize_input(request.input)
        await example_apis.run(servable, api, request.model_spec.signature_name, examples)
    elif kind == "multi_inference_log":
        request = log.multi_inference_log.request
        examples = serialize_input(request.input)
        await example_apis.multi_inference(servable, request.tasks, examples)
    else:
        raise ServingError(
            grpc.StatusCode.UNIMPLEMENTED, f"Unsupported log_type for warmup: {kind}"
        )
