"""Runs N training workers on this machine, on loopback ports, and restarts them if one dies.

`python -m model.training --workers N ...` comes here: each worker is `python -m model.training`
with the same flags and its own TF_CONFIG naming 127.0.0.1 ports, the chief (worker 0)
printing to this terminal. If a worker exits with an error or is killed, the others are
stopped and all are started again (up to MAX_RESTARTS times); the chief's BackupAndRestore
makes them resume from the last finished epoch. That is the supervisor a cluster scheduler
(a Kubernetes Job, Slurm) plays on real machines.

Example:
    python -m model.training --workers 2 --epochs 2 --train-limit 512 --run-dir runs/two
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from common.ports import free_port

MAX_RESTARTS = 3
# How long a stopped worker gets to exit on SIGTERM before it is killed.
STOP_SECONDS = 10
# How long the other workers get to finish after the chief has.
FINISH_SECONDS = 120


def tf_configs(workers):
    """One TF_CONFIG per worker for a cluster of `workers` tasks on free loopback ports.

    Args:
        workers: number of workers, at least 2.

    Returns:
        list of JSON strings; index 0 is the chief.
    """
    addresses = [f"127.0.0.1:{free_port()}" for _ in range(workers)]
    return [
        json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": i}})
        for i in range(workers)
    ]


def start_workers(argv, workers, scratch, print_fn=print, module="model.training"):
    """Starts one `python -m MODULE` per worker; non-chief output is discarded.

    Args:
        argv: the command line's arguments (each worker gets them unchanged).
        workers: number of workers.
        scratch: the workers' TMPDIR, where non-chief workers put their files.
        print_fn: receives one "worker I pid P" line per worker.
        module: the entry point each worker runs (`model.training`, or `pipeline`).

    Returns:
        list of subprocess.Popen, chief first.
    """
    processes = []
    for index, tf_config in enumerate(tf_configs(workers)):
        env = {**os.environ, "TF_CONFIG": tf_config, "TMPDIR": scratch}
        quiet = {} if index == 0 else {"stdout": subprocess.DEVNULL}
        command = [sys.executable, "-m", module, *argv]
        processes.append(subprocess.Popen(command, env=env, **quiet))
        print_fn(f"worker {index} pid {processes[-1].pid} {json.loads(tf_config)['cluster']}")
    return processes


def stop(processes):
    """Stops every process still running: SIGTERM, then SIGKILL after STOP_SECONDS."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def supervise(processes):
    """Waits until the chief succeeds or any worker fails.

    Returns:
        None when the chief exited 0, else (index, returncode) of the first failed worker.
    """
    while True:
        for index, process in enumerate(processes):
            code = process.poll()
            if code == 0 and index == 0:
                return None
            if code not in (None, 0):
                return index, code
        time.sleep(0.2)


def launch(argv, workers, print_fn=print, module="model.training"):
    """Runs a training job on `workers` local processes until it finishes or fails too often.

    Args:
        argv: the training command line's arguments, including a --run-dir shared by all.
        workers: number of workers, at least 2.
        print_fn: receives the supervisor's lines.
        module: the entry point each worker runs.

    Returns:
        0 when the chief finished training; otherwise the failed worker's exit status (1 if
        it was killed by a signal).
    """
    # A worker stopped by a signal cannot remove its temporary files; this directory goes
    # with the launcher.
    with tempfile.TemporaryDirectory(prefix="model-train-workers-") as scratch:
        return _run(argv, workers, scratch, print_fn, module)


def _run(argv, workers, scratch, print_fn, module):
    attempt = 0
    while True:
        processes = start_workers(argv, workers, scratch, print_fn, module)
        try:
            failure = supervise(processes)
            if failure is None:
                # The others finish their own evaluation and remove their scratch directories.
                for process in processes[1:]:
                    process.wait(timeout=FINISH_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        finally:
            stop(processes)
        if failure is None:
            return 0
        index, code = failure
        if attempt == MAX_RESTARTS:
            print_fn(f"worker {index} exited with {code}; giving up after {attempt} restarts")
            return code if code > 0 else 1
        attempt += 1
        print_fn(
            f"worker {index} exited with {code}; restarting all {workers} workers from the "
            f"last backup (restart {attempt} of {MAX_RESTARTS})"
        )
