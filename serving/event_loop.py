"""An asyncio event loop on a thread of its own, for the servers that run on one.

The REST server (aiohttp) runs on a `LoopThread`:
`start` runs a new loop on a daemon thread, `run` runs a coroutine on it from any other
thread and returns its result, and `stop` ends the loop and closes it.

Example:
    python -c "from serving.event_loop import LoopThread; import asyncio; \
loop = LoopThread('demo'); loop.start(); print(loop.run(asyncio.sleep(0, 'ran'))); loop.stop()"
"""

import asyncio
import threading


class LoopThread:
    """An event loop running on a daemon thread.

    Args:
        name: the thread's name.
        loop_factory: makes the loop, e.g. `uvloop.new_event_loop`; default asyncio's.
    """

    def __init__(self, name, loop_factory=asyncio.new_event_loop):
        self._name = name
        self._loop_factory = loop_factory
        self._loop = None
        self._thread = None

    def start(self):
        """Starts the loop on its thread."""
        self._loop = self._loop_factory()
        self._thread = threading.Thread(target=self._loop.run_forever, name=self._name, daemon=True)
        self._thread.start()

    def run(self, coroutine):
        """Runs a coroutine on the loop and waits for it.

        Args:
            coroutine: the coroutine to run.

        Returns:
            What the coroutine returned.

        Raises:
            Whatever the coroutine raised.
        """
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def stop(self):
        """Cancels what still runs on the loop, stops it and closes it; idempotent."""
        if self._loop is None:
            return
        self.run(_cancel_other_tasks())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._loop = None


async def _cancel_other_tasks():
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
