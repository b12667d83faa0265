"""The interpreters behind a TfLiteServable: one tf.lite.Interpreter each, and the task splitter.

`Interpreter` runs a model as TfLiteSession's interpreter wrapper does: single-threaded,
each input resized (and the tensors reallocated) when a request's shape differs from the one
it holds. `Splitter` is TfLiteSession's scheduler with `--num_tflite_interpreters_per_pool`
> 1: a task of at most MAX_TASK_ROWS rows is cut into chunks (`chunk_rows`) that run on the
interpreters at once.

Example:
    python -m serving.server --model_name=mnist --model_base_path=serving/models/mnist \
        --prefer_tflite_model=true --num_tflite_interpreters_per_pool=2
"""

import concurrent.futures
import math
import threading
import warnings

import grpc
import numpy as np
import tensorflow as tf

from serving.errors import ServingError, invalid_argument

MAX_TASK_ROWS = 500  # TfLiteSession's kInitialBatchSize: the scheduler's largest task
QUEUED_CHUNKS_PER_INTERPRETER = 100


class Interpreter:
    """A tf.lite.Interpreter and the shape each of its inputs is allocated for."""

    def __init__(self, model_bytes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its deprecation notice, once per interpreter
            self.interpreter = tf.lite.Interpreter(model_content=model_bytes, num_threads=1)
        self.interpreter.allocate_tensors()
        details = self.interpreter.get_input_details()
        self.names = {d["index"]: d["name"] for d in details}
        self.shapes = {d["index"]: tuple(d["shape"]) for d in details}

    def run(self, feeds, fetches):
        """Feeds inputs (resizing where the shape differs), invokes, fetches outputs.

        Args:
            feeds: dict tensor index -> numpy array.
            fetches: output tensor indices.

        Returns:
            list of numpy arrays, one per fetch.

        Raises:
            ServingError: INTERNAL for a shape it cannot allocate or a failed invoke,
                INVALID_ARGUMENT for a value its tensor cannot take.
        """
        interpreter = self.interpreter
        try:
            for index, array in feeds.items():
                if self.shapes[index] != array.shape:
                    self._resize(index, array.shape)
                interpreter.set_tensor(index, array)
        except ValueError as error:  # a value the tensor cannot take (its dtype)
            raise invalid_argument(str(error).strip().splitlines()[0]) from error
        try:
            interpreter.invoke()
        except RuntimeError as error:
            raise ServingError(
                grpc.StatusCode.INTERNAL, "Failed to invoke TfLite interpreter"
            ) from error
        return [interpreter.get_tensor(index) for index in fetches]

    def _resize(self, index, shape):
        try:
            self.interpreter.resize_tensor_input(index, shape)
            self.interpreter.allocate_tensors()
        except (RuntimeError, ValueError) as error:
            self.interpreter.resize_tensor_input(index, self.shapes[index])
            self.interpreter.allocate_tensors()
            raise ServingError(
                grpc.StatusCode.INTERNAL,
                f"Failed to allocate tensors: input {self.names[index]} cannot take shape "
                f"{list(shape)}",
            ) from error
        self.shapes[index] = shape


class Splitter:
    """TfLiteSession's scheduler: a task cut into chunks run on the interpreters at once."""

    def __init__(self, threads, chunk_rows):
        self.chunk_rows = chunk_rows
        self.max_chunks = threads * QUEUED_CHUNKS_PER_INTERPRETER
        self.executor = concurrent.futures.ThreadPoolExecutor(threads, "tflite")
        self._queued = 0
        self._lock = threading.Lock()

    def run(self, invoke, arrays):
        """Runs `invoke` on chunks of `arrays` at once and joins their outputs.

        Args:
            invoke: maps a dict of arrays [rows, ...] to a dict of arrays [rows, ...].
            arrays: dict of numpy arrays that agree on their first dimension.

        Returns:
            dict of the outputs, the chunks' rows in order.

        Raises:
            ServingError: INVALID_ARGUMENT for a task without a common batch dimension or
                larger than MAX_TASK_ROWS, UNAVAILABLE when too many chunks are queued.
        """
        sizes = {value.shape[0] if value.ndim else None for value in arrays.values()}
        if None in sizes or len(sizes) != 1:
            raise invalid_argument("Batching Run() input tensors must agree on a 0th dimension")
        rows = sizes.pop()
        if rows > MAX_TASK_ROWS:
            raise invalid_argument(
                f"Task size {rows} is larger than maximum input batch size {MAX_TASK_ROWS}"
            )
        starts = range(0, rows, self.chunk_rows)
        if len(starts) <= 1:
            return invoke(arrays)
        with self._lock:
            if self._queued + len(starts) > self.max_chunks:
                raise ServingError(
                    grpc.StatusCode.UNAVAILABLE,
                    "The batch scheduling queue to which this task was submitted is full",
                )
            self._queued += len(starts)
        try:
            futures = [
                self.executor.submit(
                    invoke, {k: v[start : start + self.chunk_rows] for k, v in arrays.items()}
                )
                for start in starts
            ]
            parts = [future.result() for future in futures]
        finally:
            with self._lock:
                self._queued -= len(starts)
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def chunk_rows(interpreter, interpreters_per_pool):
    """TfLiteSession's max_execution_batch_size: the rows of one chunk.

    Args:
        interpreter: a tf.lite.Interpreter of the model.
        interpreters_per_pool: `--num_tflite_interpreters_per_pool`.

    Returns:
        int: the batch size of the model's only input if fixed and > 1, else
        ceil(MAX_TASK_ROWS / interpreters_per_pool).
    """
    inputs = interpreter.get_input_details()
    shape = inputs[0]["shape_signature"] if len(inputs) == 1 else ()
    if len(shape) and shape[0] > 1:
        return int(shape[0])
    return math.ceil(MAX_TASK_ROWS / interpreters_per_pool)
