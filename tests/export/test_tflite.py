"""The exporter's model.tflite: converted signatures, their metadata, and the agreement check
that gates the version.

Example:
    .venv/bin/pytest tests/export/test_tflite.py
"""

import asyncio
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from common import contract, versions
from export import __main__ as cli
from export import exporter, tflite, writer
from export.tflite_signatures import read_signature_defs
from model import ManualMLP
from serving.core import Servable, replay_warmup
from serving.core.tflite_servable import TfLiteServable
from serving.errors import ServingError

REPO = pathlib.Path(__file__).resolve().parents[2]
NUMERIC = {
    contract.SERVING_DEFAULT,
    contract.PREDICT_IMAGES,
    contract.PREDICT_DETAILED,
    contract.PREDICT_PIXELS,
}


@pytest.fixture(scope="module")
def tflite_export(trained_model, tmp_path_factory):
    """Version 1 of trained_model exported with model.tflite."""
    base = tmp_path_factory.mktemp("tflite") / "mnist"
    return exporter.export_model(trained_model, base, version=1, with_tflite=True)


def test_export_with_tflite_maps_the_numeric_signatures_as_the_saved_model(tflite_export):
    lite = read_signature_defs((tflite_export / tflite.MODEL_FILE).read_bytes())
    assert set(lite) == NUMERIC  # the string signatures cannot be converted
    saved = tf.saved_model.load(str(tflite_export)).signatures
    interpreter = tf.lite.Interpreter(model_content=(tflite_export / "model.tflite").read_bytes())
    names = {d["name"] for d in interpreter.get_input_details() + interpreter.get_output_details()}
    for key, signature_def in lite.items():
        inputs = saved[key].structured_input_signature[1]
        assert set(signature_def.inputs) == set(inputs)
        assert set(signature_def.outputs) == set(saved[key].structured_outputs)
        assert signature_def.method_name == contract.PREDICT_METHOD
        for info in [*signature_def.inputs.values(), *signature_def.outputs.values()]:
            assert info.name in names  # TF Serving finds each tensor by its name
        for alias, info in signature_def.inputs.items():
            assert tf.as_dtype(info.dtype) == inputs[alias].dtype


def test_export_with_tflite_records_the_agreement_check(tflite_export):
    info_path = tflite_export / contract.ASSETS_EXTRA / contract.EXPORT_INFO_FILE
    record = json.loads(info_path.read_text())["tflite"]
    assert set(record["signatures"]) == NUMERIC
    assert record["checked_digits"] == tflite.CHECK_DIGITS
    assert 0 <= record["max_abs_diff"] <= tflite.TOLERANCE * 10


def test_tflite_probabilities_agree_with_the_saved_model_on_test_digits(tflite_export, mnist):
    _, (x_test, _) = mnist
    digits = x_test[-500:]  # not the digits the export checked
    model = (tflite_export / tflite.MODEL_FILE).read_bytes()
    signature_def = read_signature_defs(model)[contract.SERVING_DEFAULT]
    images = (digits / 255.0).astype(np.float32)
    interpreter = tf.lite.Interpreter(model_content=model)
    got = tflite.run_signature(interpreter, signature_def, {contract.IMAGES: images})
    saved = tf.saved_model.load(str(tflite_export)).signatures[contract.SERVING_DEFAULT]
    expected = saved(images=images)[contract.PROBABILITIES].numpy()
    probabilities = got[contract.PROBABILITIES]
    assert probabilities.shape == (500, 10)
    assert np.abs(probabilities - expected).max() <= tflite.TOLERANCE
    assert (probabilities.argmax(-1) == expected.argmax(-1)).all()


def test_export_with_a_disagreeing_tflite_fails_and_writes_nothing(
    trained_model, tmp_path, monkeypatch
):
    # model.tflite converted from another network: same signatures, other weights.
    other = ManualMLP(seed=1)
    other(np.zeros([1, contract.NUM_PIXELS], np.float32))
    other.set_temperature(1.0)
    other_dir = exporter.export_model(other, tmp_path / "other", version=1)
    real_convert = tflite.convert
    monkeypatch.setattr(tflite, "convert", lambda directory: real_convert(other_dir))
    base = tmp_path / "mnist"
    with pytest.raises(writer.ExportError, match="TfLiteMismatchError: model.tflite") as error:
        exporter.export_model(trained_model, base, version=1, with_tflite=True)
    assert "\n" not in str(error.value)
    assert not base.exists() or versions.numeric_versions(base) == []


def test_export_cli_tflite_flag_is_off_by_default():
    parser = cli.build_parser()
    assert parser.parse_args(["--checkpoint", "m.keras"]).tflite is False
    assert parser.parse_args(["--checkpoint", "m.keras", "--tflite"]).tflite is True


@pytest.mark.slow
def test_export_cli_with_tflite_writes_model_tflite(trained_model, tmp_path):
    trained_model.save(tmp_path / "model.keras")
    base = tmp_path / "models"
    result = subprocess.run(
        [sys.executable, "-m", "export", "--checkpoint", tmp_path / "model.keras"]
        + ["--base-path", base, "--tflite"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(base / "1")
    assert set(read_signature_defs((base / "1" / tflite.MODEL_FILE).read_bytes())) == NUMERIC


def test_tflite_export_fails_an_rgb_image_rather_than_answering_three_digits(tflite_export):
    # TF Lite drops the graph's Assert; the reshape into rows still keeps the batch size.
    servable = TfLiteServable(contract.MODEL_NAME, 1, tflite_export)
    signature = servable.signatures[contract.SERVING_DEFAULT]
    one = np.zeros([1, 28, 28], np.float32)
    answer = asyncio.run(servable.run(signature, {contract.IMAGES: one}))
    assert answer[contract.PROBABILITIES].shape == (1, contract.NUM_CLASSES)
    rgb = np.zeros([1, 28, 28, 3], np.float32)
    with pytest.raises(ServingError) as error:
        asyncio.run(servable.run(signature, {contract.IMAGES: rgb}))
    assert error.value.code.name in ("INTERNAL", "INVALID_ARGUMENT")


def test_tflite_export_warms_only_what_the_tflite_path_serves(tflite_export):
    # Its warmup must replay on both paths: a record naming a signature the TF Lite model
    # lacks would fail TF Serving's load under --prefer_tflite_model.
    lite = TfLiteServable(contract.MODEL_NAME, 1, tflite_export)
    assert replay_warmup(lite) == len(NUMERIC)
    assert replay_warmup(Servable(contract.MODEL_NAME, 1, tflite_export)) == len(NUMERIC)
