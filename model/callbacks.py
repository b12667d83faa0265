"""Training callbacks of our own: the origin's loss line, and per-epoch wall time.

Example:
    python -m model.train --recipe seed --log-every 100
"""

import time

import keras


class OriginLogger(keras.callbacks.Callback):
    """Prints `epoch E step S loss L` every `every` steps, as the origin's loop did.

    With steps_per_execution > 1 Keras reports once per compiled call, so a line is
    printed at the first report at or past each multiple of `every`; the last call of
    an epoch may report steps past its end, and is not printed. The loss is Keras's
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
        steps_done = batch + 1
        if steps_done > (self.params.get("steps") or steps_done):
            return
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
