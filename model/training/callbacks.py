"""Training callbacks of our own: a progress bar and the origin's loss line that both count
real steps, and per-epoch wall time.

With `steps_per_execution` Keras reports a step count rounded up to the next whole call, so
its own bar shows "1900/1875" after the last call of an epoch of 1875 steps
(keras-team/keras issue 20861). Both callbacks here cap the count at the epoch's real number
of steps.

Example:
    python -m model.training --recipe seed --log-every 100
"""

import time

import keras


def real_steps(batch, steps):
    """The number of steps done after Keras reports `batch`, capped at the epoch's length.

    Args:
        batch: the zero-based step index Keras passes to `on_*_batch_end`.
        steps: the epoch's length, or None when Keras does not know it.

    Returns:
        int, batch + 1 or the epoch's length if that is smaller.
    """
    return min(batch + 1, steps or batch + 1)


class TrueStepProgbar(keras.callbacks.ProgbarLogger):
    """Keras's progress bar, showing the real step count at the end of each epoch.

    Passed to `fit` in `callbacks`, it replaces the bar Keras would add itself.
    """

    def on_train_batch_end(self, batch, logs=None):
        # ProgbarLogger keeps the epoch's length in `target` (it sets no `params`).
        super().on_train_batch_end(real_steps(batch, self.target) - 1, logs)


class OriginLogger(keras.callbacks.Callback):
    """Prints `epoch E step S loss L` every `every` steps, as the origin's loop did.

    With steps_per_execution > 1 Keras reports once per compiled call, so a line is
    printed at the first report at or past each multiple of `every`, with the real step
    count (the last call of an epoch is capped at the epoch's end). The loss is Keras's
    running mean over the epoch so far.

    Args:
        every: steps between lines.
        print_fn: where lines go (print by default; tests pass a list's append).
    """

    def __init__(self, every=100, print_fn=print):
        super().__init__()
        self.every = every
        self.print_fn = print_fn
        self._epoch = 0
        self._next = every

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._next = self.every

    def on_train_batch_end(self, batch, logs=None):
        steps_done = real_steps(batch, self.params.get("steps"))
        if steps_done >= self._next:
            # Under Keras's progress bar (verbose 1) the bar's line is still open.
            start = "\n" if self.params.get("verbose") == 1 else ""
            self.print_fn(
                f"{start}epoch {self._epoch + 1} step {steps_done} loss {logs['loss']:.4f}"
            )
            self._next = (steps_done // self.every + 1) * self.every


class EpochTimer(keras.callbacks.Callback):
    """Records wall-clock seconds of each epoch in `seconds_per_epoch`."""

    def __init__(self):
        super().__init__()
        self.seconds_per_epoch = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds_per_epoch.append(time.perf_counter() - self._start)
