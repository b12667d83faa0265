"""Starts one peer variant as its own process group and stops the whole group after.

Ray Serve, BentoML, MLServer and Triton each spawn helper processes, so a server is
started in a new session and stopped with SIGTERM to the server, then SIGKILL to what is
left of its group. Its output goes to a log file whose end is quoted when a start fails.
`bench/` is put on PYTHONPATH so `python -m peers.<module>` runs in any venv.

Example:
    .venv/bin/python bench/peers/run.py --peers litserve --cells b1c1 --seconds 2
"""

import contextlib
import os
import pathlib
import signal
import subprocess

from server_process import wait_ready

BENCH = pathlib.Path(__file__).resolve().parents[1]


def start(argv, env, ready_url, marker, log_path, timeout=300.0):
    """Starts `argv` and waits until `ready_url` answers 2xx with `marker` in its body.

    Args:
        argv: the command.
        env: extra environment variables.
        ready_url: a URL the server answers once its model is loaded.
        marker: bytes the ready answer must contain (b"" for any 2xx answer).
        log_path: the file that receives the server's stdout and stderr.
        timeout: seconds to wait.

    Returns:
        subprocess.Popen, the group leader.

    Raises:
        RuntimeError: with the end of the log if the server exits or never gets ready.
    """
    environment = {**os.environ, **env}
    paths = [str(BENCH), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, cwd=BENCH, env=environment, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    if wait_ready(process, ready_url, marker, timeout, interval=0.5):
        return process
    stop(process)
    tail = pathlib.Path(log_path).read_bytes()[-2500:].decode(errors="replace")
    raise RuntimeError(f"never served {ready_url} (exit {process.returncode}): {tail}")


def stop(process, grace=20.0):
    """Stops a server: SIGTERM to the leader, so it shuts its helpers down its own way, then
    SIGKILL to whatever of its process group is left once it exits or `grace` s pass.

    Args:
        process: a Popen from start.
        grace: seconds to wait after SIGTERM.
    """
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait()
