"""Trains ManualMLP with `model.fit` and writes a self-describing run directory.

The seed recipe is the origin's loop (MSE, SGD 1e-3, batch 128, dataset order, 10
epochs; exactly so with --validation-size 0); the tuned recipe keeps the model and loss
and changes the optimizer, shuffling and augmentation. Both hold out the last 5,000
training images to validate on and to fit the calibration temperature; the test set is
used once, at the end. The run directory receives model.keras, history.csv, metrics.json,
TensorBoard logs, per-epoch checkpoints and PNG plots. A run killed midway resumes from
its last complete epoch when started again with the same --run-dir (resume.py). Exporting
is not this package's business: `train` takes an `on_finished` callable, which the pipeline
(`python -m pipeline`) uses to export the trained model.

Example:
    python -c "from model.training import make_config; from model.training.train import train; \\
        train(make_config('seed', epochs=1))"
"""

import csv
import datetime
import json
import pathlib
import random

import keras
import numpy as np

from common.mnist import load_mnist
from model.augment import build_augmentation
from model.data import make_dataset, split_validation
from model.mlp import ManualMLP
from model.training import config as config_lib
from model.training import distribute, evaluate, plots
from model.training.callbacks import EpochTimer, OriginLogger, TrueStepProgbar
from model.training.resume import (
    AtomicCheckpoint,
    check_settings,
    last_checkpoint,
    restore,
    save_atomically,
    trim_history,
    write_atomically,
)


class DivergenceError(RuntimeError):
    """The loss became NaN or infinite and TerminateOnNaN stopped training."""


def build_optimizer(config, steps):
    """Returns the configured Keras optimizer; `steps` is the run's total step count."""
    rate = config.learning_rate
    if config.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=steps)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(rate)
    return keras.optimizers.SGD(rate)


def default_run_dir():
    """runs/<UTC timestamp>, unique to the second."""
    return pathlib.Path("runs") / datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")


