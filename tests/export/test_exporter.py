"""export_model and export_checkpoint: layout, self-description, numbering, refusal and
failure that leave the base path as it was.

Example:
    .venv/bin/pytest tests/export/test_exporter.py
"""

import datetime
import hashlib
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from common import contract, versions
from export import exporter, savedmodel, warmup, writer
from model import ManualMLP


def _snapshot(path):
    # Every entry under path with a hash of each file's bytes.
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(path.rglob("*"))
    }


def _info(version_dir):
    return json.loads((version_dir / contract.ASSETS_EXTRA / contract.EXPORT_INFO_FILE).read_text())


def test_export_model_writes_a_complete_version(exported_model):
    assert versions.numeric_versions(exported_model) == [1]
    assert sorted(p.name for p in exported_model.iterdir()) == ["1"]
    files = _snapshot(exported_model / "1")
    for name in [
        savedmodel.SAVED_MODEL_FILE,
        "fingerprint.pb",
        "variables/variables.index",
        f"{contract.ASSETS_EXTRA}/{contract.EXPORT_INFO_FILE}",
        f"{contract.ASSETS_EXTRA}/{contract.WARMUP_FILE}",
    ]:
        assert files.get(name), name


def test_export_info_round_trips(exported_model, trained_model):
    info = _info(exported_model / "1")
    assert info["version"] == 1
    assert info["model_name"] == contract.MODEL_NAME
    assert info["signatures"] == list(contract.SIGNATURES)
    assert info["recipe"] == "conftest"
    assert 0.9 < info["test_accuracy"] <= 1.0
    assert info["model_config"] == json.loads(json.dumps(trained_model.get_config()))
    # The temperature baked into the probabilities, fitted on held-out data (not the default).
    assert info["temperature"] == info["model_config"]["temperature"] == trained_model.temperature
    assert info["temperature"] != 1.0
    assert info["tensorflow_version"] == tf.__version__
    exported_at = datetime.datetime.fromisoformat(info["export_time"])
    assert abs(datetime.datetime.now(datetime.UTC) - exported_at) < datetime.timedelta(hours=1)
    # The export describes itself: its config rebuilds the same architecture.
    rebuilt = ManualMLP.from_config(info["model_config"])
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in trained_model.weights]


def test_export_model_numbers_versions(trained_model, tmp_path):
    assert exporter.export_model(trained_model, tmp_path) == tmp_path / "1"
    assert exporter.export_model(trained_model, tmp_path, version=7) == tmp_path / "7"
    assert exporter.export_model(trained_model, tmp_path) == tmp_path / "8"
    assert [_info(tmp_path / str(v))["version"] for v in (1, 7, 8)] == [1, 7, 8]


def test_export_model_refuses_existing_version(trained_model, tmp_path):
    exporter.export_model(trained_model, tmp_path, version=3)
    before = _snapshot(tmp_path)
    with pytest.raises(FileExistsError, match="never overwritten"):
        exporter.export_model(trained_model, tmp_path, version=3)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "module, step", [(savedmodel, "set_method_names"), (warmup, "write_warmup")]
)
def test_export_model_failure_midway_leaves_base_path_unchanged(
    trained_model, tmp_path, monkeypatch, module, step
):
    exporter.export_model(trained_model, tmp_path)
    before = _snapshot(tmp_path)

    def fail(*args):
        # Runs after tf.saved_model.save has written the graph and variables.
        raise OSError(f"simulated failure in {step}")

    monkeypatch.setattr(module, step, fail)
    with pytest.raises(writer.ExportError, match=f"simulated failure in {step}"):
        exporter.export_model(trained_model, tmp_path)
    assert _snapshot(tmp_path) == before


def test_export_model_failure_leaves_no_new_base_path(trained_model, tmp_path, monkeypatch):
    def fail(path):
        raise OSError("simulated failure")

    monkeypatch.setattr(warmup, "write_warmup", fail)
    with pytest.raises(writer.ExportError):
        exporter.export_model(trained_model, tmp_path / "mnist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "metadata, message",
    [({"version": 9}, "may not set"), ({"recipe": object()}, "JSON-serializable")],
)
def test_export_model_rejects_bad_metadata(trained_model, tmp_path, metadata, message):
    with pytest.raises(ValueError, match=message):
        exporter.export_model(trained_model, tmp_path, metadata=metadata)
    assert list(tmp_path.iterdir()) == []


def test_export_model_rejects_model_without_temperature(tmp_path):
    plain = keras.Sequential([keras.Input((contract.NUM_PIXELS,)), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="expected a positive float model.temperature, got None"):
        exporter.export_model(plain, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_export_model_rejects_model_of_wrong_shape(tmp_path):
    with pytest.raises(ValueError, match=r"expected \[1, 10\]"):
        exporter.export_model(ManualMLP(num_classes=5, seed=0), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_export_checkpoint_records_run_metrics(trained_model, mnist, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    trained_model.save(run_dir / "model.keras")
    metrics = {"recipe": "tuned", "test_accuracy": 0.97, "epochs": 2}
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    path = exporter.export_checkpoint(run_dir / "model.keras", tmp_path / "models")
    assert path == tmp_path / "models" / "1"
    info = _info(path)
    assert (info["recipe"], info["test_accuracy"]) == ("tuned", 0.97)
    assert "epochs" not in info
    # The exported weights are the checkpoint's.
    _, (x_test, _) = mnist
    loaded = tf.saved_model.load(str(path))
    scores = loaded.signatures[contract.PREDICT_PIXELS](images=tf.constant(x_test[:16]))
    expected = trained_model(x_test[:16].reshape(16, -1) / 255.0)
    np.testing.assert_allclose(scores[contract.SCORES], expected, atol=1e-5, rtol=0)


def test_export_checkpoint_rejects_unloadable_file(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"not a zip archive")
    with pytest.raises(ValueError, match="cannot load checkpoint"):
        exporter.export_checkpoint(tmp_path / "model.keras", tmp_path / "models")
    assert not (tmp_path / "models").exists()
