"""Tests of the local multi-worker launcher's parts: cluster descriptions and supervision.

The whole launcher (workers started, one killed, all restarted) runs in
tests/model/test_distribute.py.
"""

import json
import subprocess
import sys

from model.training.distribute import read_tf_config
from model.training.launch import stop, supervise, tf_configs


def _python(code):
    return subprocess.Popen([sys.executable, "-c", code])


def test_tf_configs_describe_one_loopback_cluster_with_worker_0_as_chief():
    configs = tf_configs(3)
    assert [read_tf_config({"TF_CONFIG": c}) for c in configs] == [
        (3, 0, True),
        (3, 1, False),
        (3, 2, False),
    ]
    addresses = {tuple(json.loads(c)["cluster"]["worker"]) for c in configs}
    (cluster,) = addresses
    assert len(set(cluster)) == 3 and all(a.startswith("127.0.0.1:") for a in cluster)


def test_supervise_reports_the_first_worker_that_fails():
    processes = [_python("import time; time.sleep(60)"), _python("raise SystemExit(3)")]
    try:
        assert supervise(processes) == (1, 3)
    finally:
        stop(processes)
    assert processes[0].returncode is not None  # stop() ended the one still running


def test_supervise_returns_none_once_the_chief_succeeds():
    processes = [_python("pass"), _python("import time; time.sleep(60)")]
    try:
        assert supervise(processes) is None
    finally:
        stop(processes)