def train(config, print_fn=print, on_finished=None):
    """Runs one training job as `config` says and writes its run directory.

    The model is fitted on the training images less the last `validation_size`, validated
    on those, and its temperature fitted on them; the test set is used once, at the end.

    Args:
        config: a validated TrainConfig (see `model.config.make_config`).
        print_fn: receives the origin-style loss lines and the summary.
        on_finished: None, or callable(model, metrics) -> dict of more metrics, called on
            the chief once the model is saved and before metrics.json is written (the
            pipeline exports here and returns {"export_path": ...}).

    Returns:
        The metrics dict also written to run_dir/metrics.json.

    Raises:
        DivergenceError: if the loss became NaN or infinite.
        ValueError: if validation_size leaves nothing to train on.
        common.mnist.DataError: if the data file is missing or altered.
    """
    worker = distribute.current_worker(config)  # TF_CONFIG: a multi-worker cluster's task
    config = worker.config
    (x_train, y_train), (x_test, y_test) = load_mnist(config.data)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, config.validation_size)
    if config.train_limit is not None:
        x_fit, y_fit = x_fit[: config.train_limit], y_fit[: config.train_limit]
    run_dir = pathlib.Path(config.run_dir or default_run_dir())
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)

    # Unseeded runs draw a fresh seed for the shuffle and the augmentation; metrics.json
    # records the seeds used either way, and a resumed run keeps its first start's.
    data_seed = config.seed if config.seed is not None else random.randrange(2**31)
    settings = {**config_lib.hyperparameters(config), "data_seed": data_seed}
    data_seed = check_settings(run_dir, settings)["data_seed"]
    shuffle_seed = data_seed if config.shuffle else None
    augment = build_augmentation(config.translation, config.rotation, data_seed)
    train_data = make_dataset(x_fit, y_fit, config.batch_size, shuffle_seed, augment)
    validation_data = make_dataset(x_val, y_val, config.batch_size) if len(x_val) else None
    steps = config.epochs * -(-len(x_fit) // config.batch_size)
    with worker.strategy.scope():
        model = ManualMLP(hidden_units=config.hidden_units, seed=config.seed)
        model.compile(
            optimizer=build_optimizer(config, steps),
            steps_per_execution=config.steps_per_execution,
            jit_compile=config.jit_compile,
        )
    initial_epoch, checkpoint = last_checkpoint(run_dir / "checkpoints")
    if checkpoint is not None:
        restore(model, checkpoint)
        trim_history(run_dir / "history.csv", initial_epoch)
        print_fn(f"resuming {run_dir} after epoch {initial_epoch} ({checkpoint.name})")
    timer = EpochTimer()
    model.fit(
        train_data,
        epochs=config.epochs,
        initial_epoch=initial_epoch,
        validation_data=validation_data,
        verbose=config.verbose,
        shuffle=False,  # make_dataset shuffles when the recipe asks for it
        callbacks=[
            TrueStepProgbar(),
            OriginLogger(config.log_every, print_fn),
            timer,
            keras.callbacks.TerminateOnNaN(),
            # The epoch's CSV line before its checkpoint: a checkpoint always has its line.
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=initial_epoch > 0),
            AtomicCheckpoint(run_dir / "checkpoints"),
            keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")),
            *worker.callbacks,
        ],
    )
    history = read_history(run_dir / "history.csv")
    if not np.all(np.isfinite(history["loss"])):
        raise DivergenceError(
            f"loss diverged to {history['loss'][-1]} in epoch {len(history['loss'])}; "
            f"try a smaller learning rate than {config.learning_rate}"
        )

    if len(x_val):
        evaluate.calibrate(model, x_val, y_val)
    test = evaluate.evaluate_test(model, x_test, y_test, run_dir)
    plots.plot_history(history, run_dir / "curves.png")
    save_atomically(model, run_dir / "model.keras")
    metrics = {
        **config_lib.hyperparameters(config),
        "run_dir": str(run_dir),
        **test,
        "temperature": model.temperature,
        "resumed_after_epoch": initial_epoch,
        "train_seconds": sum(timer.seconds_per_epoch),
        "seconds_per_epoch": timer.seconds_per_epoch,
        "train_examples": int(len(x_fit)),
        "validation_examples": int(len(x_val)),
        "shuffle_seed": shuffle_seed,
        "augmentation_seed": data_seed if augment else None,
    }
    if on_finished is not None and worker.is_chief:
        metrics.update(on_finished(model, metrics))
    write_atomically(run_dir / "metrics.json", json.dumps(metrics, indent=2, default=str) + "\n")
    print_fn(summary(metrics))
    return metrics


def read_history(path):
    """Every epoch's figures from a CSVLogger file, also those of a run before a resume.

    Args:
        path: the run's history.csv.

    Returns:
        dict of column (e.g. "loss", "val_accuracy") -> list of floats, one per epoch.
    """
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    # Resuming trims the file to the checkpoint's epochs (resume.trim_history); should an
    # epoch's line still repeat, the last one written wins.
    by_epoch = {int(row.pop("epoch")): row for row in rows}
    columns = {key: [by_epoch[e][key] for e in sorted(by_epoch)] for key in rows[0]} if rows else {}
    # CSVLogger writes "NA" for a figure an epoch lacks; a column of nothing else is dropped.
    return {
        key: [float("nan") if value == "NA" else float(value) for value in values]
        for key, values in columns.items()
        if set(values) != {"NA"}
    }


def summary(metrics):
    """The run's last line: test accuracy and loss, calibration, and where the run is.

    Args:
        metrics: the dict `train` returns.

    Returns:
        str, one line.
    """
    ece = metrics["calibration"]["before"]["ece"], metrics["calibration"]["after"]["ece"]
    if metrics["validation_examples"]:
        calibrated = f"ECE {ece[1]:.4f} (T {metrics['temperature']:.4f}; {ece[0]:.4f} at T 1)"
    else:
        calibrated = f"ECE {ece[0]:.4f} (uncalibrated: no validation split)"
    return (
        f"test accuracy {metrics['test_accuracy']:.4f} (loss {metrics['test_loss']:.4f}), "
        f"{calibrated}; run saved in {metrics['run_dir']}"
    )
