"""Tests of the training script: recipes end to end, the run directory, CLI errors, divergence."""

import csv
import json
import os
import subprocess
import sys

import pytest

from model.config import make_config
from model.train import DivergenceError, main, train
from serving.contract import ASSETS_EXTRA, EXPORT_INFO_FILE

# Measured: two tuned epochs on the full training set reach 0.967-0.970 test accuracy
# (seeds 0, 1, 2); the seed recipe stays below 0.3 after two epochs.
TUNED_TWO_EPOCH_BOUND = 0.96


def test_train_seed_recipe_loss_falls(tmp_path):
    lines = []
    config = make_config("seed", epochs=3, train_limit=12800, seed=0, verbose=0, run_dir=tmp_path)
    metrics = train(config, print_fn=lines.append)
    with open(tmp_path / "history.csv") as f:
        losses = [float(row["loss"]) for row in csv.DictReader(f)]
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]
    assert [line.split()[:4] for line in lines[:-1]] == [
        ["epoch", str(epoch), "step", "100"] for epoch in (1, 2, 3)
    ]
    assert lines[-1].startswith("test accuracy ")
    assert metrics["recipe"] == "seed" and metrics["optimizer"] == "sgd"
    assert metrics["train_examples"] == 12800


def test_train_writes_self_describing_run_dir(tmp_path):
    config = make_config("seed", epochs=2, train_limit=2048, seed=1, verbose=0, run_dir=tmp_path)
    train(config, print_fn=lambda line: None)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"model.keras", "history.csv", "metrics.json", "curves.png", "confusion.png"} <= names
    assert {p.name for p in (tmp_path / "checkpoints").iterdir()} == {
        "epoch01.keras",
        "epoch02.keras",
    }
    assert (tmp_path / "logs" / "train").is_dir()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert {"test_accuracy", "test_loss", "seconds_per_epoch", "recipe", "learning_rate"} <= set(
        metrics
    )
    assert len(metrics["seconds_per_epoch"]) == 2 and 0 <= metrics["test_accuracy"] <= 1
    assert not [n for n in names if n.startswith(".")]  # no partial files left


def test_train_exports_a_version_that_describes_the_run(tmp_path):
    config = make_config(
        "tuned",
        epochs=1,
        train_limit=4096,
        seed=2,
        verbose=0,
        run_dir=tmp_path / "run",
        export_base=tmp_path / "models",
    )
    metrics = train(config, print_fn=lambda line: None)
    version_dir = tmp_path / "models" / "1"
    assert metrics["export_path"] == str(version_dir)
    info = json.loads((version_dir / ASSETS_EXTRA / EXPORT_INFO_FILE).read_text())
    assert info["version"] == 1 and info["recipe"] == "tuned"
    assert info["test_accuracy"] == metrics["test_accuracy"]
    assert info["model_config"]["hidden_units"] == [256, 128]


def test_train_tuned_short_run_clears_measured_bound(tmp_path):
    config = make_config("tuned", epochs=2, seed=0, verbose=0, run_dir=tmp_path)
    metrics = train(config, print_fn=lambda line: None)
    assert metrics["test_accuracy"] >= TUNED_TWO_EPOCH_BOUND


def test_train_tuned_recipe_reaches_98_percent_in_10_epochs(tmp_path):
    # The requirement, run in full (about 15 s here); measured 98.26-98.34%.
    metrics = train(make_config("tuned", seed=0, verbose=0, run_dir=tmp_path), print_fn=print)
    assert metrics["epochs"] == 10 and metrics["test_accuracy"] >= 0.98


def test_train_unseeded_runs_draw_and_record_a_shuffle_seed(tmp_path):
    seeds = []
    for run in ("a", "b"):
        config = make_config("tuned", epochs=1, train_limit=512, verbose=0, run_dir=tmp_path / run)
        seeds.append(train(config, print_fn=lambda line: None)["shuffle_seed"])
    assert all(isinstance(seed, int) for seed in seeds) and seeds[0] != seeds[1]


def test_train_diverging_rate_raises_and_saves_no_model(tmp_path):
    config = make_config(
        "seed", learning_rate=1e6, epochs=2, train_limit=2048, verbose=0, run_dir=tmp_path
    )
    with pytest.raises(DivergenceError, match="loss diverged"):
        train(config, print_fn=lambda line: None)
    assert not (tmp_path / "model.keras").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "epochs must be a positive integer, got 0"),
        (["--epochs", "two"], "argument --epochs: invalid int value: 'two'"),
        (["--learning-rate", "-1"], "learning_rate must be a positive number, got -1.0"),
        (["--recipe", "fast"], "argument --recipe: invalid choice: 'fast'"),
        (["--hidden-units", "256,x"], "expected comma-separated positive integers, got '256,x'"),
        (["--shuffle", "maybe"], "expected true or false, got 'maybe'"),
        (["--optimizer", "rmsprop"], "optimizer must be one of sgd, adam, got 'rmsprop'"),
        (["--data", "/nonexistent/mnist.npz"], "/nonexistent/mnist.npz: no such file"),
    ],
)
def test_main_rejects_bad_values_in_one_line(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--run-dir", str(tmp_path / "run")])
    code = exit_info.value.code
    text = code if isinstance(code, str) else capsys.readouterr().err
    assert code != 0 and code is not None
    assert message in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "run" / "model.keras").exists()


def test_cli_diverging_run_exits_nonzero_with_reason(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "model.train", "--learning-rate", "1e6", "--epochs", "1"]
        + ["--train-limit", "1024", "--verbose", "0", "--run-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m model.train: error: loss diverged")
    assert "Traceback" not in result.stderr
