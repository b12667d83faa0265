"""The model server and the pad as subprocesses on free ports, as a person would start them.

Both are started with their command lines (`python -m serving.server --port auto
--rest_api_port 0 ...`, `python -m serving.pad --port 0 --rest URL`), and the bound port is
read from the line each prints once it serves. Tests, the pad benchmark and the docs/pad.md
screenshot use these; stderr goes to a log file whose end is quoted if a start fails.

Example:
    with model_server("serving/models/mnist", "server.log") as rest, \
            pad_server(rest, "pad.log") as url:
        print(url)  # http://127.0.0.1:PORT/
"""

import contextlib
import queue
import re
import subprocess
import sys
import threading

from common import contract

REST_LINE = re.compile(r"Exporting HTTP/REST API at:(?P<host>[^:\s]+):(?P<port>\d+)")
PAD_LINE = re.compile(r"Drawing pad at (?P<url>http://\S+/)")


def start_module(args, ready, log_path, timeout=180.0):
    """Runs `python -m ARGS...` and waits for a stdout line matching `ready`.

    Args:
        args: the module and its arguments.
        ready: a compiled regex for the line printed once the process serves.
        log_path: file that receives the process's stderr.
        timeout: seconds to wait for that line.

    Returns:
        (process, match): the running Popen and the regex match.

    Raises:
        RuntimeError: with the log's end, if the process exits or stays silent too long.
    """
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *args], stdout=subprocess.PIPE, stderr=log, text=True
        )
    lines = queue.Queue()

    def pump():
        # Keeps the pipe drained for the process's whole life, not just until ready.
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        while (line := lines.get(timeout=timeout)) is not None:
            if match := ready.search(line):
                return process, match
    except queue.Empty:
        pass
    stop(process)
    with open(log_path, errors="replace") as log:
        tail = log.read()[-2000:]
    raise RuntimeError(f"`python -m {' '.join(args)}` did not start: {tail}")


def stop(process):
    """Stops a process with SIGTERM, killing it if it has not exited within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def model_server(base_path, log_path):
    """Serves `base_path` with `python -m serving.server` on free 127.0.0.1 ports.

    Args:
        base_path: a model base path holding at least one exported version.
        log_path: file for the server's log.

    Yields:
        The REST base URL, e.g. http://127.0.0.1:PORT.
    """
    args = ["serving.server", f"--model_name={contract.MODEL_NAME}"]
    args += [f"--model_base_path={base_path}", "--port=auto", "--rest_api_port=auto"]
    process, match = start_module(args, REST_LINE, log_path)
    try:
        yield f"http://{match['host']}:{match['port']}"
    finally:
        stop(process)


@contextlib.contextmanager
def pad_server(rest_url, log_path, extra_args=()):
    """Serves the pad with `python -m serving.pad` on a free 127.0.0.1 port.

    Args:
        rest_url: the model server's REST base URL (need not be up).
        log_path: file for the pad's log.
        extra_args: more flags, e.g. ["--max-body-bytes=100"].

    Yields:
        The page's URL, e.g. http://127.0.0.1:PORT/.
    """
    args = ["serving.pad", "--port=0", f"--rest={rest_url}", *extra_args]
    process, match = start_module(args, PAD_LINE, log_path)
    try:
        yield match["url"]
    finally:
        stop(process)
