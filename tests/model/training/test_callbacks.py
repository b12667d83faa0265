"""Tests of the origin-style loss logger and the epoch timer, inside real fit runs."""

import keras

from model import ManualMLP, make_dataset
from model.training.callbacks import EpochTimer, OriginLogger, TrueStepProgbar


def fit_with(callbacks, mnist, examples, steps_per_execution, epochs=1):
    (x, y), _ = mnist
    model = ManualMLP(seed=0)
    model.compile(optimizer=keras.optimizers.SGD(1e-3), steps_per_execution=steps_per_execution)
    data = make_dataset(x[:examples], y[:examples], batch_size=8)
    model.fit(data, epochs=epochs, verbose=0, shuffle=False, callbacks=callbacks)


def test_origin_logger_prints_every_n_steps(mnist):
    lines = []
    fit_with([OriginLogger(every=10, print_fn=lines.append)], mnist, 8 * 25, 1, epochs=2)
    steps = [(line.split()[1], line.split()[3]) for line in lines]
    assert steps == [("1", "10"), ("1", "20"), ("2", "10"), ("2", "20")]
    assert all(line.startswith("epoch ") and " loss " in line for line in lines)


def test_origin_logger_caps_last_report_at_epoch_end(mnist):
    lines = []
    # 22 steps in calls of 4: Keras reports steps 4, 8, ..., 20 and a last call "24".
    fit_with([OriginLogger(every=7, print_fn=lines.append)], mnist, 8 * 22, 4)
    assert [line.split()[3] for line in lines] == ["8", "16", "22"]


class _Recording:
    """Mixin that keeps every count a progress bar showed."""

    def __init__(self):
        super().__init__()
        self.shown = []

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        self.shown.append(self.seen)


class RecordingTrueStepProgbar(_Recording, TrueStepProgbar):
    pass


class RecordingKerasProgbar(_Recording, keras.callbacks.ProgbarLogger):
    pass


def test_true_step_progbar_ends_epoch_at_real_step_count(mnist):
    ours, keras_own = RecordingTrueStepProgbar(), RecordingKerasProgbar()
    # 22 steps in calls of 4, two epochs; verbose 0 keeps the test's output clean.
    fit_with([ours], mnist, 8 * 22, 4, epochs=2)
    fit_with([keras_own], mnist, 8 * 22, 4, epochs=2)
    assert keras_own.shown == [4, 8, 12, 16, 20, 24] * 2  # keras-team/keras#20861
    assert ours.shown == [4, 8, 12, 16, 20, 22] * 2


def test_epoch_timer_records_each_epoch(mnist):
    timer = EpochTimer()
    fit_with([timer], mnist, 64, 1, epochs=3)
    assert len(timer.seconds_per_epoch) == 3 and all(s > 0 for s in timer.seconds_per_epoch)
