"""The peers benchmark's runner: its flags, and one end-to-end run against the local server.

The peers' own venvs stay out of the test suite (each is gigabytes of pinned downloads);
the end-to-end runs measure the runner's "local" peer, every variant, under real wrk.

Example:
    .venv/bin/pytest tests/bench/test_peers_run.py -q
"""

import shutil

import pytest
from peers import run

from export import export_model


def test_parser_refuses_an_unknown_peer(capsys):
    with pytest.raises(SystemExit) as exited:
        run.build_parser().parse_args(["--peers", "local,tfserving"])
    assert exited.value.code == 2
    assert "unknown peers ['tfserving']" in capsys.readouterr().err


def test_parser_takes_peers_and_cells_as_comma_lists():
    args = run.build_parser().parse_args(["--peers", "kserve,litserve", "--cells", "b1c1"])
    assert (args.peers, args.cells, args.seconds, args.warmup) == (
        ["kserve", "litserve"],
        ["b1c1"],
        10,
        1,
    )


@pytest.fixture(scope="module")
def tflite_export(trained_model, tmp_path_factory):
    """A base path whose version 1 also holds model.tflite, for the TF Lite variants."""
    base = tmp_path_factory.mktemp("peers") / "mnist"
    export_model(trained_model, base, with_tflite=True)
    return base


@pytest.mark.slow
def test_run_checks_and_measures_every_local_variant_under_wrk(tflite_export, capsys):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (`make wrk` installs Debian's)")
    argv = ["--peers", "local", "--cells", "b32c1", "--seconds", "1"]
    status = run.main([*argv, "--base-path", str(tflite_export)])
    out = capsys.readouterr().out
    assert status == 0, out
    variants = ["batching off", "batching on", "TF Lite", "TF Lite, batching on"]
    for variant in variants:
        assert f"local {variant}: answers match" in out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| local ")]
    assert [row[0] for row in rows] == [f"| local {variant}" for variant in variants]
    assert all(float(row[1]) > 0 and float(row[2].strip(" |")) > 0 for row in rows)
    assert "Not measured" not in out


@pytest.mark.slow
def test_run_reports_tflite_variants_it_cannot_measure(exported_model, capsys):
    # The export without model.tflite: its TF Lite variants are listed as not measured.
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (`make wrk` installs Debian's)")
    argv = ["--peers", "local", "--cells", "b1c1", "--seconds", "1"]
    status = run.main([*argv, "--base-path", str(exported_model)])
    out = capsys.readouterr().out
    assert status != 0
    skipped = out.split("Not measured:", 1)[1].strip().splitlines()
    assert [line.split(":", 1)[0] for line in skipped] == [
        "- local TF Lite",
        "- local TF Lite, batching on",
    ]
    assert all("has no model.tflite" in line for line in skipped)
