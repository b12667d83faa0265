"""Writes versioned, atomic SavedModels that TensorFlow Serving loads.

`export_model(model, base_path, version=None, metadata=None)` and
`export_checkpoint(checkpoint_path, base_path, version=None)` each write
`base_path/<version>/` and return its path. They are loaded on first use, so
`python -m export` can reject bad arguments before TensorFlow is imported.

Example:
    python -m export --checkpoint runs/tuned/model.keras --base-path serving/models/mnist
"""

import importlib

from model import quiet  # noqa: F401  (before anything imports TensorFlow)

__all__ = ["export_checkpoint", "export_model"]


def __getattr__(name):
    # PEP 562: import the TensorFlow-heavy exporter only when its functions are asked for.
    if name in __all__:
        return getattr(importlib.import_module("export.exporter"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
