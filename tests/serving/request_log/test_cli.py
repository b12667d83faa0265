"""`python -m serving.request_log`: summary, to-jsonl, to-warmup, and one-line refusals."""

import json
import pathlib

import pytest
import tensorflow as tf
from request_log_helpers import logged_model, predict_call, published, read_all
from tensorflow_serving.apis import prediction_log_pb2

from serving.request_log import cli
from serving.request_log.logger import RequestLogger


@pytest.fixture
def log_files(log_dir):
    """Published files of 5 predicts of m version 1 and 2 of n version 4."""
    logger = RequestLogger([logged_model("m", log_dir / "m", 1.0)])
    logger.reconfigure([logged_model("m", log_dir / "m", 1.0), logged_model("n", log_dir / "n", 1)])
    for index in range(5):
        logger.log_grpc("predict_log", *predict_call("m", float(index)))
    for index in range(2):
        logger.log_grpc("predict_log", *predict_call("n", float(index), version=4))
    logger.stop()
    return published(log_dir / "m") + published(log_dir / "n")


def test_summary_counts_records_per_model_version_signature_and_api(log_files, capsys):
    assert cli.main(["summary", *log_files]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"7 records in {len(log_files)} files, logged from ")
    assert lines[2].split() == ["m", "1", "serving_default", "predict", "5"]
    assert lines[3].split() == ["n", "4", "serving_default", "predict", "2"]


def test_to_jsonl_writes_one_object_per_record(log_files, tmp_path):
    out = tmp_path / "out" / "log.jsonl"
    assert cli.main(["to-jsonl", *log_files, "-o", str(out)]) == 0
    objects = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(objects) == 7
    assert objects[0]["logMetadata"]["modelSpec"] == {
        "name": "m",
        "version": "1",
        "signatureName": "serving_default",
    }
    assert objects[4]["predictLog"]["request"]["inputs"]["x"]["floatVal"] == [4.0]


def test_to_warmup_keeps_at_most_1000_replayable_records(log_dir, tmp_path, capsys):
    path = log_dir / "mixed.tfrecord"
    log_dir.mkdir()
    with tf.io.TFRecordWriter(str(path)) as writer:
        for index in range(1003):
            record = prediction_log_pb2.PredictionLog()
            record.predict_log.request.inputs["x"].float_val.append(index)
            writer.write(record.SerializeToString())
        session = prediction_log_pb2.PredictionLog()
        session.session_run_log.SetInParent()
        writer.write(session.SerializeToString())
    out = tmp_path / "1" / "assets.extra" / "tf_serving_warmup_requests"
    assert cli.main(["to-warmup", str(path), "-o", str(out)]) == 0
    records = read_all([str(out)])
    assert len(records) == 1000
    assert records[-1].predict_log.request.inputs["x"].float_val == [999]
    assert "1000 records" in capsys.readouterr().err
    assert sorted(p.name for p in out.parent.iterdir()) == ["tf_serving_warmup_requests"]


def test_cli_refuses_a_torn_file_in_one_line_and_writes_nothing(log_files, tmp_path, capsys):
    torn = tmp_path / "torn.tfrecord"
    torn.write_bytes(pathlib.Path(log_files[0]).read_bytes()[:-5])
    out = tmp_path / "warmup"
    assert cli.main(["to-warmup", str(torn), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{cli.PROG}: error: {torn}: record ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs", "torn.tfrecord"]  # no warmup


@pytest.mark.parametrize(
    "content, message",
    [(None, "no such file"), (b"\x05" + b"\0" * 20, "unreadable")],
)
def test_cli_refuses_missing_and_corrupt_files(tmp_path, capsys, content, message):
    path = tmp_path / "bad.tfrecord"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_to_warmup_refuses_files_without_replayable_records(tmp_path, capsys):
    path = tmp_path / "session.tfrecord"
    record = prediction_log_pb2.PredictionLog()
    record.session_run_log.SetInParent()
    with tf.io.TFRecordWriter(str(path)) as writer:
        writer.write(record.SerializeToString())
    assert cli.main(["to-warmup", str(path), "-o", str(tmp_path / "w")]) == 1
    assert "no predict, classify, regress or multi_inference records" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()
