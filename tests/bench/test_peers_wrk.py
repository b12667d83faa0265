"""The wrk wrapper of the peers benchmark: its report parser and its script, on known text.

Example:
    .venv/bin/pytest tests/bench/test_peers_wrk.py -q
"""

import pytest
from peers import wrk

REPORT = """\
Running 2s test @ http://127.0.0.1:8000/predict
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.06ms    8.27ms  73.19ms   93.51%
    Req/Sec     1.92k   423.45     2.71k    72.73%
  Latency Distribution
     50%  726.00us
     75%    1.35ms
     90%    5.00ms
     99%    1.20s
  4206 requests in 2.10s, 1.11MB read
{failures}Requests/sec:   2003.41
Transfer/sec:      1.01MB
"""


def test_parse_reads_rate_and_percentiles_in_milliseconds():
    result = wrk.parse(REPORT.format(failures=""))
    assert result.requests == 4206
    assert result.requests_per_second == pytest.approx(2003.41)
    assert result.p50_ms == pytest.approx(0.726)  # 726 us
    assert result.p99_ms == pytest.approx(1200.0)  # 1.20 s
    assert result.failures == 0


def test_parse_counts_non_2xx_and_socket_errors():
    failures = (
        "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 17\n"
    )
    result = wrk.parse(REPORT.format(failures=failures))
    assert (result.non_2xx, result.socket_errors, result.failures) == (17, 10, 27)


def test_parse_refuses_output_without_latency_table():
    without_table = REPORT.format(failures="").replace("     99%    1.20s\n", "")
    with pytest.raises(ValueError, match="not a wrk --latency report"):
        wrk.parse(without_table)


def test_write_script_posts_the_body_file(tmp_path):
    script = wrk.write_script(b'{"images":[[1]]}', tmp_path, "b1")
    assert (tmp_path / "b1.json").read_bytes() == b'{"images":[[1]]}'
    text = script.read_text()
    assert 'wrk.method = "POST"' in text and f'io.open("{tmp_path / "b1.json"}", "rb")' in text


def test_wrk_command_uses_one_thread_at_concurrency_1_and_two_otherwise(tmp_path):
    one = wrk.wrk_command("http://h/p", tmp_path / "s.lua", 1, 10)
    sixteen = wrk.wrk_command("http://h/p", tmp_path / "s.lua", 16, 10)
    assert one[1:4] == ["-t1", "-c1", "-d10s"] and sixteen[1:4] == ["-t2", "-c16", "-d10s"]
    assert "--latency" in one and one[-1] == "http://h/p"
