"""Every tunable of the training script in one place: defaults, help text, recipes, checks.

A recipe is a named set of defaults; any flag given on the command line overrides it.

Example:
    python -m model.training --recipe tuned --epochs 3
"""

import dataclasses
import math
from dataclasses import dataclass, field

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "cosine")


def _help(text):
    return field(default=None, metadata={"help": text})


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters and paths of one training run. None means "the recipe's value"."""

    recipe: str = field(default="seed", metadata={"help": "named defaults: seed or tuned"})
    epochs: int = _help("passes over the training set")
    batch_size: int = _help("examples per step")
    optimizer: str = _help(f"one of {', '.join(OPTIMIZERS)}")
    learning_rate: float = _help("initial learning rate")
    lr_schedule: str = _help(f"one of {', '.join(SCHEDULES)} (cosine decays to 0 over the run)")
    shuffle: bool = _help("reshuffle the training set every epoch (false keeps dataset order)")
    seed: int = _help(
        "seed of the initial weights, the shuffle and the augmentation (default: fresh randomness)"
    )
    validation_size: int = _help(
        "hold out the last N training images to validate on and fit the calibration "
        "temperature (0: train on all 60,000, as the origin did, and leave T = 1)"
    )
    translation: float = _help(
        "random shift of each training image, up to this fraction of its size (0: none)"
    )
    rotation: float = _help(
        "random rotation of each training image, up to this fraction of a full turn (0: none)"
    )
    hidden_units: tuple = _help("hidden layer widths, comma-separated, e.g. 256,128")
    steps_per_execution: int = _help("steps run per compiled call (speed; logs come per call)")
    jit_compile: bool = _help("compile train steps with XLA (faster on CPU here)")
    log_every: int = _help("print an origin-style loss line every this many steps")
    train_limit: int = _help("use only the first N training examples (quick runs)")
    data: str = _help("MNIST .npz file (default: the repo's data/mnist.npz)")
    run_dir: str = _help("directory for the run's files (default: runs/<timestamp>)")
    verbose: int = _help("Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch")
    workers: int = _help(
        "train on this many local worker processes with MultiWorkerMirroredStrategy "
        "(docs/training.md: multi-worker training; on real machines set TF_CONFIG instead)"
    )


SEED_RECIPE = dict(
    epochs=10,
    batch_size=128,
    optimizer="sgd",
    learning_rate=1e-3,
    lr_schedule="constant",
    shuffle=False,
    hidden_units=(256, 128),
    steps_per_execution=100,
    jit_compile=True,
    log_every=100,
    verbose=1,
    validation_size=5000,
    translation=0.0,
    rotation=0.0,
    workers=1,
)
# Same model and MSE loss; Adam with a cosine-decayed rate, smaller batches, per-epoch
# shuffling, and digits shifted by up to 2.2 px and turned by up to 10.8 degrees, for 30
# epochs (its accuracy and calibration: docs/training.md).
TUNED_RECIPE = {
    **SEED_RECIPE,
    "epochs": 30,
    "optimizer": "adam",
    "lr_schedule": "cosine",
    "batch_size": 32,
    "shuffle": True,
    "translation": 0.08,
    "rotation": 0.03,
}
RECIPES = {"seed": SEED_RECIPE, "tuned": TUNED_RECIPE}


def make_config(recipe="seed", **overrides):
    """Builds a validated config from a recipe and the overrides that are not None.

    Args:
        recipe: a key of RECIPES.
        **overrides: TrainConfig fields; None values are ignored.

    Returns:
        A TrainConfig with every hyperparameter set.

    Raises:
        ValueError: naming the first bad value.
    """
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {recipe!r}")
    given = {key: value for key, value in overrides.items() if value is not None}
    config = TrainConfig(recipe=recipe, **{**RECIPES[recipe], **given})
    validate(config)
    return config


def validate(config):
    """Raises ValueError naming the first bad value of `config`."""
    for name in ("epochs", "batch_size", "steps_per_execution", "log_every", "workers"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not isinstance(config.validation_size, int) or config.validation_size < 0:
        raise ValueError(
            f"validation_size must be a non-negative integer, got {config.validation_size!r}"
        )
    for name in ("translation", "rotation"):
        value = getattr(config, name)
        if not (math.isfinite(value) and 0 <= value <= 0.5):
            raise ValueError(f"{name} must be a fraction between 0 and 0.5, got {value!r}")
    if config.train_limit is not None and config.train_limit < 1:
        raise ValueError(f"train_limit must be a positive integer, got {config.train_limit!r}")
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {config.optimizer!r}"
        )
    if config.lr_schedule not in SCHEDULES:
        raise ValueError(
            f"lr_schedule must be one of {', '.join(SCHEDULES)}, got {config.lr_schedule!r}"
        )
    if not (math.isfinite(config.learning_rate) and config.learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {config.learning_rate!r}")
    if not config.hidden_units or any(u < 1 for u in config.hidden_units):
        raise ValueError(f"hidden_units must be positive integers, got {config.hidden_units!r}")
    if config.verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {config.verbose!r}")


def hyperparameters(config):
    """The config as a JSON-ready dict (tuples become lists)."""
    values = dataclasses.asdict(config)
    values["hidden_units"] = list(config.hidden_units)
    return values
