"""The compose stack run for real under a Docker engine: build, train, serve, roll out, tear down.

`make compose-test` prepares the engine and base image (deploy/compose/) and runs this
module with MNIST_COMPOSE_TEST=1; elsewhere it skips. It uses docker-compose.yml plus
only docker-compose.local.yml (the local server's image in place of tensorflow/serving),
under its own project name, free host ports and temporary bind-mount directories, so a
user's stack and models are never touched. The trainer's short recipe comes through
the compose file's own MNIST_TRAIN_FLAGS. Each phase's seconds are printed.

Example:
    make compose-test
"""

import asyncio
import contextlib
import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from common import contract
from common.ports import free_port
from common.versions import numeric_versions
from serving.client import connect, predict_pixels
from serving.client.requests import RequestError

REPO = pathlib.Path(__file__).resolve().parents[2]
PROJECT = "mnist-compose-test"
COMPOSE = [
    str(pathlib.Path(sys.executable).parent / "docker-compose"),
    "--project-name",
    PROJECT,
    "--file",
    "docker-compose.yml",
    "--file",
    "docker-compose.local.yml",
]
# Two epochs of the tuned recipe: about 96% accuracy in about a minute on two cores.
TRAIN_FLAGS = "--epochs 2 --verbose 2"
NUM_TESTS = 1000
# The image's own unprivileged user: the containers' user when root runs the test.
IMAGE_UID = 10001

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("MNIST_COMPOSE_TEST") != "1",
        reason="needs a Docker engine: run by `make compose-test` (sets MNIST_COMPOSE_TEST=1)",
    ),
]


class Phases:
    """Times named phases and prints each one's seconds as it ends."""

    def __init__(self):
        self.seconds = {}

    @contextlib.contextmanager
    def __call__(self, name):
        start = time.monotonic()
        yield
        self.seconds[name] = time.monotonic() - start
        print(f"compose-test phase {name}: {self.seconds[name]:.1f} s", flush=True)


def compose(env, *args, timeout=900):
    """Runs `docker-compose ARGS` for the test project; returns stdout, fails with its output."""
    done = subprocess.run(
        COMPOSE + list(args), cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"compose {args}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout


def inspect(container):
    """`docker inspect` of one container as a dict."""
    out = subprocess.run(
        ["docker", "inspect", container], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)[0]


def started_or_finished(state, key):
    """A container state's StartedAt or FinishedAt as a datetime (Docker gives nanoseconds)."""
    whole, _, fraction = state[key].rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(f"{whole}.{(fraction + '000000')[:6]}")


def get_json(url):
    """GETs a URL and parses the JSON answer."""
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read())


def versions_in_state(status, state):
    """The version numbers a TF Serving model status answer lists in `state`."""
    return {
        int(entry["version"]) for entry in status["model_version_status"] if entry["state"] == state
    }


