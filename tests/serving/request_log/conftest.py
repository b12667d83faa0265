"""Fixtures of the request log tests; helpers are in request_log_helpers.py."""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).parent
# The helper modules (here and TF Serving's harness) sit next to the tests; with
# --import-mode=importlib their folders are not on sys.path by themselves.
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tf_serving"))


@pytest.fixture
def log_dir(tmp_path):
    """A fresh directory for log files."""
    return tmp_path / "logs"
