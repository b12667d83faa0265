"""`python -m export`, run as users run it: bad input gives one line and a non-zero exit,
success prints the new version's path.

Example:
    .venv/bin/pytest tests/export/test_main.py
"""

import json
import pathlib
import re
import subprocess
import sys

import pytest

from common import contract

REPO = pathlib.Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "export", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


@pytest.fixture(scope="module")
def run_dir(trained_model, tmp_path_factory):
    """A training run directory: the checkpoint and its metrics."""
    path = tmp_path_factory.mktemp("run")
    trained_model.save(path / "model.keras")
    (path / "metrics.json").write_text(json.dumps({"recipe": "cli", "test_accuracy": 0.96}))
    return path


@pytest.mark.slow
def test_export_cli_exports_and_prints_path(run_dir, tmp_path):
    result = _run("--checkpoint", run_dir / "model.keras", "--base-path", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "1")
    info_path = tmp_path / "1" / contract.ASSETS_EXTRA / contract.EXPORT_INFO_FILE
    assert json.loads(info_path.read_text())["recipe"] == "cli"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--checkpoint", "{tmp}/missing/model.keras"], "does not exist"),
        (["--checkpoint", "{run}/model.keras", "--version", "abc"], "not an integer"),
        (["--checkpoint", "{run}/model.keras", "--version", "0"], "positive integer"),
        (["--checkpoint", "{run}/model.keras", "--version", "1"], "already exists"),
        (["--checkpoint", "{run}/metrics.json"], r"not a \.keras file"),
        (["--base-path", "{tmp}"], "required: --checkpoint"),
    ],
)
def test_export_cli_bad_input_exits_with_one_line(run_dir, tmp_path, arguments, message):
    (tmp_path / "1").mkdir()
    before = sorted(tmp_path.iterdir())
    arguments = [a.format(tmp=tmp_path, run=run_dir) for a in arguments]
    if "--base-path" not in arguments:
        arguments += ["--base-path", str(tmp_path)]
    result = _run(*arguments)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("python -m export: error: ")
    assert re.search(message, line), line
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.slow
def test_export_cli_unloadable_checkpoint_exits_1_with_reason(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"not a zip archive")
    result = _run("--checkpoint", tmp_path / "model.keras", "--base-path", tmp_path / "models")
    assert result.returncode == 1
    # TensorFlow's runtime logs to stderr on import; the CLI's own reason is one line.
    errors = [line for line in result.stderr.splitlines() if line.startswith("python -m export:")]
    assert len(errors) == 1 and "cannot load checkpoint" in errors[0], result.stderr
    assert not (tmp_path / "models").exists()
