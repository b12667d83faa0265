"""Tests of the training configuration: recipes, overrides and validation."""

import dataclasses

import pytest

from model.training.config import RECIPES, TrainConfig, hyperparameters, make_config


def test_make_config_seed_recipe_is_origin_loop():
    config = make_config("seed")
    assert (config.optimizer, config.learning_rate, config.batch_size) == ("sgd", 1e-3, 128)
    assert (config.epochs, config.shuffle, config.lr_schedule) == (10, False, "constant")
    assert config.hidden_units == (256, 128)


def test_make_config_overrides_only_given_values():
    config = make_config("tuned", epochs=3, learning_rate=None)
    assert config.epochs == 3
    assert config.learning_rate == RECIPES["tuned"]["learning_rate"]
    assert config.optimizer == "adam" and config.shuffle is True


def test_make_config_sets_every_hyperparameter():
    for recipe in RECIPES:
        config = make_config(recipe)
        unset = [f.name for f in dataclasses.fields(TrainConfig) if getattr(config, f.name) is None]
        assert set(unset) <= {"seed", "train_limit", "data", "run_dir"}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"batch_size": -4}, "batch_size must be a positive integer, got -4"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive number"),
        ({"learning_rate": -0.1}, "learning_rate must be a positive number, got -0.1"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of sgd, adam, got 'lbfgs'"),
        ({"lr_schedule": "step"}, "lr_schedule must be one of constant, cosine"),
        ({"hidden_units": (128, 0)}, r"hidden_units must be positive integers, got \(128, 0\)"),
        ({"train_limit": 0}, "train_limit must be a positive integer, got 0"),
        ({"verbose": 3}, "verbose must be 0, 1 or 2, got 3"),
        ({"validation_size": -5}, "validation_size must be a non-negative integer, got -5"),
        ({"translation": -0.1}, "translation must be a fraction between 0 and 0.5, got -0.1"),
        ({"rotation": 1.0}, "rotation must be a fraction between 0 and 0.5, got 1.0"),
    ],
)
def test_make_config_rejects_bad_values(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_config("seed", **overrides)


def test_make_config_rejects_unknown_recipe():
    with pytest.raises(ValueError, match="recipe must be one of seed, tuned, got 'fast'"):
        make_config("fast")


def test_hyperparameters_are_json_ready():
    values = hyperparameters(make_config("seed", seed=4))
    assert values["hidden_units"] == [256, 128] and values["seed"] == 4
    assert values["recipe"] == "seed"
