"""Runs wrk, the one load generator every peer gets, and parses what it prints.

A cell is one wrk run: a Lua script POSTs the same JSON body (the peer's own request
format) over keep-alive connections for `--seconds`; concurrency 1 is `-t1 -c1` and 16
is `-t2 -c16`. `--latency` adds the percentile table this module reads p50 and p99 from;
"Non-2xx or 3xx responses" and the socket errors line count failures, and a cell that
has any is refused.

Example:
    .venv/bin/python bench/peers/run.py --peers local --cells b1c16 --seconds 2
"""

import dataclasses
import pathlib
import re
import shutil
import subprocess

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = assert(io.open({path}, "rb"))
wrk.body = file:read("*a")
file:close()
"""


@dataclasses.dataclass(frozen=True)
class WrkResult:
    """One cell's figures: requests, rate, latency percentiles (ms) and failures."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def failures(self):
        """Responses that were not 2xx/3xx plus connect, read, write and timeout errors."""
        return self.non_2xx + self.socket_errors


class CellError(RuntimeError):
    """wrk could not run, or the cell had failures; the message says which."""


def _milliseconds(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk duration {text!r}")
    return float(match[1]) * UNITS[match[2]]


def parse(output):
    """Reads wrk's `--latency` report.

    Args:
        output: wrk's stdout.

    Returns:
        WrkResult.

    Raises:
        ValueError: when a line the result needs is missing.
    """
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.M))
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (total and rate and {"50", "99"} <= percentiles.keys()):
        raise ValueError(f"not a wrk --latency report: {output[-500:]!r}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests=int(total[1]),
        requests_per_second=float(rate[1]),
        p50_ms=_milliseconds(percentiles["50"]),
        p99_ms=_milliseconds(percentiles["99"]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(map(int, sockets.groups())) if sockets else 0,
    )


def write_script(body, directory, name):
    """Writes the request body and the Lua script that POSTs it.

    Args:
        body: the request's JSON bytes.
        directory: a scratch directory.
        name: a file stem unique within `directory`.

    Returns:
        pathlib.Path of the Lua script.
    """
    directory = pathlib.Path(directory)
    body_file = directory / f"{name}.json"
    body_file.write_bytes(body)
    script = directory / f"{name}.lua"
    # Lua's %q-style quoting: the path inside a double-quoted string literal.
    quoted = '"' + str(body_file).replace("\\", "\\\\").replace('"', '\\"') + '"'
    script.write_text(SCRIPT.format(path=quoted))
    return script


def wrk_command(url, script, concurrency, seconds):
    """The wrk argv for one cell: one thread at concurrency 1, two otherwise."""
    threads = 1 if concurrency == 1 else 2
    return [
        "wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s",
        "--latency", "-s", str(script), url,
    ]  # fmt: skip


def run_tool(argv, install_hint):
    """Runs a load generator and returns what it printed.

    Args:
        argv: its command line, the program first.
        install_hint: how to install the program, for the error when it is missing.

    Returns:
        Its stdout.

    Raises:
        CellError: when the program is missing or exits non-zero.
    """
    if shutil.which(argv[0]) is None:
        raise CellError(f"{argv[0]} is not installed: {install_hint}")
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise CellError(
            f"{argv[0]} exited {done.returncode}: {(done.stderr or done.stdout)[-500:]}"
        )
    return done.stdout


def run_cell(url, script, concurrency, seconds):
    """Runs one wrk cell and refuses it if any request failed.

    Args:
        url: the URL to POST to.
        script: the Lua script from write_script.
        concurrency: connections kept busy.
        seconds: the cell's duration.

    Returns:
        WrkResult.

    Raises:
        CellError: when wrk is missing or fails, or the cell had failures.
    """
    output = run_tool(
        wrk_command(url, script, concurrency, seconds), "`make wrk` installs Debian's"
    )
    result = parse(output)
    if result.failures or result.requests == 0:
        raise CellError(
            f"{result.non_2xx} non-2xx responses and {result.socket_errors} socket errors "
            f"in {result.requests} requests"
        )
    return result