def wait_healthy(container, timeout):
    """Waits until the container's healthcheck reports healthy; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        state = inspect(container)["State"]
        assert state["Status"] == "running", state
        if state.get("Health", {}).get("Status") == "healthy":
            return time.monotonic() - start
        time.sleep(1)
    raise AssertionError(f"{container} not healthy after {timeout} s")


def evaluate_cli(*where):
    """Runs `python -m serving.client evaluate` from the host; returns its error rate line."""
    argv = [sys.executable, "-m", "serving.client", "evaluate", *where]
    argv += ["--num-tests", str(NUM_TESTS), "--concurrency", "8"]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    print(" ".join(where), "|", done.stdout.strip().replace("\n", " | "), flush=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return re.search(r"Inference error rate: [0-9.]+%", done.stdout).group(0)


async def roll_out_under_load(grpc, rest, pixels, export_argv, status_url):
    """Exports a new version while gRPC and REST clients keep asking; waits until it serves.

    Args:
        grpc, rest: the published gRPC target and REST base URL.
        pixels: uint8 digits [n, 28, 28] to send, one per request.
        export_argv: the host command that exports the next version.
        status_url: the model's REST status URL.

    Returns:
        (requests answered, failure messages, seconds until the new version was the only
        AVAILABLE one).
    """
    stop = asyncio.Event()
    answered, failures = [0], []

    async def ask(client):
        # Bounded in time, so the loop ends even if the rollout never completes.
        deadline = time.monotonic() + 300
        index = 0
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                await predict_pixels(client, pixels[index % len(pixels) : index % len(pixels) + 1])
                answered[0] += 1
            except RequestError as error:
                failures.append(str(error))
            index += 1

    async with connect(grpc=grpc) as grpc_client, connect(rest=rest) as rest_client:
        workers = [asyncio.create_task(ask(c)) for c in (grpc_client, rest_client) * 2]
        await asyncio.sleep(1)
        start = time.monotonic()
        export = await asyncio.create_subprocess_exec(*export_argv, cwd=REPO)
        assert await export.wait() == 0
        while time.monotonic() - start < 240:
            status = await asyncio.to_thread(get_json, status_url)
            if versions_in_state(status, "AVAILABLE") == {2}:
                break
            await asyncio.sleep(0.5)
        swapped = time.monotonic() - start
        await asyncio.sleep(2)  # requests now answered by version 2 count too
        stop.set()
        await asyncio.gather(*workers)
    return answered[0], failures, swapped


def test_compose_stack_trains_serves_rolls_out_and_cleans_up(tmp_path, mnist):
    phases = Phases()
    uid, gid = (os.getuid(), os.getgid()) if os.getuid() else (IMAGE_UID, IMAGE_UID)
    models, runs = tmp_path / "models", tmp_path / "runs"
    for directory in (models, runs):
        directory.mkdir()
        os.chown(directory, uid, gid)
    grpc_port, rest_port = free_port(), free_port()
    env = dict(
        os.environ,
        MNIST_UID=str(uid),
        MNIST_GID=str(gid),
        MNIST_MODELS_DIR=str(models),
        MNIST_RUNS_DIR=str(runs),
        MNIST_TRAIN_FLAGS=TRAIN_FLAGS,
        MNIST_GRPC_PORT=str(grpc_port),
        MNIST_REST_PORT=str(rest_port),
    )
    compose(env, "down", "--remove-orphans")  # a stack left by an interrupted run
    rest = f"http://127.0.0.1:{rest_port}"
    model_url = f"{rest}/v1/models/{contract.MODEL_NAME}"
    try:
        with phases("build images"):
            # A cold dependency layer downloads TensorFlow with no pip cache: allow for it.
            compose(env, "build", timeout=1800)
        with phases("up: train, export version 1, start the server"):
            compose(env, "up", "--detach")
        trainer = compose(env, "ps", "--all", "--quiet", "trainer").strip()
        server = compose(env, "ps", "--quiet", "tfserving").strip()
        with phases("server healthy"):
            wait_healthy(server, timeout=300)
        trained, serving = inspect(trainer)["State"], inspect(server)["State"]
        assert trained["ExitCode"] == 0
        assert started_or_finished(trained, "FinishedAt") <= started_or_finished(
            serving, "StartedAt"
        )
        for container in (trainer, server):
            assert inspect(container)["Config"]["User"] == f"{uid}:{gid}"
        assert numeric_versions(models / contract.MODEL_NAME) == [1]

        with phases("evaluate over gRPC and REST"):
            over_grpc = evaluate_cli("--grpc", f"127.0.0.1:{grpc_port}")
            over_rest = evaluate_cli("--rest", rest)
        _, (x_test, y_test) = mnist
        signature = tf.saved_model.load(str(models / contract.MODEL_NAME / "1")).signatures[
            contract.PREDICT_PIXELS
        ]
        probabilities = signature(images=tf.constant(x_test[:NUM_TESTS]))[contract.PROBABILITIES]
        in_process = np.mean(np.argmax(probabilities.numpy(), axis=1) != y_test[:NUM_TESTS])
        print(f"in-process | Inference error rate: {in_process * 100:.2f}%", flush=True)
        assert over_grpc == over_rest == f"Inference error rate: {in_process * 100:.2f}%"

        assert versions_in_state(get_json(model_url), "AVAILABLE") == {1}
        metadata = get_json(f"{model_url}/metadata")
        assert contract.PREDICT_PIXELS in metadata["metadata"]["signature_def"]["signature_def"]
        with urllib.request.urlopen(f"{rest}/monitoring/prometheus/metrics", timeout=10) as reply:
            metrics = reply.read().decode()
        assert "# TYPE" in metrics and contract.MODEL_NAME in metrics

        (run_dir,) = runs.iterdir()
        export_argv = [sys.executable, "-m", "export", "--checkpoint"]
        export_argv += [str(run_dir / "model.keras"), "--base-path", str(models / "mnist")]
        with phases("roll out version 2 under load"):
            answered, failures, swapped = asyncio.run(
                roll_out_under_load(
                    f"127.0.0.1:{grpc_port}", rest, x_test[:100], export_argv, model_url
                )
            )
        print(
            f"rollout: {answered} requests answered, {len(failures)} failed, "
            f"version 2 alone AVAILABLE {swapped:.1f} s after the export started",
            flush=True,
        )
        assert versions_in_state(get_json(model_url), "AVAILABLE") == {2}
        assert answered > 0 and failures == []
        assert inspect(server)["RestartCount"] == 0 and inspect(server)["State"]["Running"]
    finally:
        with phases("down"):
            compose(env, "down", "--remove-orphans")

    label = f"label=com.docker.compose.project={PROJECT}"
    for kind in ("ps", "network ls"):
        argv = ["docker", *kind.split(), "--quiet", "--filter", label]
        argv += ["--all"] if kind == "ps" else []
        left = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        assert left.strip() == "", f"docker {kind} after down: {left}"
    written = [models / "mnist" / "1", run_dir]
    for path in (p for top in written for p in [top, *top.rglob("*")]):
        assert (path.stat().st_uid, path.stat().st_gid) == (uid, gid), path
    print("compose-test phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.seconds.items()))
