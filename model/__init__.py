"""The hand-built MNIST model, its data loading and its training script.

Example:
    python -m model.train --recipe tuned
"""

from model.data import load_mnist, make_dataset
from model.mlp import ManualMLP

__all__ = ["ManualMLP", "load_mnist", "make_dataset"]
