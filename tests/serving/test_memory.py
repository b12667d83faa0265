"""The server process's memory settings, checked in fresh interpreters.

Example:
    .venv/bin/pytest tests/serving/test_memory.py
"""

import os
import subprocess
import sys

SCRIPT = (
    "import os; from serving import memory; tuned = memory.configure(); "
    "print(tuned, os.environ['TF_ENABLE_ONEDNN_OPTS'])"
)


def run(env):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_memory_configure_turns_onednn_off_and_tunes_malloc():
    env = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    assert run(env) == ["True", "0"]


def test_memory_configure_leaves_an_explicit_onednn_setting():
    assert run({**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1"}) == ["True", "1"]
