"""Refused gRPC calls with huge model names: the server's RSS returns to its resting level.

Each call names a different 30 MB model; every one is refused (NOT_FOUND, the name cut in
the message), and a moment after the last the server holds about what it held before.

Example:
    .venv/bin/pytest -s -m slow tests/serving/grpc/test_refused_memory.py
"""

import concurrent.futures
import pathlib
import time

import grpc
import pytest
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from bench.server_process import start_server, stop_server
from common import contract

NAME_BYTES = 30_000_000
CALLS = 60
# What may stay above the resting RSS: some of the arenas' pages, with room for noise, far
# below the gigabytes that 60 names held (docs/hardening.md has the figures).
MARGIN_MB = 300


def rss_mb(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmRSS:")]
    return int(line.split()[1]) / 1024


def refused(stub, index):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = (f"{index:02d}" * NAME_BYTES)[:NAME_BYTES]
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    with pytest.raises(grpc.RpcError) as caught:
        stub.Predict(request, timeout=120)
    return caught.value.code(), caught.value.details()


@pytest.mark.slow
def test_refused_memory_huge_model_names_leave_no_memory_behind(exported_model, tmp_path):
    with (tmp_path / "server.log").open("w+b") as log:
        process, grpc_port, _ = start_server(exported_model, None, log)
        try:
            time.sleep(2)
            resting = rss_mb(process.pid)
            options = [("grpc.max_send_message_length", -1)]
            with (
                grpc.insecure_channel(f"127.0.0.1:{grpc_port}", options=options) as channel,
                concurrent.futures.ThreadPoolExecutor(8) as pool,
            ):
                stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
                answers = list(pool.map(lambda index: refused(stub, index), range(CALLS)))
                time.sleep(3)  # the trim runs a moment after the last large call
                after = rss_mb(process.pid)
        finally:
            stop_server(process)
    print(f"RSS resting {resting:.0f} MB, {CALLS} refused calls later {after:.0f} MB")  # for -s
    assert {code for code, _ in answers} == {grpc.StatusCode.NOT_FOUND}
    assert all(len(details) < 400 for _, details in answers)
    assert after < resting + MARGIN_MB, f"resting {resting:.0f} MB, after {after:.0f} MB"
