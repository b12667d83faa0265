"""The serving benchmark's table and goals, from made-up cells with known ratios.

Example:
    .venv/bin/pytest tests/bench/test_speed_report.py
"""

import numpy as np
from speed_report import goals, table

from serving.client.load import LoadResult


def result(requests_per_second, p50_ms=1.0):
    """A LoadResult of 100 requests at this rate, every latency p50_ms."""
    latencies = np.full(100, p50_ms / 1e3)
    return LoadResult([None] * 100, [], latencies, 100 / requests_per_second)


def cells(batching_speedup=2.0, local_p50=0.8):
    found = {}
    for size in (1, 32):
        for conc in (1, 16):
            found["tutorial", "REST", "-", size, conc] = result(1000, p50_ms=1.0)
            for api in ("gRPC", "REST"):
                found["local", api, "off", size, conc] = result(2000, p50_ms=local_p50)
                found["local", api, "on", size, conc] = result(2000 * batching_speedup)
    return found


def test_goals_are_ratios_of_cells_with_verdicts():
    measured = {goal.name: goal for goal in goals(cells())}
    batching = measured["REST batch 1, concurrency 16: batching on / off requests/s"]
    assert batching.ratio == 2.0 and not batching.met
    against_tutorial = measured[
        "REST batch 1, concurrency 16: local with batching / tutorial requests/s"
    ]
    assert against_tutorial.ratio == 4.0 and against_tutorial.met
    latency = measured["REST batch 1, concurrency 1: local p50 / tutorial p50"]
    assert np.isclose(latency.ratio, 0.8) and latency.met
    grpc_over_rest = measured["batching on, batch 32, concurrency 16: gRPC / REST requests/s"]
    assert grpc_over_rest.ratio == 1.0 and grpc_over_rest.met
    assert len(measured) == 6 + 8


def test_goals_grpc_slower_than_rest_is_missed():
    slow_grpc = cells()
    slow_grpc["local", "gRPC", "off", 1, 16] = result(1500)
    measured = {goal.name: goal for goal in goals(slow_grpc)}
    goal = measured["batching off, batch 1, concurrency 16: gRPC / REST requests/s"]
    assert goal.ratio == 0.75 and not goal.met


def test_goals_missed_are_marked_and_slower_p50_misses():
    measured = {goal.name: goal for goal in goals(cells(batching_speedup=3.0, local_p50=1.2))}
    assert measured["gRPC batch 1, concurrency 16: batching on / off requests/s"].met
    latency = measured["REST batch 32, concurrency 1: local p50 / tutorial p50"]
    assert not latency.met and "**missed**" in latency.line() and "<= 1.0x" in latency.line()


def test_goals_leave_out_cells_not_run():
    only_batch_1 = {key: value for key, value in cells().items() if key[3] == 1}
    names = [goal.name for goal in goals(only_batch_1)]
    assert len(names) == 4 + 4 and not any("batch 32" in name for name in names)


def test_table_has_a_row_per_cell_in_order():
    lines = table({("local", "REST", "off", 1, 16): result(2000, 2.5)})
    assert lines[2] == "| local | REST | off | 1 | 16 | 2000 | 2.50 | 2.50 | 0 |"
