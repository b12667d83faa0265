"""The event loop thread the servers run on: coroutines run on it, stop ends what is left.

Example:
    .venv/bin/pytest tests/serving/test_event_loop.py
"""

import asyncio
import threading

import pytest

from serving.event_loop import LoopThread


def test_event_loop_runs_coroutines_on_its_own_thread():
    loop = LoopThread("test-loop")
    loop.start()

    async def where():
        return threading.current_thread().name

    async def fail():
        raise ValueError("from the loop")

    try:
        assert loop.run(where()) == "test-loop"
        with pytest.raises(ValueError, match="from the loop"):
            loop.run(fail())
    finally:
        loop.stop()


def test_event_loop_stop_cancels_pending_tasks_and_is_idempotent():
    loop = LoopThread("test-loop")
    loop.start()
    cancelled = threading.Event()

    async def wait_forever():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def start_waiting():
        asyncio.get_running_loop().create_task(wait_forever())
        await asyncio.sleep(0)

    loop.run(start_waiting())
    loop.stop()
    assert cancelled.is_set()
    loop.stop()
