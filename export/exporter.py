"""Exports a trained model as one complete, self-describing TF Serving version.

A version directory holds the SavedModel with the four contract signatures and, in
`assets.extra/`, `export_info.json` (version, export time, model class and config, the
calibration temperature baked into the probabilities, library versions, and the run's
recipe, test accuracy and calibration figures) and the warmup requests. It is built under a
temporary name and renamed into place only when complete (see export/writer.py).

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path /tmp/mnist
"""

import datetime
import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from common import contract
from export import checkpoint, savedmodel, tflite, warmup, writer
from model import mlp as _mlp  # noqa: F401  (registers ManualMLP, so its checkpoints load)


def _check_model(model):
    # A model the signatures can wrap: float32 [batch, 784] -> scores [batch, 10], and a
    # temperature for the probabilities.
    if not isinstance(model, keras.Model) or not model.built:
        raise ValueError(f"expected a built keras.Model, got {model!r}")
    temperature = getattr(model, "temperature", None)
    if not isinstance(temperature, float) or not 0 < temperature < float("inf"):
        raise ValueError(f"expected a positive float model.temperature, got {temperature!r}")
    probe = np.zeros([1, contract.NUM_PIXELS], np.float32)
    shape = tuple(model(probe).shape)
    if shape != (1, contract.NUM_CLASSES):
        raise ValueError(
            f"model maps [1, {contract.NUM_PIXELS}] to {list(shape)}, "
            f"expected [1, {contract.NUM_CLASSES}]"
        )


def export_info(model, version, metadata):
    """The self-description stored in `assets.extra/export_info.json`.

    Args:
        model: the exported Keras model.
        version: int, the version being written.
        metadata: dict of JSON-serializable run facts (e.g. recipe, test_accuracy).

    Returns:
        dict, JSON-serializable.

    Raises:
        ValueError: metadata repeats a key the export sets itself, or is not JSON-serializable.
    """
    info = {
        "model_name": contract.MODEL_NAME,
        "version": version,
        "export_time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "signatures": list(contract.SIGNATURES),
        "model_class": keras.saving.get_registered_name(type(model)),
        "model_config": model.get_config(),
        "temperature": model.temperature,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }
    clashes = sorted((set(info) | {"tflite"}) & set(metadata))  # "tflite": see export_model
    if clashes:
        raise ValueError(f"metadata may not set {clashes}: the export records them itself")
    info.update(metadata)
    try:
        json.dumps(info)
    except (TypeError, ValueError) as error:
        raise ValueError(f"export metadata is not JSON-serializable: {error}") from error
    return info


def export_model(model, base_path, version=None, metadata=None, with_tflite=False):
    """Writes `base_path/<version>/`: SavedModel, export_info.json and warmup requests.

    Args:
        model: a built Keras model mapping float32 [batch, 784] in [0, 1] to raw scores
            [batch, 10], with a positive float `temperature`, such as ManualMLP.
        base_path: the model's TF Serving base path; created if missing.
        version: positive int, or None for one more than the highest version present.
        metadata: dict merged into export_info.json, e.g. {"recipe": ..., "test_accuracy": ...,
            "calibration": ...}.
        with_tflite: also write model.tflite of the numeric signatures, checked against the
            SavedModel on MNIST test digits (see export/tflite.py); export_info.json then
            records the check under "tflite".

    Returns:
        pathlib.Path of the new version directory.

    Raises:
        ValueError: bad model, version or metadata (nothing written).
        FileExistsError: the version exists (nothing written).
        writer.ExportError: the export failed midway, or model.tflite disagrees with the
            SavedModel (nothing left behind).
    """
    _check_model(model)
    version = writer.resolve_version(base_path, version)
    info = export_info(model, version, dict(metadata or {}))
    with writer.atomic_version_dir(base_path, version) as temp:
        savedmodel.write_saved_model(model, temp)
        warmed = contract.SIGNATURES
        if with_tflite:
            info["tflite"] = tflite.write_tflite(temp)
            # TF Serving's TF Lite path (--prefer_tflite_model) serves only the converted
            # signatures and fails a load whose warmup names another, so only those warm.
            warmed = [name for name in warmed if name in info["tflite"]["signatures"]]
        assets = temp / contract.ASSETS_EXTRA
        assets.mkdir()
        (assets / contract.EXPORT_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
        warmup.write_warmup(assets / contract.WARMUP_FILE, warmed)
    return pathlib.Path(base_path) / str(version)


def export_checkpoint(checkpoint_path, base_path, version=None, with_tflite=False):
    """Loads a training run's checkpoint and exports it with the run's metrics.

    Args:
        checkpoint_path: `RUN_DIR/model.keras`; `RUN_DIR/metrics.json` is read if present.
        base_path: the model's TF Serving base path; created if missing.
        version: positive int, or None for one more than the highest version present.
        with_tflite: also write a checked model.tflite (see `export_model`).

    Returns:
        pathlib.Path of the new version directory.

    Raises:
        FileNotFoundError, ValueError: bad checkpoint, metrics or version (nothing written).
        FileExistsError: the version exists (nothing written).
        writer.ExportError: the export failed midway (nothing left behind).
    """
    path = checkpoint.check_checkpoint(checkpoint_path)
    metadata = checkpoint.run_metrics(path)
    writer.resolve_version(base_path, version)
    try:
        loaded = keras.models.load_model(path)
    except Exception as error:
        raise ValueError(f"cannot load checkpoint {path}: {error}") from error
    return export_model(loaded, base_path, version, metadata, with_tflite)
