"""Tests of `python -m pipeline`: train, export the next version, and the --if-empty rule."""

import json

import pytest

from common.contract import ASSETS_EXTRA, EXPORT_INFO_FILE
from pipeline.train_export import main

# The slow tier: training runs.
pytestmark = pytest.mark.slow


def test_pipeline_exports_a_version_that_describes_the_run(tmp_path):
    main(
        ["--recipe", "tuned", "--epochs", "1", "--train-limit", "4096", "--seed", "2"]
        + ["--verbose", "0", "--run-dir", str(tmp_path / "run")]
        + ["--export-base", str(tmp_path / "models")]
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    version_dir = tmp_path / "models" / "1"
    assert metrics["export_path"] == str(version_dir)
    info = json.loads((version_dir / ASSETS_EXTRA / EXPORT_INFO_FILE).read_text())
    assert info["version"] == 1 and info["recipe"] == "tuned"
    assert info["test_accuracy"] == metrics["test_accuracy"]
    assert info["model_config"]["hidden_units"] == [256, 128]
    assert info["temperature"] == info["model_config"]["temperature"] == metrics["temperature"]
    assert info["calibration"] == metrics["calibration"]


def test_pipeline_if_empty_skips_a_base_path_that_holds_a_version(tmp_path, capsys):
    (tmp_path / "models" / "3").mkdir(parents=True)
    main(["--if-empty", "--export-base", str(tmp_path / "models"), "--run-dir", str(tmp_path)])
    assert "already holds versions [3]; not training" in capsys.readouterr().out
    assert not (tmp_path / "model.keras").exists()


def test_pipeline_export_error_exits_with_one_line(tmp_path, monkeypatch):
    from export import ExportError
    from pipeline import train_export

    def failing(model, metrics):
        raise ExportError("version 1 appeared meanwhile")

    monkeypatch.setattr(train_export, "exporter", lambda base_path: failing)
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["--epochs", "1", "--train-limit", "256", "--verbose", "0", "--run-dir", str(tmp_path)]
            + ["--export-base", str(tmp_path / "models")]
        )
    assert exit_info.value.code == "python -m pipeline: error: version 1 appeared meanwhile"
