"""The peers benchmark's runner: its flags, and one end-to-end run against the local server.

The peers' own venvs stay out of the test suite (each is gigabytes of pinned downloads);
the end-to-end run measures the runner's "local" peer, both variants, under real wrk.

Example:
    .venv/bin/pytest tests/bench/test_peers_run.py -q
"""

import shutil

import pytest
from peers import run


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


@pytest.mark.slow
def test_run_checks_and_measures_both_local_variants_under_wrk(exported_model, capsys):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (`make wrk` installs Debian's)")
    status = run.main(
        [
            "--peers",
            "local",
            "--cells",
            "b32c1",
            "--seconds",
            "1",
            "--base-path",
            str(exported_model),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "local batching off: answers match" in out and "local batching on: answers match" in out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| local ")]
    assert [row[0] for row in rows] == ["| local batching off", "| local batching on"]
    assert all(float(row[1]) > 0 and float(row[2].strip(" |")) > 0 for row in rows)
    assert "Not measured" not in out
