"""Training that survives kill -9: atomic per-epoch checkpoints and resuming from the last one.

Each epoch ends with `checkpoints/epochNN.keras`, the whole model with its optimizer state,
written to a temporary file and renamed into place, so a kill leaves either the complete
file or none. `run.json` records the run's settings (with the data seed actually used)
before the first epoch. Running `python -m model.training` again on the same `--run-dir`
finds the last complete epoch, loads its weights and optimizer state, and continues from
the next epoch with the same settings; a seeded seed-recipe run then ends with the same
weights as one never interrupted (tested). A run directory whose run finished, or whose
settings differ, is refused instead of being overwritten.

Example:
    python -m model.training --run-dir runs/long --epochs 30   # killed; the same command resumes
"""

import contextlib
import json
import math
import os
import pathlib
import re

import keras

CHECKPOINTS = "checkpoints"
SETTINGS = "run.json"
_CHECKPOINT = re.compile(r"epoch(\d+)\.keras")
_PARTIAL = ".partial"


def save_atomically(model, path):
    """Saves `model` to `path` (.keras) through a temporary file, so it is never half-written.

    Args:
        model: a Keras model.
        path: pathlib.Path of the .keras file.
    """
    # Keras picks the format from the suffix, so the temporary name keeps ".keras".
    with _replacing(path, path.with_name(f".{path.stem}{_PARTIAL}.keras")) as tmp:
        model.save(tmp)


def write_atomically(path, text):
    """Writes `text` to `path` through a temporary file, so it is never half-written.

    Args:
        path: pathlib.Path of the file.
        text: its new contents.
    """
    with _replacing(path, path.with_name(f".{path.name}{_PARTIAL}")) as tmp:
        tmp.write_text(text)


@contextlib.contextmanager
def _replacing(path, tmp):
    # Yields `tmp` to write; then renames it over `path` (atomic on one filesystem), and
    # removes it if the write failed.
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves the model with its optimizer state after every epoch, atomically.

    Args:
        directory: where `epochNN.keras` files go (NN: the epoch, from 01).
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = pathlib.Path(directory)

    def on_epoch_end(self, epoch, logs=None):
        if not math.isfinite((logs or {}).get("loss", 0.0)):
            return  # a diverged epoch is nothing to resume from
        save_atomically(self.model, self.directory / f"epoch{epoch + 1:02d}.keras")


def last_checkpoint(directory):
    """The last complete epoch checkpoint in a directory; temporary leftovers are removed.

    Args:
        directory: the run's checkpoints directory (it may not exist).

    Returns:
        (epoch, path): the highest epoch with a checkpoint, or (0, None).
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return 0, None
    found = {}
    for path in directory.iterdir():
        if _PARTIAL in path.name:
            path.unlink()  # written by a killed run: never complete
        elif match := _CHECKPOINT.fullmatch(path.name):
            found[int(match.group(1))] = path
    if not found:
        return 0, None
    return max(found), found[max(found)]


def restore(model, path):
    """Loads a checkpoint's weights and optimizer state into a compiled, built model.

    Args:
        model: the compiled model (ManualMLP creates its weights in __init__).
        path: an `epochNN.keras` file written by AtomicCheckpoint.
    """
    model.optimizer.build(model.trainable_variables)
    model.load_weights(path)


def trim_history(path, epochs):
    """Keeps only the first `epochs` epochs' lines of a CSVLogger file, rewritten atomically.

    A run killed after an epoch's CSV line but before its checkpoint resumes from the
    epoch before and trains that epoch again; trimming first leaves one line per epoch.

    Args:
        path: the run's history.csv; nothing happens if it does not exist.
        epochs: how many epochs the checkpoint being resumed from has finished.
    """
    if not path.exists():
        return
    header, *rows = path.read_text().splitlines(keepends=True)
    kept = [row for row in rows if int(row.split(",", 1)[0]) < epochs]
    if len(kept) != len(rows):
        write_atomically(path, header + "".join(kept))


def check_settings(run_dir, settings):
    """Records a run's settings, or checks that a resumed run has the same ones.

    Args:
        run_dir: the run directory.
        settings: JSON-ready dict of everything that decides the weights (hyperparameters,
            data seed); `run_dir` and `verbose` are ignored.

    Returns:
        The recorded settings (on a resume, those of the first start: its data seed wins).

    Raises:
        ValueError: the run already finished, or it was started with other settings.
    """
    run_dir = pathlib.Path(run_dir)
    ignored = {"run_dir", "verbose", "data_seed"}
    if (run_dir / "metrics.json").exists():
        raise ValueError(f"{run_dir} holds a finished run; choose another --run-dir")
    path = run_dir / SETTINGS
    if not path.exists():
        write_atomically(path, json.dumps(settings, indent=2, default=str) + "\n")
        return settings
    recorded = json.loads(path.read_text())
    changed = sorted(
        key
        for key in set(recorded) | set(settings)
        if key not in ignored and recorded.get(key) != settings.get(key)
    )
    if changed:
        shown = ", ".join(
            f"{key} {recorded.get(key)!r} -> {settings.get(key)!r}" for key in changed
        )
        raise ValueError(f"{run_dir} was started with other settings ({shown})")
    return recorded
