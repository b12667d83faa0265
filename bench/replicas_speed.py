"""Serving throughput through nginx with 1 and 2 replicas, and straight to one replica.

Starts two `python -m serving.server` replicas over one model directory and Debian's nginx
with the compose override's template (deploy/lb.py) in front of the first one, then of
both; sends batch-1 predict requests over REST and gRPC at the given concurrency from this
process and prints requests per second and latency as a markdown table. Everything (client,
nginx, replicas) shares this machine's cores, which is what bounds the figures here.

Example:
    python bench/replicas_speed.py --requests 3000 --concurrency 16
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import asyncio
import os
import pathlib
import sys
import tempfile

from serve_speed import make_batches, measure_client, model_base_path
from server_process import add_model_arguments, free_port, start_server, stop_server

from common.cli import OneLineParser, positive_int
from common.mnist import load_mnist
from deploy.lb import LoadBalancer, find_nginx


def cpu_seconds(pids):
    """CPU seconds (user + system) used so far by the processes `pids` and their children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        # fields[1] is the parent pid; fields[11:13] are utime and stime in clock ticks.
        if int(stat.parent.name) in pids or int(fields[1]) in pids:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def measure_targets(label, targets, batches, args, servers, lb=None):
    """Runs the load once per transport.

    Returns:
        table rows (path, label, LoadResult, CPU ms per request of client, nginx, replicas).
    """
    rows = []
    for name, target in targets.items():
        groups = [{os.getpid()}, {lb.process.pid} if lb else set(), servers]
        before = [cpu_seconds(pids) for pids in groups]
        result = asyncio.run(measure_client(target, batches, args.warmup, args.concurrency))
        spent = [cpu_seconds(pids) - start for pids, start in zip(groups, before, strict=True)]
        # The client's own figure includes the warm-up requests; so do the others.
        per_request = [1e3 * seconds / (len(batches) + args.warmup) for seconds in spent]
        rows.append((name, label, result, per_request))
        print(f"{name} {label}: {result.requests_per_second:.0f} requests/s", file=sys.stderr)
    return rows


def run(args):
    """Measures direct, 1 replica behind nginx and 2 replicas behind nginx; returns rows."""
    _, (x_test, _) = load_mnist()
    batches = make_batches(x_test, 1, args.requests)
    batching = args.batching_config if args.batching else None
    rows, replicas = [], []
    with (
        tempfile.TemporaryDirectory() as scratch,
        tempfile.TemporaryFile() as log0,
        tempfile.TemporaryFile() as log1,
    ):
        base = model_base_path(args, scratch)
        try:
            for log in (log0, log1):
                replicas.append(start_server(base, batching, log))
            _, grpc_port, rest_port = replicas[0]
            direct = {"gRPC": {"grpc": f"127.0.0.1:{grpc_port}"}}
            direct["REST"] = {"rest": f"http://127.0.0.1:{rest_port}"}
            servers = {process.pid for process, _, _ in replicas}
            rows += measure_targets("direct, 1 replica", direct, batches, args, servers)
            for count in (1, 2):
                addresses = [f"127.0.0.1:{g}:{r}" for _, g, r in replicas[:count]]
                work = pathlib.Path(scratch) / f"nginx{count}"
                lb = LoadBalancer(addresses, free_port(), free_port(), work, args.nginx_workers)
                with lb:
                    targets = {"gRPC": {"grpc": f"127.0.0.1:{lb.grpc_port}"}}
                    targets["REST"] = {"rest": f"http://127.0.0.1:{lb.rest_port}"}
                    label = f"nginx, {count} replica{'s' if count > 1 else ''}"
                    rows += measure_targets(label, targets, batches, args, servers, lb)
        finally:
            for process, _, _ in replicas:
                stop_server(process)
    return rows


def report(rows, args):
    """The markdown table, as lines of text."""
    lines = [
        f"batch 1, concurrency {args.concurrency}, {args.requests} requests per row, "
        f"server batching {'on' if args.batching else 'off'}",
        "",
        "| path | route | requests/s | p50 ms | p99 ms | failed "
        "| CPU ms/request: client | nginx | replicas |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label, result, cpu in rows:
        lines.append(
            f"| {name} | {label} | {result.requests_per_second:.0f} "
            f"| {result.percentile_ms(50):.2f} | {result.percentile_ms(99):.2f} "
            f"| {len(result.failures)} | {cpu[0]:.2f} | {cpu[1]:.2f} | {cpu[2]:.2f} |"
        )
    return lines


def build_parser():
    """The benchmark's flags, with defaults and help text."""
    parser = OneLineParser(
        prog="python bench/replicas_speed.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--requests", type=positive_int, default=3000, help="requests per row")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--concurrency", type=positive_int, default=16, help="requests in flight")
    parser.add_argument("--batching", action="store_true", help="turn the replicas' batching on")
    parser.add_argument("--nginx-workers", type=positive_int, default=1, help="nginx workers")
    add_model_arguments(parser, "BatchingParameters file used with --batching")
    return parser


def main(argv=None):
    """Runs the benchmark; exits non-zero with one line if nginx is missing or a start fails."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if find_nginx() is None:
        parser.error("nginx is not installed (Debian: apt-get install nginx)")
    try:
        rows = run(args)
    except (ValueError, RuntimeError) as error:
        sys.exit(f"{parser.prog}: error: {error}")
    print("\n".join(report(rows, args)))


if __name__ == "__main__":
    main()
