"""Prometheus metrics: TF Serving's metric names, counts per model and API, the endpoint.

Example:
    .venv/bin/pytest tests/serving/server/test_metrics.py
"""

import asyncio

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract
from serving.batching import BatchingOptions, BatchScheduler
from serving.server.metrics import REQUEST_LOG_COUNT, Metrics

METRICS_PATH = "/monitoring/prometheus/metrics"


def sample(page, line_start):
    (line,) = [line for line in page.splitlines() if line.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def test_metrics_render_counts_and_latency_histogram():
    metrics = Metrics(["mnist"])
    metrics.record("mnist", "Predict", "GRPC", "OK", 15e-6)
    metrics.record("mnist", "Predict", "GRPC", "OK", 1.0)
    metrics.record("mnist", "Predict", "REST", "NOT_FOUND", 5e-6)
    page = metrics.render()
    assert "# TYPE :tensorflow:serving:request_count counter" in page
    assert "# TYPE :tensorflow:serving:request_latency histogram" in page
    count = ':tensorflow:serving:request_count{model_name="mnist",status='
    assert sample(page, count + '"OK"}') == 2
    assert sample(page, count + '"NOT_FOUND"}') == 1
    bucket = ':tensorflow:serving:request_latency_bucket{model_name="mnist",API="Predict",'
    grpc_bucket = bucket + 'entrypoint="GRPC",le='
    assert sample(page, grpc_bucket + '"10"}') == 0
    assert sample(page, grpc_bucket + '"18"}') == 1
    assert sample(page, grpc_bucket + '"+Inf"}') == 2
    assert sample(page, bucket + 'entrypoint="REST",le="10"}') == 1
    labels = '{model_name="mnist",API="Predict",entrypoint="GRPC"}'
    assert sample(page, ":tensorflow:serving:request_latency_count" + labels) == 2
    assert sample(page, ":tensorflow:serving:request_latency_sum" + labels) == 1000015
    assert metrics.request_count("mnist") == 2


def test_metrics_endpoint_counts_each_rest_and_grpc_request(
    served_model, model_url, http, grpc_channel
):
    url = f"http://127.0.0.1:{served_model.rest_port}{METRICS_PATH}"
    rest_count = (
        ":tensorflow:serving:request_latency_count"
        '{model_name="mnist",API="Predict",entrypoint="REST"}'
    )
    grpc_count = rest_count.replace("REST", "GRPC")
    missing_count = ':tensorflow:serving:request_count{model_name="<unknown>",status="NOT_FOUND"}'
    body = {"signature_name": contract.PREDICT_PIXELS, "instances": [[[0] * 28] * 28]}
    http("POST", model_url + ":predict", body)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8)))
    prediction_service_pb2_grpc.PredictionServiceStub(grpc_channel).Predict(request)
    status, headers, before = http("GET", url)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    http("POST", model_url + ":predict", body)
    http("POST", model_url.replace("mnist", "nomodel") + ":predict", body)
    _, _, after = http("GET", url)
    assert sample(after, rest_count) == sample(before, rest_count) + 1
    assert sample(after, grpc_count) == sample(before, grpc_count) >= 1
    assert sample(after, missing_count) >= 1
    assert "nomodel" not in after


def test_metrics_unknown_models_share_one_label():
    metrics = Metrics(["mnist"])
    for index in range(1000):
        metrics.record(f"client-chosen-{index}" * 100, "Predict", "REST", "NOT_FOUND", 1e-3)
    metrics.record("mnist", "Predict", "REST", "OK", 1e-3)
    page = metrics.render()
    assert metrics.request_count("<unknown>", "NOT_FOUND") == 1000
    assert "client-chosen" not in page
    # 4 HELP/TYPE lines, 2 counts, 2 histograms of 34 buckets, a sum and a count each.
    assert len(page.splitlines()) == 4 + 2 + 2 * (34 + 2)


def test_metrics_endpoint_absent_without_monitoring_config(make_server, exported_model, http):
    with make_server(model_base_path=str(exported_model)) as server:
        status, _, _ = http("GET", f"http://127.0.0.1:{server.rest_port}{METRICS_PATH}")
    assert status == 404


def histogram_samples(page, name, labels):
    """(bucket counts by bound, _count, _sum) of one histogram series on a page."""
    prefix = f"{labels}," if labels else ""
    braces = f"{{{labels}}}" if labels else ""
    buckets = {}
    for line in page.splitlines():
        if line.startswith(f"{name}_bucket{{{prefix}le="):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[bound] = float(line.rsplit(" ", 1)[1])
    return buckets, sample(page, f"{name}_count{braces} "), sample(page, f"{name}_sum{braces} ")


