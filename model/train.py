"""Trains ManualMLP with `model.fit` and writes a self-describing run directory.

The seed recipe is the origin's loop (MSE, SGD 1e-3, batch 128, dataset order, 10
epochs; exactly so with --validation-size 0); the tuned recipe keeps the model and loss
and changes the optimizer, shuffling and augmentation. Both hold out the last 5,000
training images to validate on and to fit the calibration temperature; the test set is
used once, at the end. The run directory receives model.keras, history.csv, metrics.json,
TensorBoard logs, per-epoch checkpoints and PNG plots.

Example:
    python -m model.train --recipe tuned --run-dir runs/tuned --export-base serving/models/mnist
"""

import dataclasses
import datetime
import json
import os
import pathlib
import random
import sys

import keras
import numpy as np

from export import export_model
from export.writer import ExportError
from model import cli, distribute, evaluate, launch, plots
from model import config as config_lib
from model.augment import build_augmentation
from model.callbacks import EpochTimer, OriginLogger, TrueStepProgbar
from model.data import load_mnist, make_dataset, split_validation
from model.mlp import ManualMLP


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


def save_atomically(model, path):
    """Saves `model` to `path` (.keras) through a temporary file, so it is never half-written."""
    tmp = path.with_name(f".{path.stem}.partial.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_atomically(path, text):
    """Writes `text` to `path` through a temporary file, so it is never half-written."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def train(config, print_fn=print):
    """Runs one training job as `config` says and writes its run directory.

    The model is fitted on the training images less the last `validation_size`, validated
    on those, and its temperature fitted on them; the test set is used once, at the end.

    Args:
        config: a validated TrainConfig (see `model.config.make_config`).
        print_fn: receives the origin-style loss lines and the summary.

    Returns:
        The metrics dict also written to run_dir/metrics.json.

    Raises:
        DivergenceError: if the loss became NaN or infinite.
        ValueError: if validation_size leaves nothing to train on.
        model.data.DataError: if the data file is missing or altered.
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
    # records the seeds used either way.
    data_seed = config.seed if config.seed is not None else random.randrange(2**31)
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
    timer = EpochTimer()
    history = model.fit(
        train_data,
        epochs=config.epochs,
        validation_data=validation_data,
        verbose=config.verbose,
        shuffle=False,  # make_dataset shuffles when the recipe asks for it
        callbacks=[
            TrueStepProgbar(),
            OriginLogger(config.log_every, print_fn),
            timer,
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.ModelCheckpoint(
                str(run_dir / "checkpoints" / "epoch{epoch:02d}.keras")
            ),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv")),
            keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")),
            *worker.callbacks,
        ],
    ).history
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
        "train_seconds": sum(timer.seconds_per_epoch),
        "seconds_per_epoch": timer.seconds_per_epoch,
        "train_examples": int(len(x_fit)),
        "validation_examples": int(len(x_val)),
        "shuffle_seed": shuffle_seed,
        "augmentation_seed": data_seed if augment else None,
    }
    if config.export_base:
        export_path = export_model(
            model,
            config.export_base,
            metadata={key: metrics[key] for key in ("recipe", "test_accuracy", "calibration")},
        )
        metrics["export_path"] = str(export_path)
    write_atomically(run_dir / "metrics.json", json.dumps(metrics, indent=2, default=str) + "\n")
    print_fn(summary(metrics))
    return metrics


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


def _show(value):
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value).lower()


def build_parser():
    """A parser with one flag per TrainConfig field, its help text taken from the field."""
    parser = cli.OneLineParser(prog="python -m model.train", description=__doc__.split("\n\n")[0])
    kinds = {"int": int, "float": float, "str": str, "bool": cli.boolean, "tuple": cli.int_list}
    for f in dataclasses.fields(config_lib.TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "recipe":
            parser.add_argument(
                flag, choices=config_lib.RECIPES, default="seed", help=f.metadata["help"]
            )
            continue
        defaults = {name: recipe.get(f.name) for name, recipe in config_lib.RECIPES.items()}
        shown = ", ".join(f"{name}: {_show(value)}" for name, value in defaults.items())
        suffix = f" ({shown})" if f.name in config_lib.SEED_RECIPE else ""
        parser.add_argument(flag, type=kinds[f.type.__name__], help=f.metadata["help"] + suffix)
    return parser


def main(argv=None):
    """Trains as the command line says; exits 1 with a one-line reason on bad input.

    Args:
        argv: the arguments without the program name; None means sys.argv[1:].
    """
    args = build_parser().parse_args(argv)
    try:
        config = config_lib.make_config(**vars(args))
        if config.workers > 1 and not distribute.read_tf_config():
            # Every worker, and every restart, must share one run directory.
            argv = [*(sys.argv[1:] if argv is None else argv), "--run-dir"]
            argv.append(str(config.run_dir or default_run_dir()))
            sys.exit(launch.launch(argv, config.workers))
        train(config)
    except (ValueError, OSError, DivergenceError, ExportError) as error:
        sys.exit(f"python -m model.train: error: {error}")


if __name__ == "__main__":
    main()
