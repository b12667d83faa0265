"""The profiler's split of py-spy samples into stages, on a small known sample file.

Example:
    .venv/bin/pytest tests/bench/test_serve_profile.py
"""

import types

from serve_profile import RATE, report, split, stage_of


def test_stage_of_takes_the_innermost_known_frame():
    frames = [
        "Thread.run (threading.py:982)",
        "RequestHandler._handle_request (aiohttp/web_protocol.py:577)",
        "parse_body (serving/codecs/json_request.py:62)",
        "parse_plain (serving/codecs/json_numeric.py:80)",
    ]
    assert stage_of(reversed(frames)) == "JSON read (simdjson)"
    assert stage_of(reversed(frames[:2])) == "HTTP (aiohttp)"
    assert stage_of(reversed(frames[:1])) == "event loop, threads, other"


def test_split_counts_samples_by_stage(tmp_path):
    raw = tmp_path / "samples.txt"
    raw.write_text(
        "thread (1): rest;f (aiohttp/web_protocol.py:1);g (serving/codecs/json_response.py:9) 7\n"
        "thread (2): rest_0;_call (serving/core/servable.py:133) 3\n"
        "thread (1): rest;f (aiohttp/web_protocol.py:1) 2\n"
    )
    assert split(raw) == {
        "JSON write (WriteDecimal)": 7,
        "signature call (session.run)": 3,
        "HTTP (aiohttp)": 2,
    }


def test_report_puts_the_rest_of_the_cpu_outside_the_lock():
    args = types.SimpleNamespace(api="rest", batch=1, concurrency=16, batching="off", requests=10)
    counts = {"HTTP (aiohttp)": RATE * 0.001}  # 1 ms under the lock over 10 requests
    lines = report(args, server=0.004, client=0.002, counts=counts)
    assert lines[0].endswith("server 400 us CPU per request, client 200")
    assert "| HTTP (aiohttp) | 100 | 25% |" in lines
    assert "| outside the interpreter lock (TF kernels, sockets, C cores) | 300 | 75% |" in lines
