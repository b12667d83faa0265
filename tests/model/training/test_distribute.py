"""Tests of multi-worker training: TF_CONFIG parsing, 2 workers vs 1, a killed worker restarted.

Each MultiWorkerMirroredStrategy worker needs its own process, so the end-to-end tests run
`python -m model.training` as subprocesses on 127.0.0.1 ports with a few hundred examples.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import model.mlp  # noqa: F401  (registers ManualMLP for load_model)
from model.training.cli import main
from model.training.config import make_config
from model.training.distribute import current_worker, read_tf_config

# The seed recipe on the first 512 training images, batch 64 (8 steps per epoch); a larger
# rate than the recipe's 1e-3 so that the weights move far enough for a difference to show.
TINY = ["--train-limit", "512", "--batch-size", "64", "--seed", "0", "--learning-rate", "0.05"]
TINY += ["--validation-size", "1000", "--verbose", "0", "--log-every", "1000"]


def _cluster(task_type, index, chief=0, workers=2):
    cluster = {"worker": [f"127.0.0.1:{2000 + i}" for i in range(workers)]}
    if chief:
        cluster["chief"] = ["127.0.0.1:1999"]
    return {
        "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})
    }


def test_read_tf_config_positions_chief_and_workers():
    assert read_tf_config({}) is None
    assert read_tf_config(_cluster("worker", 0, workers=1)) is None
    assert read_tf_config(_cluster("worker", 0)) == (2, 0, True)
    assert read_tf_config(_cluster("worker", 1)) == (2, 1, False)
    assert read_tf_config(_cluster("chief", 0, chief=1)) == (3, 0, True)
    assert read_tf_config(_cluster("worker", 0, chief=1)) == (3, 1, False)


@pytest.mark.parametrize(
    "tf_config",
    ["not json", "[]", '{"cluster": {"worker": ["a:1", "b:1"]}}', _cluster("ps", 0)["TF_CONFIG"]],
)
def test_read_tf_config_rejects_bad_description(tf_config):
    with pytest.raises(ValueError, match="TF_CONFIG is not a valid cluster description"):
        read_tf_config({"TF_CONFIG": tf_config})


def test_read_tf_config_rejects_task_outside_cluster():
    with pytest.raises(ValueError, match="is not in the cluster"):
        read_tf_config(_cluster("worker", 5))


def test_current_worker_alone_keeps_config_and_default_strategy():
    config = make_config("seed", seed=0)
    worker = current_worker(config, environ={})
    assert worker.config is config and worker.is_chief and worker.callbacks == ()
    assert worker.strategy is tf.distribute.get_strategy()


def test_current_worker_in_cluster_needs_run_dir():
    with pytest.raises(ValueError, match="needs --run-dir"):
        current_worker(make_config("seed"), environ=_cluster("worker", 1))


def test_main_rejects_bad_workers_and_tf_config(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--workers", "0"])
    assert "workers must be a positive integer, got 0" in str(exit_info.value.code)
    monkeypatch.setenv("TF_CONFIG", "{oops")
    with pytest.raises(SystemExit) as exit_info:
        main(["--workers", "2"])
    message = str(exit_info.value.code)
    assert message.startswith("python -m model.training: error: TF_CONFIG is not a valid")
    assert "\n" not in message


def _train(tmp_path, name, *flags, timeout=600):
    """Runs python -m model.training with TINY and `flags`; returns (run_dir, its output)."""
    run_dir = tmp_path / name
    command = [sys.executable, "-m", "model.training", *TINY, "--run-dir", str(run_dir), *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir, result.stdout


def _history(run_dir):
    with open(run_dir / "history.csv") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_train_two_workers_match_one_worker(tmp_path):
    one, _ = _train(tmp_path, "one", "--epochs", "2")
    two, output = _train(tmp_path, "two", "--epochs", "2", "--workers", "2")
    assert output.count(" pid ") == 2 and "test accuracy" in output
    single = keras.models.load_model(one / "model.keras").get_weights()
    multi = keras.models.load_model(two / "model.keras").get_weights()
    initial = model.mlp.ManualMLP(seed=0).get_weights()
    moved = max(np.max(np.abs(a - b)) for a, b in zip(single, initial, strict=True))
    difference = max(np.max(np.abs(a - b)) for a, b in zip(single, multi, strict=True))
    print(f"2 workers vs 1: max weight difference {difference:.2e} (weights moved {moved:.3f})")
    assert moved > 1e-2 and difference < 1e-5
    metrics = json.loads((two / "metrics.json").read_text())
    assert metrics["workers"] == 2 and metrics["train_examples"] == 512
    # Logged figures are means over both workers, so they match the one-process run's.
    for row_one, row_two in zip(_history(one), _history(two), strict=True):
        assert float(row_two["loss"]) == pytest.approx(float(row_one["loss"]), abs=1e-6)
    assert not (two / "backup").exists()  # the chief's backup is removed when training ends


@pytest.mark.slow
def test_launch_restarts_killed_worker_and_finishes(tmp_path):
    run_dir, base, log = tmp_path / "run", tmp_path / "models", tmp_path / "out.txt"
    command = [sys.executable, "-m", "pipeline", *TINY, "--epochs", "6", "--workers", "2"]
    command += ["--run-dir", str(run_dir), "--export-base", str(base)]
    with open(log, "w") as out:
        launcher = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            backup = run_dir / "backup" / "training_metadata.json"
            deadline = time.monotonic() + 300
            while not backup.exists() and launcher.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            epoch_at_kill = json.loads(backup.read_text())["epoch"]
            pid = int(log.read_text().split("worker 1 pid ")[1].split()[0])
            os.kill(pid, signal.SIGKILL)
            assert launcher.wait(timeout=600) == 0, log.read_text()[-3000:]
        finally:
            if launcher.poll() is None:
                launcher.kill()
    output = log.read_text()
    print(f"worker 1 killed after epoch {epoch_at_kill}; the job resumed and exported")
    assert f"worker 1 exited with -{signal.SIGKILL.value}; restarting all 2 workers" in output
    epochs = [int(row["epoch"]) for row in _history(run_dir)]
    # The restarted run resumed after the last complete epoch instead of starting again
    # (model/training/resume.py), kept the history before the kill, and finished.
    assert epoch_at_kill > 0 and "resuming" in output
    assert epochs == list(range(6))
    assert (base / "1" / "saved_model.pb").is_file()
    assert json.loads((run_dir / "metrics.json").read_text())["workers"] == 2
