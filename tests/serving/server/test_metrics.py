"""Prometheus metrics: TF Serving's metric names, counts per model and API, the endpoint.

Example:
    .venv/bin/pytest tests/serving/server/test_metrics.py
"""

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract
from serving.server.metrics import Metrics

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
