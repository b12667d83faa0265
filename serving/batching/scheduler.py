"""Batching of concurrent requests to one signature, as TF Serving's `--enable_batching`.

Each request is a task queued under its servable version and signature, awaited on the
caller's event loop without holding a thread until its batch has run (`run`), or waited for
by the caller's own thread (`run_blocking`). A pool of
`num_batch_threads` threads takes the oldest ready queue (it holds `max_batch_size` rows,
or its first task has waited `batch_timeout_micros`), concatenates the tasks' inputs along
the batch axis, pads them up to the next of `allowed_batch_sizes`, runs the signature once
and hands every task its own rows of the outputs.

Example:
    python -m serving.server --enable_batching --batching_parameters_file batching.config
"""

import asyncio
import collections
import contextlib
import functools
import math
import threading
import time

import grpc
import numpy as np

from serving.errors import ServingError, invalid_argument


class _Task:
    def __init__(self, inputs, size, wake):
        self.inputs = inputs
        self.size = size
        self.rows = {key: (value.dtype, value.shape[1:]) for key, value in inputs.items()}
        self.enqueued = time.monotonic()
        self.wake = wake  # called on the batch thread once outputs or error are set
        self.outputs = self.error = None

    def result(self):
        if self.error is not None:
            raise self.error
        return self.outputs


