"""The serving benchmark end to end, at a tiny size: every cell answered, the goals printed.

Example:
    .venv/bin/pytest tests/bench/test_serve_speed.py
"""

import pytest
import serve_profile
import serve_speed

# The slow tier: the benchmarks run end to end against real servers.
pytestmark = pytest.mark.slow


def test_serve_speed_measures_every_server_and_prints_the_goals(exported_model, capsys):
    serve_speed.main(
        ["--requests", "30", "--warmup", "5", "--batch-sizes", "1", "--concurrency", "1,4",
         "--base-path", str(exported_model)]
    )  # fmt: skip
    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")][1:]
    servers = [(row[0].strip("| "), row[1], row[2]) for row in rows]
    # This export has no model.tflite, so there are no TF Lite rows.
    assert servers == [("in-process", "-", "-")] * 2 + [("tutorial", "REST", "-")] * 2 + [
        ("local", api, batching) for batching in ("off", "on")
        for api in ("gRPC", "REST", "v2 REST") for _ in range(2)
    ]  # fmt: skip
    assert all(row[-1].strip(" |") == "0" for row in rows)  # no request failed
    goals = [line for line in out.splitlines() if line.startswith("- ")]
    # Batch 1 only, concurrency 16 not run: the concurrency-1 latency goal and gRPC / REST
    # at concurrency 1 with batching off and on are left.
    assert len(goals) == 3 and goals[0].startswith("- REST batch 1, concurrency 1: local p50")
    assert all("gRPC / REST" in goal for goal in goals[1:])


def test_serve_profile_splits_the_servers_cpu(capsys):
    serve_profile.main(["--requests", "200", "--warmup", "20", "--concurrency", "4"])
    out = capsys.readouterr().out
    shares = [line for line in out.splitlines() if line.endswith("% |")]
    assert any(line.startswith("| outside the interpreter lock") for line in shares)
    assert any(line.startswith("| HTTP (aiohttp)") for line in shares)
    # The stages cover the server's CPU: 100% but for each row's rounding to a whole percent.
    assert 90 <= sum(int(line.rsplit("|", 2)[1].strip(" %")) for line in shares) <= 110
