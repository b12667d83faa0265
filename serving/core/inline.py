"""Running the core's coroutines in a plain thread, without an event loop: the gRPC path.

The core's APIs (`inference.predict`, `example_apis.run`, `example_apis.multi_inference`,
`v2.dataplane.DataPlane.infer`) are coroutines, awaited by the REST server on its loop.
The only step in them that waits is `Servable.run`. Given `INLINE` as its executor, a run
happens in the calling thread (blocking it; with batching, until its batch has run), so the
coroutine never suspends, and `finish` drives it to its result in one step, as a plain
function call would: the gRPC server's handler threads answer through the same code as
REST, with no loop and no thread hop.

Example:
    python -c "from serving.core import Servable, inline, inference; \
s = Servable('mnist', 1, 'serving/models/mnist/1'); \
print(inline.finish(inference.predict(s, 'predict_pixels', \
{'images': [[[0] * 28] * 28]}, executor=inline.INLINE))[1])"
"""

import asyncio

# The executor that means "run in the calling thread" (see `run_signature`).
INLINE = object()


def finish(coroutine):
    """Runs a coroutine that never suspends to its result, in the calling thread.

    Args:
        coroutine: a core coroutine whose servable runs were given `INLINE`.

    Returns:
        What the coroutine returns; what it raises propagates.

    Raises:
        RuntimeError: if the coroutine awaited something that needs an event loop.
    """
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("a coroutine run inline awaited an event loop")


async def run_signature(call, arrays, executor, batch_scheduler, key):
    """Runs `call(arrays)` where a servable's `run` says: inline, batched or on a pool.

    Args:
        call: callable(dict of arrays) -> dict of arrays, the signature run.
        arrays: its inputs.
        executor: INLINE (the calling thread), a thread pool, or None (the loop's default).
        batch_scheduler: a batching.BatchScheduler the run goes through, or None.
        key: the scheduler's key for the call (servable version, signature, outputs).

    Returns:
        The call's outputs (with batching, this call's rows of its batch's outputs).
    """
    if executor is INLINE:
        if batch_scheduler is not None:
            return batch_scheduler.run_blocking(key, call, arrays)
        return call(arrays)
    if batch_scheduler is not None:
        return await batch_scheduler.run(key, call, arrays)
    return await asyncio.get_running_loop().run_in_executor(executor, call, arrays)
