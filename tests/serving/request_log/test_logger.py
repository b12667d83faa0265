"""RequestLogger: sampling per model, dropping when the queue is full, draining on stop."""

import random
import threading

from request_log_helpers import logged_model, predict_call, published, read_all

from serving.request_log import logger as logger_lib
from serving.request_log.logger import FileLimits, RequestLogger


def test_request_logger_logs_exactly_the_sampled_requests(log_dir):
    model = logged_model("m", log_dir / "m", 0.25)
    logger = RequestLogger([model], rng=random.Random(7))
    for index in range(400):
        logger.log_grpc("predict_log", *predict_call("m", float(index)))
    logger.stop()
    # The same generator's draws: a request is logged when its draw is below the rate.
    draws = random.Random(7)
    expected = [float(i) for i in range(400) if draws.random() < 0.25]
    records = read_all(published(log_dir / "m"))
    assert [r.predict_log.request.inputs["x"].float_val[0] for r in records] == expected
    assert logger.counts() == {("m", "OK"): len(expected)}


def test_request_logger_records_carry_log_metadata(log_dir):
    model = logged_model("m", log_dir / "m", 1.0)
    logger = RequestLogger([model], tags=("serve", "cpu"))
    request, response = predict_call("m", 3.0, version=7)
    logger.log_grpc("predict_log", request, response)
    logger.stop()
    (record,) = read_all(published(log_dir / "m"))
    metadata = record.log_metadata
    assert (metadata.model_spec.name, metadata.model_spec.version.value) == ("m", 7)
    assert metadata.model_spec.signature_name == "serving_default"
    assert metadata.sampling_config.sampling_rate == 1.0
    assert list(metadata.saved_model_tags) == ["serve", "cpu"]
    assert metadata.timestamp_secs > 1_600_000_000
    assert record.predict_log.request == request and record.predict_log.response == response


def test_request_logger_ignores_models_without_logging_and_follows_reloads(log_dir):
    logger = RequestLogger([logged_model("a", log_dir / "a", 1.0)])
    logger.log_grpc("predict_log", *predict_call("a", 1.0))
    logger.log_grpc("predict_log", *predict_call("b", 2.0))  # not configured
    logger.reconfigure([logged_model("b", log_dir / "b", 1.0)])
    logger.log_grpc("predict_log", *predict_call("a", 3.0))  # removed by the reload
    logger.log_grpc("predict_log", *predict_call("b", 4.0))
    logger.stop()
    values = {
        name: [r.predict_log.request.inputs["x"].float_val[0] for r in read_all(published(path))]
        for name, path in (("a", log_dir / "a"), ("b", log_dir / "b"))
    }
    assert values == {"a": [1.0], "b": [4.0]}


def test_request_logger_drops_and_counts_when_the_queue_is_full(log_dir, monkeypatch):
    monkeypatch.setattr(logger_lib, "QUEUE_RECORDS", 8)
    counted = []
    logger = RequestLogger(
        [logged_model("m", log_dir / "m", 1.0)], on_count=lambda *key: counted.append(key)
    )
    writing, release = threading.Event(), threading.Event()
    real_write = logger._write

    def blocked_write(*args):
        writing.set()
        release.wait()
        real_write(*args)

    logger._write = blocked_write
    logger.log_grpc("predict_log", *predict_call("m", 0.0))
    assert writing.wait(10)  # the writer holds record 0; the queue is empty
    for index in range(1, 8 + 5 + 1):
        logger.log_grpc("predict_log", *predict_call("m", float(index)))  # never blocks
    release.set()
    logger.stop()
    assert logger.counts() == {("m", "OK"): 9, ("m", "RESOURCE_EXHAUSTED"): 5}
    records = read_all(published(log_dir / "m"))
    assert [r.predict_log.request.inputs["x"].float_val[0] for r in records] == list(range(9))
    assert sorted(counted) == [("m", "OK")] * 9 + [("m", "RESOURCE_EXHAUSTED")] * 5


def test_request_logger_published_files_always_parse_while_writing(log_dir):
    limits = FileLimits(max_file_bytes=2000, max_total_bytes=10**9, max_file_seconds=0)
    logger = RequestLogger([logged_model("m", log_dir / "m", 1.0)], limits=limits)
    seen = set()
    for index in range(600):
        logger.log_grpc("predict_log", *predict_call("m", float(index)))
        if index % 50 == 0:
            paths = published(log_dir / "m")
            read_all(paths)  # raises on any torn record
            seen.update(paths)
    logger.stop()
    paths = published(log_dir / "m")
    assert len(paths) > 10 and seen <= set(paths)
    assert len(read_all(paths)) == 600


def test_request_logger_counts_records_offered_after_stop_as_dropped(log_dir):
    logger = RequestLogger([logged_model("m", log_dir / "m", 1.0)])
    logger.stop()
    logger.log_grpc("predict_log", *predict_call("m", 1.0))
    assert logger.counts() == {("m", "RESOURCE_EXHAUSTED"): 1}
