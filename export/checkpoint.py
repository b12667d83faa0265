"""Checks a training run's checkpoint and reads the run's metrics, without TensorFlow.

A run directory holds `model.keras` (the checkpoint, which knows its config) and, when the
training script finished its evaluation, `metrics.json` with the recipe's name, the test
accuracy and the calibration figures. They travel into the export's `export_info.json`.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist
"""

import json
import pathlib

METRICS_FILE = "metrics.json"
# The keys of metrics.json that an export records.
METRICS_KEYS = ("recipe", "test_accuracy", "calibration")
CHECKPOINT_SUFFIX = ".keras"


def check_checkpoint(path):
    """Checks that a checkpoint path names a Keras archive that exists.

    Args:
        path: `RUN_DIR/model.keras`.

    Returns:
        pathlib.Path of the checkpoint.

    Raises:
        FileNotFoundError: there is no file at that path.
        ValueError: the file is not a `.keras` archive.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist or is not a file")
    if path.suffix != CHECKPOINT_SUFFIX:
        raise ValueError(f"checkpoint {path} is not a {CHECKPOINT_SUFFIX} file")
    return path


def run_metrics(checkpoint_path):
    """Reads the recipe, test accuracy and calibration figures recorded next to a checkpoint.

    Args:
        checkpoint_path: `RUN_DIR/model.keras`.

    Returns:
        dict with those of `METRICS_KEYS` that `RUN_DIR/metrics.json` holds; empty if the
        file does not exist.

    Raises:
        ValueError: metrics.json exists but is not a JSON object.
    """
    metrics_path = pathlib.Path(checkpoint_path).parent / METRICS_FILE
    if not metrics_path.exists():
        return {}
    try:
        metrics = json.loads(metrics_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{metrics_path}: not readable JSON ({error})") from error
    if not isinstance(metrics, dict):
        raise ValueError(f"{metrics_path}: expected a JSON object, got {type(metrics).__name__}")
    return {key: metrics[key] for key in METRICS_KEYS if key in metrics}
