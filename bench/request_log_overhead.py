"""Measures what request logging at sampling rate 1.0 adds to a request, against logging off.

Exports a small SavedModel (y = 2x, x float [n, 784]), then for each setting starts the local
server in-process, sends `--requests` sequential gRPC Predicts and as many REST predicts of
one 784-float row, and prints the mean wall time per request and the records written. The
rounds alternate (off, on, off, on, ...) so drifting machine load touches both alike.

Example:
    .venv/bin/python bench/request_log_overhead.py --requests 500 --rounds 3
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import cli
from serving.server import FREE_PORT, ServerConfig, build_server


def export_model(base_path):
    """Writes version 1 of a y = 2x model with a [n, 784] float input."""
    module = tf.Module()
    module.f = tf.function(lambda x: {"y": x * 2.0}, input_signature=[tf.TensorSpec([None, 784])])
    tf.saved_model.save(module, str(base_path / "1"), signatures={"serving_default": module.f})


def run_round(base_path, work, logging_on, requests):
    """One server start, `requests` gRPC then REST predicts; returns (grpc us, rest us, records)."""
    logging = ""
    if logging_on:
        logging = (
            f'logging_config {{ log_collector_config {{ filename_prefix: "{work}/logs/m" }} '
            "sampling_config { sampling_rate: 1.0 } }"
        )
    config = work / "models.config"
    config.write_text(
        f'model_config_list {{ config {{ name: "m" base_path: "{base_path}" {logging} }} }}\n'
    )
    server_config = ServerConfig(
        port=FREE_PORT, rest_api_port=FREE_PORT, model_config_file=str(config),
        file_system_poll_wait_seconds=0,
    )  # fmt: skip
    row = np.linspace(0, 1, 784, dtype=np.float32)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "m"
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(row[None]))
    body = json.dumps({"instances": [row.tolist()]}).encode()
    with build_server(server_config) as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            for _ in range(20):
                stub.Predict(request, timeout=30)  # warm both paths
            start = time.perf_counter()
            for _ in range(requests):
                stub.Predict(request, timeout=30)
            grpc_us = (time.perf_counter() - start) / requests * 1e6
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/m:predict"
        start = time.perf_counter()
        for _ in range(requests):
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as r:
                r.read()
        rest_us = (time.perf_counter() - start) / requests * 1e6
        counts = server.request_log.counts()
    return grpc_us, rest_us, counts.get(("m", "OK"), 0)


def main(argv=None):
    """Runs the rounds and prints one line per setting."""
    parser = cli.OneLineParser(description="request logging overhead per request")
    parser.add_argument("--requests", type=cli.positive_int, default=500, help="per API, round")
    parser.add_argument("--rounds", type=cli.positive_int, default=3, help="rounds per setting")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        export_model(work / "model")
        results = {False: [], True: []}
        for _ in range(args.rounds):
            for logging_on in (False, True):
                round_dir = work / f"round-{len(results[False])}-{logging_on}"
                round_dir.mkdir()
                result = run_round(work / "model", round_dir, logging_on, args.requests)
                results[logging_on].append(result)
        for logging_on, rows in results.items():
            grpc_us = statistics.median(r[0] for r in rows)
            rest_us = statistics.median(r[1] for r in rows)
            records = sum(r[2] for r in rows)
            name = "logging at 1.0" if logging_on else "logging off   "
            shape = f"{args.rounds} rounds x {args.requests} x 2 APIs"
            print(f"{name}: gRPC {grpc_us:7.1f} us/request, REST {rest_us:7.1f} us/request, "
                  f"{records} records written ({shape})")  # fmt: skip


if __name__ == "__main__":
    main()
