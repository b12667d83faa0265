"""Writes versioned, atomic SavedModels that TensorFlow Serving loads.

`export_model(model, base_path, version=None, metadata=None)` and
`export_checkpoint(checkpoint_path, base_path, version=None)` each write
`base_path/<version>/` and return its path; `METRICS_KEYS` are the run metrics an export
records, `ExportError` what a failed one raises. The functions load on first use, so
`python -m export` can reject bad arguments before TensorFlow is imported.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path serving/models/mnist
"""

import importlib

from export.checkpoint import METRICS_KEYS
from export.writer import ExportError

__all__ = ["METRICS_KEYS", "ExportError", "export_checkpoint", "export_model"]
_LAZY = ("export_checkpoint", "export_model")


def __getattr__(name):
    # PEP 562: import the TensorFlow-heavy exporter only when its functions are asked for.
    if name in _LAZY:
        return getattr(importlib.import_module("export.exporter"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
