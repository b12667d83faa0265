"""Checkpoint path checks and the run metrics read next to a checkpoint.

Example:
    .venv/bin/pytest tests/export/test_checkpoint.py
"""

import json

import pytest

from export import checkpoint


def test_checkpoint_check_accepts_keras_file(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"archive")
    assert checkpoint.check_checkpoint(str(path)) == path


def test_checkpoint_check_rejects_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        checkpoint.check_checkpoint(tmp_path / "model.keras")
    with pytest.raises(FileNotFoundError, match="not a file"):
        checkpoint.check_checkpoint(tmp_path)


def test_checkpoint_check_rejects_other_formats(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"hdf5")
    with pytest.raises(ValueError, match=r"not a \.keras file"):
        checkpoint.check_checkpoint(path)


def test_checkpoint_run_metrics_keeps_recipe_and_accuracy(tmp_path):
    metrics = {"recipe": "tuned", "test_accuracy": 0.981, "test_loss": 0.01, "epochs": 10}
    (tmp_path / checkpoint.METRICS_FILE).write_text(json.dumps(metrics))
    assert checkpoint.run_metrics(tmp_path / "model.keras") == {
        "recipe": "tuned",
        "test_accuracy": 0.981,
    }


def test_checkpoint_run_metrics_without_file_is_empty(tmp_path):
    assert checkpoint.run_metrics(tmp_path / "model.keras") == {}


@pytest.mark.parametrize("text, message", [("{not json", "not readable JSON"), ("[1]", "object")])
def test_checkpoint_run_metrics_rejects_bad_file(tmp_path, text, message):
    (tmp_path / checkpoint.METRICS_FILE).write_text(text)
    with pytest.raises(ValueError, match=message):
        checkpoint.run_metrics(tmp_path / "model.keras")
