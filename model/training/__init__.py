"""The training application: the `model.fit` script around ManualMLP and what it writes.

Keras keeps its models apart from its trainers; so does this project. `model` is the
network and its input; this package runs it:
- `cli`: `python -m model.training`, one flag per TrainConfig field;
- `config`: the seed and tuned recipes and the validated, frozen TrainConfig;
- `train`: one run, `model.fit` with its callbacks, evaluation, calibration and run directory;
- `callbacks`: the origin's loss lines, true-step progress bars, epoch timing;
- `resume`: atomic checkpoints and writes, resuming a killed run;
- `evaluate`, `plots`: test metrics, calibration and PNG figures;
- `distribute`, `launch`: multi-worker training and its local launcher.
Nothing here exports; `python -m pipeline` trains with this package, then exports.

Example:
    python -m model.training --recipe tuned --run-dir runs/tuned
"""

from model.training.config import RECIPES, TrainConfig, make_config

__all__ = ["RECIPES", "TrainConfig", "make_config"]
