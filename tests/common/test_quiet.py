"""Entry points start quietly: no TensorFlow C++ start-up lines unless the user asks.

Example:
    .venv/bin/pytest tests/common/test_quiet.py
"""

import os
import subprocess
import sys

import pytest

# The slow tier: fresh interpreters that import TensorFlow.
pytestmark = pytest.mark.slow

# Imports TensorFlow as an entry point does and runs an op (the cuInit probe runs at
# the first op, XLA's service lines at the first compiled function).
SCRIPT = (
    "import common.quiet, tensorflow as tf\n"
    "tf.function(lambda x: x * 2, jit_compile=True)(tf.constant([1.0]))\n"
    "print('ran')\n"
)


def run(env):
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )


def test_quiet_import_and_first_ops_print_nothing_on_stderr():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = run(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"
    assert result.stderr == ""


def test_quiet_leaves_a_level_the_user_set_alone():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "1"}
    script = "import common.quiet, os; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout == "1\n"


def test_quiet_importing_the_packages_changes_nothing():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    script = (
        "import os, model, export, serving, pipeline; print('TF_CPP_MIN_LOG_LEVEL' in os.environ)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout == "False\n", result.stderr


def test_quiet_level_three_inherited_from_a_parent_still_silences_the_import():
    result = run({**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("ran\n", "")