class BatchScheduler:
    """Merges concurrent `run` calls that share a key into batched calls of their function.

    The fields of `options` mean what TF Serving's BatchingParameters mean (see
    `batching.options`).

    Args:
        options: BatchingOptions.
        metrics: a server.metrics.Metrics that records each batch, or None.
    """

    def __init__(self, options, metrics=None):
        self.options = options
        self._metrics = metrics
        self.batches_run = 0
        self.tasks_run = 0
        # key -> (function, deque of tasks, queued rows); insertion order is arrival order.
        self._queues = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._threads = []

    def start(self):
        """Starts the batch threads."""
        for index in range(self.options.num_batch_threads):
            thread = threading.Thread(target=self._work, name=f"batch-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        """Runs what is queued, then stops the batch threads; later `run` calls are refused."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    async def run(self, key, function, inputs):
        """Runs `function` on `inputs`, batched with concurrent calls that share `key`.

        The caller awaits on its event loop; no thread waits while the task is queued.

        Args:
            key: identifies the function (a servable version and signature).
            function: maps a dict of arrays [batch, ...] to a dict of arrays [batch, ...].
            inputs: dict of numpy arrays that agree on their first (batch) dimension.

        Returns:
            This call's rows of the function's outputs.

        Raises:
            ServingError: INVALID_ARGUMENT for a task larger than max_batch_size or without a
                batch dimension, UNAVAILABLE when the queue is full or the server stops, and
                whatever the function raised for this task's batch.
        """
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        task = self._enqueue(key, function, inputs, functools.partial(_wake, loop, future))
        await future
        return task.result()

    def run_blocking(self, key, function, inputs):
        """`run` for a caller on a thread of its own (a gRPC handler), which waits meanwhile.

        Args, Returns and Raises: as `run`.
        """
        done = threading.Event()
        task = self._enqueue(key, function, inputs, done.set)
        done.wait()  # `stop` runs every queued task first, so this always returns
        return task.result()

    def _enqueue(self, key, function, inputs, wake):
        size = _batch_size(inputs)
        limit = self.options.max_batch_size
        if size > limit:
            raise invalid_argument(
                f"Task size {size} is larger than maximum input batch size {limit}"
            )
        task = _Task(inputs, size, wake)
        with self._cond:
            if self._stopping:
                raise ServingError(grpc.StatusCode.UNAVAILABLE, "The server is shutting down")
            _, tasks, rows = self._queues.get(key, (function, collections.deque(), 0))
            if math.ceil((rows + size) / limit) > self.options.max_enqueued_batches:
                raise ServingError(
                    grpc.StatusCode.UNAVAILABLE,
                    "The batch scheduling queue to which this task was submitted is full",
                )
            tasks.append(task)
            self._queues[key] = (function, tasks, rows + size)
            # As TF Serving: wake a thread only for a new deadline or a full batch, not per task.
            if len(tasks) == 1 or rows + size >= limit:
                self._cond.notify()
        return task

    def _work(self):
        while True:
            with self._cond:
                picked = self._take()
                while picked is None:
                    if self._stopping and not self._queues:
                        return
                    self._cond.wait(self._wait_seconds())
                    picked = self._take()
            self._execute(*picked)

    def _wait_seconds(self):
        if not self._queues:
            return None
        oldest = min(tasks[0].enqueued for _, tasks, _ in self._queues.values())
        return max(0.0, oldest + self.options.batch_timeout_micros / 1e6 - time.monotonic())

    def _take(self):
        # Called with the lock held: the first ready queue's next batch, or None.
        deadline = time.monotonic() - self.options.batch_timeout_micros / 1e6
        limit = self.options.max_batch_size
        for key, (function, tasks, rows) in self._queues.items():
            if not (rows >= limit or tasks[0].enqueued <= deadline or self._stopping):
                continue
            batch = [tasks.popleft()]
            taken = batch[0].size
            # Tasks join one batch only if every input has the same dtype and row shape.
            while tasks and taken + tasks[0].size <= limit and tasks[0].rows == batch[0].rows:
                batch.append(tasks.popleft())
                taken += batch[-1].size
            if tasks:
                self._queues[key] = (function, tasks, rows - taken)
                self._cond.notify()  # another thread may batch the rest while this one runs
            else:
                del self._queues[key]
            return function, batch
        return None

    def _execute(self, function, tasks):
        try:
            outputs = self._run_merged(function, tasks)
        except ServingError as error:
            if len(tasks) > 1 and error.code is grpc.StatusCode.INVALID_ARGUMENT:
                # One task's bad input must not fail the tasks batched with it.
                for task in tasks:
                    self._execute(function, [task])
                return
            for task in tasks:
                task.error = error
                task.wake()
            return
        offset = 0
        for task in tasks:
            task.outputs = {k: v[offset : offset + task.size] for k, v in outputs.items()}
            offset += task.size
            task.wake()

    def _run_merged(self, function, tasks):
        rows = sum(task.size for task in tasks)
        target = next((s for s in self.options.allowed_batch_sizes if s >= rows), rows)
        if self._metrics is not None:
            now = time.monotonic()
            queued = [now - task.enqueued for task in tasks]
            self._metrics.record_batch([task.size for task in tasks], queued, target)
        inputs = {}
        for key in tasks[0].inputs:
            parts = [task.inputs[key] for task in tasks]
            if rows and target > rows:
                # Padding rows copy the first row; their outputs are dropped below.
                parts.append(np.repeat(parts[0][:1], target - rows, axis=0))
            inputs[key] = parts[0] if len(parts) == 1 else np.concatenate(parts)
        try:
            outputs = function(inputs)
        except ServingError:
            raise
        except Exception as error:  # a task must never wait forever on a failed batch
            raise ServingError(grpc.StatusCode.INTERNAL, f"Batch failed: {error}") from error
        for name, value in outputs.items():
            if value.ndim == 0 or value.shape[0] != target:
                raise ServingError(
                    grpc.StatusCode.INTERNAL,
                    f"Batched output tensor {name} has shape {list(value.shape)}; "
                    f"expected a first dimension of {target}",
                )
        with self._cond:
            self.batches_run += 1
            self.tasks_run += len(tasks)
        return outputs


def _batch_size(inputs):
    sizes = {value.shape[0] if value.ndim else None for value in inputs.values()}
    if None in sizes:
        raise invalid_argument("Batching Run() input tensors must have at least one dimension")
    if len(sizes) != 1:
        raise invalid_argument("Batching Run() input tensors must have equal 0th-dimension size")
    return sizes.pop()


def _wake(loop, future):
    # On a batch thread: resolve the waiting coroutine's future on its own loop, unless that
    # loop has closed (its server stopped and abandoned the call).
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_settle, future)


def _settle(future):
    if not future.done():  # a cancelled call still ran in its batch; nobody waits for it
        future.set_result(None)
