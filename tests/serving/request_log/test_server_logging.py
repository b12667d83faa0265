"""`python -m serving.server` with a logging_config: every sampled call logged, SIGTERM-safe.

The model is TF Serving's half_plus_two (y = x/2 + 2, with classify and regress signatures),
rebuilt by tests/serving/tf_serving/make_models.py.
"""

import concurrent.futures
import math
import shutil

import grpc
import pytest
from harness import RPC_TIMEOUT, ModelServer, call_rest, server_args
from make_models import VERSION, write_half_plus_two
from request_log_helpers import published, read_all
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from serving.core import Servable, replay_warmup
from serving.request_log import cli

pytestmark = pytest.mark.slow
MODEL = "half_plus_two"


@pytest.fixture(scope="module")
def base_path(tmp_path_factory):
    """half_plus_two's base path (version 123)."""
    root = tmp_path_factory.mktemp("request_log_models")
    write_half_plus_two(root / MODEL / VERSION, root / ".staging")
    return root / MODEL


def _start(tmp_path, base_path, rate, **flags):
    config = tmp_path / "models.config"
    config.write_text(
        f'model_config_list {{ config {{ name: "{MODEL}" base_path: "{base_path}" '
        f'model_platform: "tensorflow" logging_config {{ '
        f'log_collector_config {{ type: "file" filename_prefix: "{tmp_path}/logs/hp2" }} '
        f"sampling_config {{ sampling_rate: {rate} }} }} }} }}\n"
    )
    monitoring = tmp_path / "monitoring.config"
    monitoring.write_text("prometheus_config { enable: true }\n")
    args = server_args(model_config_file=config, monitoring_config_file=monitoring, **flags)
    return ModelServer(args).wait_ready()


def _grpc_predict(stub, value):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    request.inputs["x"].dtype = 1  # DT_FLOAT
    request.inputs["x"].tensor_shape.dim.add(size=1)
    request.inputs["x"].float_val.append(value)
    return stub.Predict(request, timeout=RPC_TIMEOUT)


def _logged_x(record):
    kind = record.WhichOneof("log_type")
    request = getattr(record, kind).request
    if kind == "predict_log":
        return list(request.inputs["x"].float_val)
    examples = request.input.example_list.examples
    return [example.features.feature["x"].float_list.value[0] for example in examples]


def test_server_logs_every_grpc_and_rest_call_at_rate_1(tmp_path, base_path):
    server = _start(tmp_path, base_path, 1.0, request_log_max_file_bytes=2000)
    with server, grpc.insecure_channel(server.grpc) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        for index in range(20):
            assert _grpc_predict(stub, float(index)).outputs["y"].float_val == [index / 2 + 2]
        for index in range(20, 40):
            body = {"instances": [float(index)]}
            assert call_rest(server.rest, f"/v1/models/{MODEL}:predict", body).status == 200
        for verb, signature in (("classify", "classify_x_to_y"), ("regress", "regress_x_to_y")):
            body = {"signature_name": signature, "examples": [{"x": 40.0}]}
            assert call_rest(server.rest, f"/v1/models/{MODEL}:{verb}", body).status == 200
        metrics = call_rest(server.rest, "/monitoring/prometheus/metrics").text
        server.process.terminate()
        assert server.wait_exit() == 0
    files = published(tmp_path / "logs" / "hp2")
    assert len(files) > 1  # rotated by size
    records = read_all(files)
    assert len(records) == 42
    assert [x for r in records for x in _logged_x(r)] == [float(i) for i in range(41)] + [40.0]
    kinds = [r.WhichOneof("log_type") for r in records]
    assert kinds == ["predict_log"] * 40 + ["classify_log", "regress_log"]
    for record in records:
        spec = record.log_metadata.model_spec
        assert (spec.name, spec.version.value) == (MODEL, int(VERSION))
        assert record.log_metadata.sampling_config.sampling_rate == 1.0
        assert list(record.log_metadata.saved_model_tags) == ["serve"]
    assert [r.log_metadata.model_spec.signature_name for r in records[39:]] == [
        "serving_default", "classify_x_to_y", "regress_x_to_y",
    ]  # fmt: skip
    assert records[30].predict_log.response.outputs["y"].float_val == [30 / 2 + 2]
    assert f'request_log_count{{model_name="{MODEL}",status_code="OK"}}' in metrics
    # The logs replay as a version's warmup file.
    version = tmp_path / "replay" / VERSION
    shutil.copytree(base_path / VERSION, version)
    warmup = version / "assets.extra" / "tf_serving_warmup_requests"
    assert cli.main(["to-warmup", *files, "-o", str(warmup)]) == 0
    assert replay_warmup(Servable(MODEL, int(VERSION), version)) == 42


def _binomial_bounds(n, p, tail=5e-7):
    # The counts outside which a Binomial(n, p) falls with probability below 2 * tail.
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    low = next(k for k in range(n + 1) if sum(pmf[: k + 1]) >= tail)
    high = next(k for k in range(n, -1, -1) if sum(pmf[k:]) >= tail)
    return low, high


def test_server_samples_about_a_tenth_at_rate_0_1(tmp_path, base_path):
    server = _start(tmp_path, base_path, 0.1)
    with server, grpc.insecure_channel(server.grpc) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        for index in range(400):
            _grpc_predict(stub, float(index))
        server.process.terminate()
        assert server.wait_exit() == 0
    records = read_all(published(tmp_path / "logs" / "hp2"))
    low, high = _binomial_bounds(400, 0.1)  # 17..71: fails about once in 10^6 runs
    assert low <= len(records) <= high
    assert all(r.log_metadata.sampling_config.sampling_rate == 0.1 for r in records)
    values = [x for r in records for x in _logged_x(r)]
    assert values == sorted(set(values)) and set(values) <= {float(i) for i in range(400)}


def test_server_sigterm_after_a_burst_keeps_every_answered_request(tmp_path, base_path):
    server = _start(tmp_path, base_path, 1.0, request_log_max_file_bytes=4096)
    answered = set()
    with server, grpc.insecure_channel(server.grpc) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = {pool.submit(_grpc_predict, stub, float(i)): float(i) for i in range(300)}
            for done, future in enumerate(concurrent.futures.as_completed(futures)):
                if done == 150:
                    server.process.terminate()  # mid-burst: calls still in flight
                try:
                    future.result()
                    answered.add(futures[future])
                except grpc.RpcError:
                    pass  # refused once the server stopped taking calls
        assert server.wait_exit() == 0
    logged = [x for r in read_all(published(tmp_path / "logs" / "hp2")) for x in _logged_x(r)]
    assert len(answered) > 150
    assert answered <= set(logged) <= set(futures.values())
    assert len(logged) == len(set(logged))
    assert not list((tmp_path / "logs").glob(".*.writing"))
