"""The import layers that `make lint` enforces (pyproject.toml, [tool.importlinter]).

lint-imports runs on this tree, where every contract must hold, and on a copy of it with
one deliberate import against the layers, placed inside a function, where it must fail
and name that import.
"""

import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("common", "model", "export", "serving", "deploy", "pipeline")
LINT = pathlib.Path(sys.executable).with_name("lint-imports")


def lint(cwd):
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def copy_tree(tmp_path):
    for name in PACKAGES:
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def test_layers_hold_on_this_tree():
    result = lint(REPO)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "imported", "contract"),
    [
        ("model/mlp.py", "export.writer", "Layers point down"),
        ("common/cli.py", "deploy.lb", "Layers point down"),
        ("export/signatures.py", "pipeline.train_export", "Layers point down"),
        ("serving/errors.py", "deploy.lb", "Layers point down"),
        ("model/data.py", "model.training.config", "Inside model"),
        ("common/versions.py", "tensorflow", "common stays light"),
    ],
)
def test_layers_refuse_an_import_inside_a_function(tmp_path, module, imported, contract):
    tree = copy_tree(tmp_path)
    with open(tree / module, "a") as file:
        file.write(f"\n\ndef _against_the_layers():\n    import {imported}  # noqa: F401\n")
    result = lint(tree)
    assert result.returncode == 1, result.stdout[-3000:]
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert len(broken) == 1 and broken[0].startswith(contract), result.stdout[-3000:]
    source = module.removesuffix(".py").replace("/", ".")
    assert f"{source} -> {imported}" in result.stdout
