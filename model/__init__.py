"""The hand-built network and its input: ManualMLP, its calibration, scaling and batches.

`import model` registers ManualMLP with Keras, so a run's `model.keras` loads with plain
`keras.models.load_model`. It does so the moment Keras finishes loading (at once if it
already has), not before: an entry point that never touches Keras, such as
`python -m model.training --help`, does not pay for importing TensorFlow. The names below
are loaded on first use (PEP 562). The training application is `model.training`.

Example:
    python -c "import model, keras; print(keras.models.load_model('runs/tuned/model.keras'))"
"""

import importlib

from common.import_hooks import after_import

__all__ = ["ManualMLP", "fit_temperature", "make_dataset", "scale_pixels"]
_HOMES = {
    "ManualMLP": "model.mlp",
    "fit_temperature": "model.calibration",
    "make_dataset": "model.data",
    "scale_pixels": "model.data",
}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


after_import("keras", lambda _: importlib.import_module("model.mlp"))
