"""Training that survives kill -9: atomic checkpoints, settings checks, and resuming exactly.

Example:
    .venv/bin/pytest -s tests/model/test_resume.py
"""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from model import ManualMLP
from model.training import resume

TRAIN = [
    sys.executable,
    "-m",
    "model.training",
    "--recipe",
    "seed",
    "--seed",
    "0",
    "--verbose",
    "0",
]
TRAIN += ["--epochs", "8", "--train-limit", "30000", "--validation-size", "1000"]


def test_resume_save_atomically_leaves_no_file_when_killed_midway(tmp_path, monkeypatch):
    model = ManualMLP(seed=0)
    target = tmp_path / "epoch01.keras"

    def dies_midway(path):
        path.write_bytes(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # as a signal would, in the middle of the write

    monkeypatch.setattr(model, "save", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        resume.save_atomically(model, target)
    assert list(tmp_path.iterdir()) == []


def test_resume_last_checkpoint_skips_and_removes_partial_files(tmp_path):
    assert resume.last_checkpoint(tmp_path / "missing") == (0, None)
    for name in ["epoch01.keras", "epoch02.keras", ".epoch03.partial.keras", "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")
    assert resume.last_checkpoint(tmp_path) == (2, tmp_path / "epoch02.keras")
    assert not (tmp_path / ".epoch03.partial.keras").exists()


def test_resume_check_settings_refuses_other_settings_and_finished_runs(tmp_path):
    settings = {"epochs": 3, "seed": None, "data_seed": 11, "verbose": 1, "run_dir": "a"}
    assert resume.check_settings(tmp_path, settings)["data_seed"] == 11
    again = {**settings, "data_seed": 12, "verbose": 0, "run_dir": "b"}
    assert resume.check_settings(tmp_path, again)["data_seed"] == 11  # the first start's
    with pytest.raises(ValueError, match=r"other settings \(epochs 3 -> 4\)"):
        resume.check_settings(tmp_path, {**settings, "epochs": 4})
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(ValueError, match="holds a finished run"):
        resume.check_settings(tmp_path, settings)


def test_trim_history_keeps_the_checkpoints_epochs_only(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,0.9\n1,0.5\n2,0.4\n")
    resume.trim_history(path, 2)
    assert path.read_text() == "epoch,loss\n0,0.9\n1,0.5\n"
    resume.trim_history(path, 5)
    assert path.read_text() == "epoch,loss\n0,0.9\n1,0.5\n"
    resume.trim_history(tmp_path / "absent.csv", 1)
    assert not (tmp_path / "absent.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]  # no partial file left


def _weights(run_dir):
    return keras.models.load_model(run_dir / "model.keras").get_weights()


@pytest.mark.slow
def test_resume_killed_run_ends_with_the_weights_of_an_uninterrupted_run(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [*TRAIN, "--run-dir", str(killed)], env=env, stdout=subprocess.DEVNULL
    )
    while not (killed / "checkpoints" / "epoch02.keras").exists() and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # mid-epoch 3, or while its checkpoint is written
    process.wait()
    assert not (killed / "metrics.json").exists(), "the run ended before it could be killed"
    for checkpoint in (killed / "checkpoints").glob("epoch*.keras"):
        keras.models.load_model(checkpoint)  # every complete-looking checkpoint loads
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*TRAIN, "--run-dir", str(killed)], **quiet)
    subprocess.run([*TRAIN, "--run-dir", str(whole)], **quiet)
    metrics = json.loads((killed / "metrics.json").read_text())
    assert metrics["resumed_after_epoch"] >= 2
    history = (killed / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == [str(e) for e in range(8)]
    difference = max(
        float(np.abs(a - b).max()) for a, b in zip(_weights(killed), _weights(whole), strict=True)
    )
    print(f"\nresumed after epoch {metrics['resumed_after_epoch']}: max |weight difference| "
          f"{difference:.3g}")  # fmt: skip
    assert difference == 0.0
