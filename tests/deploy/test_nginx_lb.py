"""Tests of two local replicas behind nginx: config accepted, rollout, a replica killed under load.

nginx (Debian's package) runs as an ordinary process on 127.0.0.1 ports with the template
the compose override uses (deploy/lb.py); the replicas are `python -m serving.server`
subprocesses sharing one model directory (tests/deploy/conftest.py).
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import grpc
import numpy as np
import pytest
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from common import contract
from common.ports import free_port
from deploy.lb import LoadBalancer, find_nginx
from export import export_model
from model.data import scale_pixels
from serving.client import connect
from serving.client.load import run_load
from serving.client.requests import RequestError, predict_pixels
from serving.codecs.tensor_proto import from_array

# The slow tier: nginx and server replicas, run as processes.
pytestmark = pytest.mark.slow

# One skip for the whole module, so a machine without nginx shows one line.
if find_nginx() is None:
    pytest.skip(
        "nginx is not installed and could not be (`make test` installs it with apt-get when "
        "run as root): load balancer tests skipped",
        allow_module_level=True,
    )

# Requests in flight per client (REST and gRPC each) while a replica is killed.
CONCURRENCY = 8
UPSTREAM = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) upstream=\[(?P<tried>[^\]]*)\]')


def access_lines(lb):
    """The access log as (request line, status, [replica tried, ...]) tuples, in order."""
    matches = (UPSTREAM.search(line) for line in lb.access_log.read_text().splitlines())
    return [(m["request"], int(m["status"]), m["tried"].split(", ")) for m in matches if m]


@pytest.fixture
def lb(replicas, tmp_path):
    """nginx on free 127.0.0.1 ports in front of the two `replicas`, stopped after the test."""
    addresses = [replica.address for replica in replicas]
    with LoadBalancer(addresses, free_port(), free_port(), work_dir=tmp_path / "nginx") as balancer:
        yield balancer


def test_nginx_accepts_rendered_config(tmp_path):
    balancer = LoadBalancer(["127.0.0.1:1:2", "127.0.0.1:3:4"], 5, 6, work_dir=tmp_path)
    command = [find_nginx(), "-t", "-p", str(tmp_path), "-c", str(balancer.config)]
    result = subprocess.run(command + ["-e", str(tmp_path / "error.log")], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


def test_lb_cli_port_in_use_fails_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "deploy.lb", "--replica", "127.0.0.1:1:2"]
        command += ["--grpc-port", str(port), "--rest-port", str(free_port())]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"python -m deploy.lb: error: port {port} on 127.0.0.1: Address already in use\n"
    )


def _status_versions(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return re.findall(r'"version": "(\d+)",\s*"state": "AVAILABLE"', reply.read().decode())


def test_lb_new_version_in_shared_dir_is_served_by_every_replica(
    lb, replicas, shared_models, trained_model
):
    export_model(trained_model, shared_models, version=2, metadata={"recipe": "rollout"})
    deadline = time.monotonic() + 120
    urls = [f"http://127.0.0.1:{r.rest_port}/v1/models/{contract.MODEL_NAME}" for r in replicas]
    while time.monotonic() < deadline and any(_status_versions(u) != ["2"] for u in urls):
        time.sleep(0.2)
    assert [_status_versions(url) for url in urls] == [["2"], ["2"]]
    request = predict_pb2.PredictRequest()
    request.model_spec.name = contract.MODEL_NAME
    request.model_spec.signature_name = contract.PREDICT_PIXELS
    request.inputs[contract.IMAGES].CopyFrom(from_array(np.zeros((1, 28, 28), np.uint8)))
    with grpc.insecure_channel(f"127.0.0.1:{lb.grpc_port}") as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        versions = [stub.Predict(request, timeout=30).model_spec.version.value for _ in range(6)]
    assert versions == [2] * 6
    grpc_replicas = {tried[-1] for request, _, tried in access_lines(lb) if "Predict" in request}
    assert grpc_replicas == {f"127.0.0.1:{replica.grpc_port}" for replica in replicas}


async def _evaluate(client, images, retry_unavailable):
    """Asks one digit per request; returns (LoadResult, the errors a retry recovered from).

    With `retry_unavailable`, a call that ends UNAVAILABLE is sent once more: the client-side
    retry gRPC's own retryPolicy would make.
    """
    recovered = []

    async def call(index):
        try:
            return await predict_pixels(client, images[index : index + 1])
        except RequestError as error:
            if not (retry_unavailable and "UNAVAILABLE" in str(error)):
                raise
            recovered.append(str(error))
            return await predict_pixels(client, images[index : index + 1])

    async with client:
        return await run_load(call, range(len(images)), CONCURRENCY), recovered


async def _load_and_kill(lb, victim, images):
    """REST and gRPC load through nginx at once; SIGKILLs `victim` 150 requests in."""

    async def kill_when_busy():
        while len(access_lines(lb)) < 150:
            await asyncio.sleep(0.01)
        os.kill(victim.process.pid, signal.SIGKILL)
        return len(access_lines(lb))

    rest = connect(rest=f"http://127.0.0.1:{lb.rest_port}")
    grpc_client = connect(grpc=f"127.0.0.1:{lb.grpc_port}")
    return await asyncio.gather(
        _evaluate(rest, images, retry_unavailable=False),
        _evaluate(grpc_client, images, retry_unavailable=True),
        kill_when_busy(),
    )


def test_lb_replica_killed_under_load_fails_no_request(lb, replicas, mnist, trained_model):
    _, (x_test, _) = mnist
    images = x_test[:600]
    (rest, rest_retries), (grpc_load, grpc_retries), killed_at = asyncio.run(
        _load_and_kill(lb, replicas[1], images)
    )
    replicas[1].process.wait()
    lines = access_lines(lb)
    victim = {f"127.0.0.1:{replicas[1].rest_port}", f"127.0.0.1:{replicas[1].grpc_port}"}
    served = [tried[-1] in victim for _, status, tried in lines if status == 200]
    retried = [tried for _, _, tried in lines if len(tried) > 1]
    print(
        f"SIGKILL after {killed_at} of {len(lines)} requests: {len(retried)} retried by nginx, "
        f"{len(grpc_retries)} gRPC calls retried by the client, failed: REST "
        f"{len(rest.failures)}, gRPC {len(grpc_load.failures)}"
    )
    expected = np.argmax(trained_model(scale_pixels(images)).numpy(), axis=1)
    for load in (rest, grpc_load):
        assert load.failures == []
        np.testing.assert_array_equal(np.argmax(np.concatenate(load.results), axis=1), expected)
    assert any(served[: killed_at - 2 * CONCURRENCY])  # both replicas served before
    assert not any(served[killed_at + 2 * CONCURRENCY :])  # only the survivor after
    # nginx passed every request the dead replica had taken or refused to the other one (a
    # REST body is buffered, so it can be resent: non_idempotent), then marked it down
    # (max_fails=1) so that later requests went straight to the survivor.
    assert retried and all(t[0] in victim and t[-1] not in victim for t in retried)
    assert rest_retries == []
    # nginx streams a gRPC body, so a call the dead replica had taken comes back UNAVAILABLE
    # (HTTP 502) and only the client can resend it: at most one per call in flight.
    assert len(grpc_retries) <= CONCURRENCY
    assert all("UNAVAILABLE" in error and "502" in error for error in grpc_retries)
