"""h2load's report read into figures, and the gRPC framing of a request.

Example:
    .venv/bin/pytest tests/bench/test_peers_h2load.py -q
"""

import pytest
from peers import h2load

REPORT = """\
finished in 2.00s, 863.00 req/s, 215.88KB/s
requests: 1726 total, 1727 started, 1726 done, 1726 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 1726 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 431.76KB (442119) total, 5.13KB (5253) headers (space savings 96.24%), 332.05KB
                     min         max         mean         sd        +/- sd
time for request:      472us      9.65ms      1.15ms       514us    81.40%
time for connect:       62us        62us        62us         0us   100.00%
"""


def test_h2load_parse_reads_rate_mean_and_no_failures():
    result = h2load.parse(REPORT)
    assert result == h2load.H2loadResult(1726, 863.0, 1.15, 0)


def test_h2load_parse_counts_failed_and_non_2xx_requests():
    report = REPORT.replace("1726 succeeded, 0 failed", "1720 succeeded, 6 failed").replace(
        "1726 2xx, 0 3xx, 0 4xx", "1723 2xx, 0 3xx, 3 4xx"
    )
    result = h2load.parse(report.replace("472us      9.65ms      1.15ms", "1ms 2s 850us"))
    assert (result.failures, result.mean_ms) == (6 + 3, 0.85)


def test_h2load_parse_refuses_what_is_not_a_report():
    with pytest.raises(ValueError, match="not an h2load report"):
        h2load.parse("connection refused\n")


def test_h2load_frame_prefixes_the_length_big_endian():
    assert h2load.frame(b"abc") == b"\x00\x00\x00\x00\x03abc"
