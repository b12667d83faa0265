"""Fixtures for the replicas tests: local server replicas as subprocesses over one model dir.

Each replica is `python -m serving.server --port 0 --rest_api_port 0 ...`, started the way a
person starts it; its ports are read from the two lines it prints once it serves.
"""

import re
import shutil
import subprocess
import sys
import time

import pytest

from common import contract

GRPC_LINE = re.compile(r"Running gRPC ModelServer at (?P<host>[^:\s]+):(?P<port>\d+)")
REST_LINE = re.compile(r"Exporting HTTP/REST API at:(?P<host>[^:\s]+):(?P<port>\d+)")


class Replica:
    """One `python -m serving.server` subprocess; `address` is HOST:GRPC_PORT:REST_PORT."""

    def __init__(self, base_path, log_path, timeout=180.0):
        command = [sys.executable, "-m", "serving.server", "--port=auto", "--rest_api_port=auto"]
        command += [f"--model_name={contract.MODEL_NAME}"]
        command += [f"--model_base_path={base_path}", "--file_system_poll_wait_seconds=1"]
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            text = log_path.read_text(errors="replace")
            grpc, rest = GRPC_LINE.search(text), REST_LINE.search(text)
            if grpc and rest:
                self.grpc_port, self.rest_port = int(grpc["port"]), int(rest["port"])
                self.address = f"127.0.0.1:{self.grpc_port}:{self.rest_port}"
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"replica did not start: {log_path.read_text()[-2000:]}")

    def stop(self):
        """SIGTERM, then SIGKILL if it has not exited within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def shared_models(exported_model, tmp_path_factory):
    """A model base path of its own holding version 1 of `exported_model`, for replicas to share."""
    base = tmp_path_factory.mktemp("shared") / "mnist"
    shutil.copytree(exported_model / "1", base / "1")
    return base


@pytest.fixture
def replicas(shared_models, tmp_path):
    """Two fresh replicas serving `shared_models`, stopped after the test."""
    started = []
    try:
        for index in range(2):
            started.append(Replica(shared_models, tmp_path / f"replica{index}.log"))
        yield started
    finally:
        for replica in started:
            replica.stop()
