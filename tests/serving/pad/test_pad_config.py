"""The pad's flags: defaults, validation, and one-line errors from `python -m serving.pad`.

Example:
    .venv/bin/pytest tests/serving/pad/test_pad_config.py
"""

import re
import subprocess
import sys

import pytest

from common import contract
from serving.pad.config import PadConfig, parse_args


def test_pad_config_defaults_serve_8080_and_forward_to_the_local_rest_port():
    config = parse_args([])
    assert (config.port, config.host) == (8080, "127.0.0.1")
    assert config.upstream == f"http://127.0.0.1:{contract.REST_PORT}"


def test_pad_config_strips_a_trailing_slash_from_the_upstream():
    assert PadConfig(rest="http://tfserving:8501/").upstream == "http://tfserving:8501"


def test_pad_config_is_frozen():
    with pytest.raises(AttributeError):
        PadConfig().port = 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"port": 70000}, "--port must be in 0..65535, got 70000"),
        ({"rest": "127.0.0.1:8501"}, "--rest must be an http(s)://HOST[:PORT] URL"),
        ({"rest": "http://host:8501/v1/models"}, "--rest must have no path or query"),
        ({"rest": "http://host:99999"}, "--rest has a bad port"),
        ({"host": ""}, "--host must not be empty"),
        ({"upstream_timeout_seconds": 0}, "--upstream-timeout-seconds must be positive"),
    ],
)
def test_pad_config_refuses_bad_values_naming_them(fields, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        PadConfig(**fields)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port=eighty"], "argument --port: invalid int value: 'eighty'"),
        (["--rest=ftp://x"], "--rest must be an http(s)://HOST[:PORT] URL, got 'ftp://x'"),
        (["--max-body-bytes=0"], "must be a positive integer, got 0"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
def test_pad_cli_bad_flag_exits_2_with_one_line(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "serving.pad", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("python -m serving.pad: error: ") and message in line
