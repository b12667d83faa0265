"""Warmup replay at load: every record runs, and a version whose warmup fails never serves.

(serving/core/warmup_replay.py; tests/export/test_warmup.py tests the exporter's warmup file.)

Example:
    .venv/bin/pytest tests/serving/core/test_warmup_replay.py
"""

import re
import shutil

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

from common import contract
from serving.core.servable import Servable
from serving.core.warmup_replay import MAX_WARMUP_RECORDS, replay_warmup
from serving.errors import ServingError


def warmup_path(version_dir):
    return version_dir / contract.ASSETS_EXTRA / contract.WARMUP_FILE


def write_records(path, request, count):
    log = prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)
    )
    with tf.io.TFRecordWriter(str(path)) as writer:
        for _ in range(count):
            writer.write(log.SerializeToString())


def pixels_request(signature):
    request = predict_pb2.PredictRequest()
    request.model_spec.signature_name = signature
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8)))
    return request


def test_replay_warmup_runs_every_record_of_the_export(exported_model):
    records = sum(1 for _ in tf.data.TFRecordDataset(str(warmup_path(exported_model / "1"))))
    assert records >= len(contract.SIGNATURES)
    assert replay_warmup(Servable(contract.MODEL_NAME, 1, exported_model / "1")) == records


def test_replay_warmup_logs_tf_servings_lines(exported_model, tmp_path, caplog):
    version = tmp_path / "1"
    shutil.copytree(exported_model / "1", version)
    write_records(warmup_path(version), pixels_request(contract.PREDICT_PIXELS), 3)
    with caplog.at_level("INFO", logger="serving.core.warmup_replay"):
        assert replay_warmup(Servable(contract.MODEL_NAME, 1, version), iterations=2) == 3
    start, finish = caplog.messages
    path = warmup_path(version)
    assert start == (
        f"Starting to read warmup data for model at {path} with model-warmup-options "
        "num_request_iterations {\n  value: 2\n}\n"
    )
    assert re.fullmatch(
        rf"Finished reading warmup data for model at {re.escape(str(path))}\. Number of warmup "
        r"records read: 3\. Elapsed time \(microseconds\): \d+\.",
        finish,
    )
    caplog.clear()
    path.unlink()
    with caplog.at_level("INFO", logger="serving.core.warmup_replay"):
        assert replay_warmup(Servable(contract.MODEL_NAME, 1, version)) == 0
    assert caplog.messages == [f"No warmup data file found at {path}"]


def test_replay_warmup_refuses_more_than_the_maximum_records(exported_model, tmp_path):
    version = tmp_path / "1"
    shutil.copytree(exported_model / "1", version)
    write_records(
        warmup_path(version), pixels_request(contract.PREDICT_PIXELS), MAX_WARMUP_RECORDS + 1
    )
    with pytest.raises(ServingError, match=r"exceeds the maximum \(1000\)"):
        replay_warmup(Servable(contract.MODEL_NAME, 1, version))


def test_version_with_failing_warmup_never_serves(make_server, exported_model, tmp_path, http):
    base = tmp_path / contract.MODEL_NAME
    for version in (1, 2, 3):
        shutil.copytree(exported_model / "1", base / str(version))
    warmup_path(base / "2").write_bytes(b"this is not a TFRecord file")
    write_records(warmup_path(base / "3"), pixels_request("nope"), 1)
    models = tmp_path / "models.config"
    models.write_text(
        f'model_config_list {{ config {{ name: "mnist" base_path: "{base}" '
        "model_version_policy { all {} } } }"
    )
    with make_server(model_config_file=str(models)) as server:
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/mnist"
        _, _, body = http("GET", url)
        statuses = {int(s["version"]): s for s in body["model_version_status"]}
        assert statuses[1]["state"] == "AVAILABLE"
        assert (statuses[2]["state"], statuses[2]["status"]["error_code"]) == ("END", "DATA_LOSS")
        assert "Unreadable warmup record 0" in statuses[2]["status"]["error_message"]
        assert statuses[3]["status"]["error_code"] == "FAILED_PRECONDITION"
        assert (
            'failed: Serving signature key "nope" not found.'
            in statuses[3]["status"]["error_message"]
        )
        body = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}
        assert http("POST", url + ":predict", body)[0] == 200
        assert http("POST", url + "/versions/3:predict", body)[0] == 404
