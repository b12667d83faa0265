"""Runs `python -m serving.server` as a subprocess on free 127.0.0.1 ports, for benchmarks.

A separate process keeps the server off the benchmark's interpreter lock, as a real
TF Serving would be. It is started with tensorflow_model_server's flags and stopped
with SIGTERM.

Example (the benchmark that uses it):
    python bench/serve_speed.py --requests 200 --warmup 20
"""

import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

from serving import contract
from serving.pad.processes import stop as stop_server  # SIGTERM, then kill if it hangs

REPO = pathlib.Path(__file__).resolve().parent.parent


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(base_path, batching_file, log, timeout=180.0):
    """Starts `python -m serving.server` on free ports and waits until the model is AVAILABLE.

    Args:
        base_path: model base path holding at least one version.
        batching_file: a BatchingParameters file to enable batching with, or None.
        log: an open binary file that receives the server's output (a file, not a pipe:
            an undrained pipe would block a server that logs every request).
        timeout: seconds to wait for the model to load.

    Returns:
        (process, grpc_port, rest_port).

    Raises:
        RuntimeError: with the end of the server's log if it exits or never gets ready.
    """
    grpc_port, rest_port = free_port(), free_port()
    command = [sys.executable, "-m", "serving.server", f"--port={grpc_port}"]
    command += [f"--rest_api_port={rest_port}", f"--model_name={contract.MODEL_NAME}"]
    command += [f"--model_base_path={base_path}"]
    if batching_file:
        command += ["--enable_batching=true", f"--batching_parameters_file={batching_file}"]
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    status_url = f"http://127.0.0.1:{rest_port}/v1/models/{contract.MODEL_NAME}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(status_url, timeout=2) as reply:
                if b'"AVAILABLE"' in reply.read():
                    return process, grpc_port, rest_port
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    log.seek(0)
    tail = log.read()[-2000:].decode(errors="replace")
    raise RuntimeError(f"server never served {status_url} (exit {process.returncode}): {tail}")