def test_metrics_signature_counts_and_histogram_buckets_sum_to_the_count():
    metrics = Metrics(["mnist"])
    for index in range(7):
        metrics.record("mnist", "Predict", "REST", "OK", 1e-3 * (index + 1), 1, "predict_images")
    metrics.record("mnist", "Predict", "GRPC", "INVALID_ARGUMENT", 2e-3, 2, "serving_default")
    metrics.record("mnist", "GetModelStatus", "REST", "OK", 1e-4)  # no signature: not per-signature
    page = metrics.render()
    labels = 'model_name="mnist",version="1",signature_name="predict_images",API="Predict"'
    count = f':tensorflow:serving:signature_request_count{{{labels},entrypoint="REST",status="OK"}}'
    assert sample(page, count) == 7
    other = labels.replace('"1"', '"2"').replace("predict_images", "serving_default")
    failed = f'{other},entrypoint="GRPC",status="INVALID_ARGUMENT"'
    assert sample(page, f":tensorflow:serving:signature_request_count{{{failed}}}") == 1
    buckets, total, micros = histogram_samples(
        page, ":tensorflow:serving:signature_request_latency", labels + ',entrypoint="REST"'
    )
    assert len(buckets) == 34 and buckets["+Inf"] == total == 7
    assert list(buckets.values()) == sorted(buckets.values())  # cumulative
    assert micros == pytest.approx(1000 * (1 + 2 + 3 + 4 + 5 + 6 + 7))
    assert page.count("signature_request_count{") == 2
    assert metrics.request_count("mnist") == 8  # TF Serving's request_count is unchanged


def test_metrics_signature_of_an_unknown_model_is_not_kept():
    metrics = Metrics(["mnist"])
    metrics.record("other", "Predict", "REST", "OK", 1e-3, 1, "serving_default")
    assert "signature_request" not in metrics.render()


def test_metrics_record_batch_of_three_padded_to_four():
    metrics = Metrics(["mnist"])
    metrics.record_batch([1, 2], [150e-6, 50e-6], 4)
    page = metrics.render()
    padding, padded_batches, padding_rows = histogram_samples(
        page, ":tensorflow:serving:batching_session:padding_size", 'execution_batch_size="4"'
    )
    assert (padding["1"], padding_rows, padded_batches) == (1, 1, 1)
    sizes, tasks, rows = histogram_samples(
        page, ":tensorflow:serving:batching_session:input_batch_size", ""
    )
    assert (sizes["1"], sizes["2"], tasks, rows) == (1, 2, 2, 3)
    processed, _, processed_rows = histogram_samples(
        page, ":tensorflow:serving:batching_session:processed_batch_size", ""
    )
    assert (processed["2"], processed["4"], processed_rows) == (0, 1, 4)
    queuing, queued, _ = histogram_samples(
        page, ":tensorflow:serving:batching_session:queuing_latency", 'thread_pool_name=""'
    )
    assert (queuing["100"], queuing["+Inf"], queued) == (1, 2, 2)  # 50us <= 100 < 150us
    assert sample(page, ":tensorflow:serving:batching_session:wrapped_run_count ") == 1


def test_metrics_batch_scheduler_records_its_padding():
    metrics = Metrics()
    options = BatchingOptions(max_batch_size=8, allowed_batch_sizes=(4, 8), num_batch_threads=1)
    scheduler = BatchScheduler(options, metrics)
    scheduler.start()
    try:
        outputs = asyncio.run(
            scheduler.run("key", lambda inputs: {"y": inputs["x"] * 2}, {"x": np.ones(3)})
        )
    finally:
        scheduler.stop()
    assert outputs["y"].tolist() == [2.0, 2.0, 2.0]
    page = metrics.render()
    padding, _, padding_rows = histogram_samples(
        page, ":tensorflow:serving:batching_session:padding_size", 'execution_batch_size="4"'
    )
    assert (padding["1"], padding["+Inf"], padding_rows) == (1, 1, 1)
    _, tasks, rows = histogram_samples(
        page, ":tensorflow:serving:batching_session:input_batch_size", ""
    )
    assert (tasks, rows) == (1, 3)


def test_metrics_count_request_log_records_and_refuses_unknown_counters():
    metrics = Metrics(["mnist"])
    for _ in range(3):
        metrics.count(REQUEST_LOG_COUNT, {"model_name": "mnist", "status_code": "OK"})
    metrics.count(REQUEST_LOG_COUNT, {"model_name": "typo", "status_code": "UNAVAILABLE"})
    page = metrics.render()
    assert sample(page, REQUEST_LOG_COUNT + '{model_name="mnist",status_code="OK"}') == 3
    dropped = REQUEST_LOG_COUNT + '{model_name="<unknown>",status_code="UNAVAILABLE"}'
    assert sample(page, dropped) == 1
    with pytest.raises(ValueError, match="no counter"):
        metrics.count(REQUEST_LOG_COUNT, {"model_name": "mnist"})
    with pytest.raises(ValueError, match="no counter"):
        metrics.count(":tensorflow:serving:request_latency", {})


def test_metrics_endpoint_counts_per_version_and_signature(
    served_model, model_url, http, grpc_channel
):
    url = f"http://127.0.0.1:{served_model.rest_port}{METRICS_PATH}"
    signature = contract.PREDICT_PIXELS
    series = (
        ':tensorflow:serving:signature_request_count{model_name="mnist",version="1",'
        f'signature_name="{signature}",API="Predict",entrypoint="REST",status="OK"}}'
    )
    _, _, before = http("GET", url)
    body = {"signature_name": signature, "instances": [[[0] * 28] * 28]}
    for _ in range(3):
        assert http("POST", model_url + ":predict", body)[0] == 200
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = signature
    request.inputs[contract.IMAGES].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.uint8)))
    prediction_service_pb2_grpc.PredictionServiceStub(grpc_channel).Predict(request)
    _, _, after = http("GET", url)
    grpc_series = series.replace('"REST"', '"GRPC"')
    assert sample(after, series) == (sample(before, series) if series in before else 0) + 3
    assert (
        sample(after, grpc_series)
        == (sample(before, grpc_series) if grpc_series in before else 0) + 1
    )
