"""Runs h2load, the C load generator for gRPC cells, and parses what it prints.

A gRPC unary call is an HTTP/2 POST of one length-prefixed message (a 0 byte, the length
as 4 big-endian bytes, the serialized request) with `content-type: application/grpc`, so
h2load (Debian's nghttp2-client) can put the same load on a gRPC method as wrk puts on a
REST path: `-c` connections with one stream each (`-m 1`), one thread at concurrency 1 and
two otherwise, for `-D` seconds. gRPC refusals travel in trailers under HTTP 200, which
h2load does not read: the caller checks the answer to the same bytes first.

Example:
    .venv/bin/python bench/peers/transports.py --cells b1c1 --seconds 2
"""

import dataclasses
import pathlib
import re
import struct

from peers.wrk import UNITS, CellError, run_tool


@dataclasses.dataclass(frozen=True)
class H2loadResult:
    """One cell's figures: requests done, rate, mean latency (ms) and failures."""

    requests: int
    requests_per_second: float
    mean_ms: float
    failures: int


def frame(message):
    """A serialized request as one gRPC message on the wire (uncompressed).

    Args:
        message: the request's bytes.

    Returns:
        bytes: the 5-byte prefix, then the message.
    """
    return b"\0" + struct.pack(">I", len(message)) + message


def parse(output):
    """Reads h2load's report.

    Args:
        output: h2load's stdout.

    Returns:
        H2loadResult; failures count requests not done or not 2xx.

    Raises:
        ValueError: when a line the result needs is missing.
    """
    rate = re.search(r"^finished in [\d.]+\w+, ([\d.]+) req/s", output, re.M)
    counts = re.search(
        r"^requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
        r"(\d+) errored, (\d+) timeout",
        output,
        re.M,
    )
    status = re.search(r"^status codes: (\d+) 2xx", output, re.M)
    mean = re.search(r"^time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\s", output, re.M)
    if not (rate and counts and status and mean):
        raise ValueError(f"not an h2load report: {output[-500:]!r}")
    done, succeeded = int(counts[2]), int(counts[3])
    failed = sum(int(counts[i]) for i in (4, 5, 6)) + (done - int(status[1]))
    return H2loadResult(
        requests=succeeded,
        requests_per_second=float(rate[1]),
        mean_ms=float(mean[1]) * UNITS[mean[2]],
        failures=failed,
    )


def run_cell(url, body_file, concurrency, seconds):
    """Runs one h2load cell against a gRPC method and refuses it if any request failed.

    Args:
        url: http://HOST:PORT/package.Service/Method.
        body_file: a file holding one framed request (see `frame`).
        concurrency: connections kept busy, one call each.
        seconds: the cell's duration.

    Returns:
        H2loadResult.

    Raises:
        CellError: when h2load is missing or fails, or the cell had failures.
    """
    threads = 1 if concurrency == 1 else 2
    argv = [
        "h2load", f"-c{concurrency}", f"-t{threads}", "-m1", f"-D{seconds}",
        "-d", str(pathlib.Path(body_file)), "-H", "content-type: application/grpc",
        "-H", "te: trailers", url,
    ]  # fmt: skip
    output = run_tool(argv, "`make h2load` installs Debian's nghttp2-client")
    result = parse(output)
    if result.failures:
        raise CellError(f"{result.failures} of the cell's requests failed")
    return result
