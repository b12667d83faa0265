"""The hand-built MNIST model, its data loading and its training script.

`ManualMLP`, `load_mnist` and `make_dataset` are loaded on first use (PEP 562), so an
entry point such as `python -m serving.server --bad-flag` can answer before TensorFlow
is imported; importing this package first quiets TensorFlow's start-up (`model.quiet`).

Example:
    python -m model.train --recipe tuned
"""

import importlib

from model import quiet  # noqa: F401  (before anything imports TensorFlow)

__all__ = ["ManualMLP", "load_mnist", "make_dataset"]
_HOMES = {"ManualMLP": "model.mlp", "load_mnist": "model.data", "make_dataset": "model.data"}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
