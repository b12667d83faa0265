"""Runs the servers benchmarks measure as subprocesses on free 127.0.0.1 ports.

A separate process keeps a server off the benchmark's interpreter lock, as a real
TF Serving would be: `python -m serving.server`, started with tensorflow_model_server's
flags, and the tutorial server (bench/tutorial_server.py). Both stop on SIGTERM.

Example (the benchmark that uses it):
    python bench/serve_speed.py --requests 200 --warmup 20
"""

import argparse
import pathlib
import subprocess
import sys
import time
import urllib.request

from common import contract
from common.ports import free_port
from serving.pad.processes import stop as stop_server  # SIGTERM, then kill if it hangs

REPO = pathlib.Path(__file__).resolve().parent.parent
BATCHING_CONFIG = REPO / "serving" / "config" / "batching.config"


def add_model_arguments(parser, batching_help):
    """Adds the flags every serving benchmark takes: --base-path and --batching-config.

    Args:
        parser: the benchmark's argparse parser.
        batching_help: what --batching-config is used for, in this benchmark's words.
    """
    parser.add_argument(
        "--base-path", help="serve this model base path (default: export an untrained model)"
    )
    parser.add_argument(
        "--batching-config", type=_existing_file, default=str(BATCHING_CONFIG), help=batching_help
    )


def _existing_file(text):
    if not pathlib.Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return text


def wait_ready(process, ready_url, marker, timeout, interval):
    """Polls `ready_url` until its answer holds `marker`, the process exits or time runs out.

    Args:
        process: the server's subprocess.Popen.
        ready_url: a URL the server answers once it is ready.
        marker: bytes the ready answer contains (b"" for any 2xx answer).
        timeout: seconds to wait.
        interval: seconds between polls.

    Returns:
        True once the server is ready; False if it exited or never got ready.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(ready_url, timeout=2) as reply:
                if marker in reply.read():
                    return True
        except OSError:
            pass
        time.sleep(interval)
    return False


def start_process(command, ready_url, marker, log, timeout=180.0):
    """Starts a server process and waits until `ready_url` answers with `marker` in its body.

    Args:
        command: the argv to run, from the repository's root.
        ready_url: a URL the server answers once it is ready.
        marker: bytes the ready answer contains.
        log: an open binary file that receives the server's output (a file, not a pipe:
            an undrained pipe would block a server that logs every request).
        timeout: seconds to wait.

    Returns:
        The subprocess.Popen.

    Raises:
        RuntimeError: with the end of the server's log if it exits or never gets ready.
    """
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if wait_ready(process, ready_url, marker, timeout, interval=0.2):
        return process
    stop_server(process)
    log.seek(0)
    tail = log.read()[-2000:].decode(errors="replace")
    raise RuntimeError(f"server never served {ready_url} (exit {process.returncode}): {tail}")


def start_server(base_path, batching_file, log, flags=(), timeout=180.0):
    """Starts `python -m serving.server` on free ports and waits until the model is AVAILABLE.

    Args:
        base_path: model base path holding at least one version.
        batching_file: a BatchingParameters file to enable batching with, or None.
        log: an open binary file that receives the server's output.
        flags: more tensorflow_model_server flags, e.g. ["--tensorflow_intra_op_parallelism=1"].
        timeout: seconds to wait for the model to load.

    Returns:
        (process, grpc_port, rest_port).

    Raises:
        RuntimeError: with the end of the server's log if it exits or never gets ready.
    """
    grpc_port, rest_port = free_port(), free_port()
    command = [sys.executable, "-m", "serving.server", f"--port={grpc_port}"]
    command += [f"--rest_api_port={rest_port}", f"--model_name={contract.MODEL_NAME}"]
    command += [f"--model_base_path={base_path}", *flags]
    if batching_file:
        command += ["--enable_batching=true", f"--batching_parameters_file={batching_file}"]
    status_url = f"http://127.0.0.1:{rest_port}/v1/models/{contract.MODEL_NAME}"
    process = start_process(command, status_url, b'"AVAILABLE"', log, timeout)
    return process, grpc_port, rest_port


def start_tutorial_server(model_dir, log, timeout=180.0):
    """Starts bench/tutorial_server.py (FastAPI + uvicorn) on a free port.

    Args:
        model_dir: the SavedModel version directory it loads.
        log: an open binary file that receives the server's output.
        timeout: seconds to wait for the model to load.

    Returns:
        (process, port).
    """
    port = free_port()
    command = [sys.executable, str(REPO / "bench" / "tutorial_server.py")]
    command += [f"--model-dir={model_dir}", f"--port={port}"]
    process = start_process(command, f"http://127.0.0.1:{port}/health", b'"ok"', log, timeout)
    return process, port
