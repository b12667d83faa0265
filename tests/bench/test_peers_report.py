"""The peers benchmark's tables and local/peer ratios, from known cell figures.

Example:
    .venv/bin/pytest tests/bench/test_peers_report.py -q
"""

import pytest
from peers import report
from peers.wrk import WrkResult


def cell(rate, p50=1.0):
    return WrkResult(
        requests=int(rate), requests_per_second=rate, p50_ms=p50, p99_ms=2 * p50,
        non_2xx=0, socket_errors=0,
    )  # fmt: skip


MEASURED = {
    ("local", "batching off"): {"b1c1": cell(800, 0.9), "b1c16": cell(900)},
    ("local", "batching on"): {"b1c1": cell(500, 1.7), "b1c16": cell(1500)},
    ("kserve", "v1"): {"b1c1": cell(400, 1.5), "b1c16": cell(300)},
    ("kserve", "v2"): {"b1c1": cell(200, 2.0), "b1c16": cell(600)},
    ("litserve", "plain"): {"b1c1": cell(250, 3.0)},
}


def test_ratios_divide_the_best_local_variant_by_the_best_peer_variant_per_cell():
    found = report.ratios(MEASURED)
    assert list(found) == ["kserve", "litserve"]
    assert found["kserve"]["b1c1"] == pytest.approx(800 / 400)
    assert found["kserve"]["b1c16"] == pytest.approx(1500 / 600)
    assert found["litserve"] == {"b1c1": pytest.approx(800 / 250), "b1c16": None}


def test_variants_table_has_a_row_per_variant_and_p50_at_concurrency_1():
    lines = report.variants_table(MEASURED)
    assert lines[0] == "| server | b1c1 req/s | b1c16 req/s | b1c1 p50 ms |"
    assert lines[2] == "| local batching off | 800 | 900 | 0.90 |"
    assert lines[-1] == "| litserve plain | 250 | - | 3.00 |"
    assert len(lines) == 2 + len(MEASURED)


def test_ratios_table_prints_each_peer_and_dashes_for_cells_not_measured():
    lines = report.ratios_table(MEASURED)
    assert lines[0] == "| local best / peer best (req/s) | b1c1 | b1c16 |"
    assert lines[2:] == ["| kserve | 2.00x | 2.50x |", "| litserve | 3.20x | - |"]


def test_ratios_table_is_empty_without_a_peer_besides_local():
    only_local = {key: value for key, value in MEASURED.items() if key[0] == "local"}
    assert report.ratios_table(only_local) == []
