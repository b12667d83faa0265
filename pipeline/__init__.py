"""The top layer's glue: train with `model.training`, then export with `export`.

`model` never imports `export`, so the one step that needs both, training a model and
writing it as the next SavedModel version, lives here, above both:
- `train_export`: `python -m pipeline`, the training flags plus `--export-base` (export
  the trained model as the next version) and `--if-empty` (do nothing when the base path
  already holds a version: the compose trainer's start-up rule).

Example:
    python -m pipeline --recipe tuned --export-base serving/models/mnist
"""

__all__ = ["main"]

from pipeline.train_export import main
