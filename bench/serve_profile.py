"""Where the local server's CPU goes per request: py-spy samples split by stage.

One load cell (API, batching, batch size, concurrency) runs against a fresh server
subprocess while py-spy samples whichever thread holds the interpreter lock. It prints
the server's and the client's CPU per request (from /proc and getrusage) and splits the
server's into stages by the code each sample is in; "outside the interpreter lock" is
the rest of the server's CPU: TensorFlow's kernels and thread pools, gRPC's C core,
socket system calls. Needs py-spy (a dev dependency) and the right to ptrace the server
(root, or kernel.yama.ptrace_scope=0).

Example:
    python bench/serve_profile.py --api rest --batch 32 --concurrency 16
"""

# isort: split
import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import collections
import os
import resource
import shutil
import subprocess
import sys
import tempfile

from serve_speed import make_batches, measure_client, model_base_path, on_uvloop
from server_process import add_model_arguments, start_server, stop_server

from common.cli import OneLineParser
from common.mnist import load_mnist

RATE = 997  # samples per second; prime, so sampling does not beat with periodic work
# Stage of a sample: the first of these found from the innermost frame outwards.
STAGES = (
    ("json_numeric.py", "JSON read (simdjson)"),
    ("json_request.py", "JSON read (orjson)"),
    ("json_value.py", "JSON values to numpy"),
    ("inputs.py", "input checks"),
    ("json_response.py", "JSON write (WriteDecimal)"),
    ("tensor_proto.py", "TensorProto read/write"),
    ("servable.py", "signature call (session.run)"),
    ("batching/", "batching"),
    ("aiohttp/", "HTTP (aiohttp)"),
    ("rest/", "REST handler"),
    ("grpc/", "gRPC (grpc.aio, servicers)"),
    ("google/protobuf", "gRPC (grpc.aio, servicers)"),
    ("grpc/_cython", "gRPC (grpc.aio, servicers)"),
)


def stage_of(frames):
    """The stage a sampled stack is in, from its frames innermost first."""
    for frame in frames:
        for marker, stage in STAGES:
            if marker in frame:
                return stage
    return "event loop, threads, other"


def split(raw_path):
    """Sample counts by stage, from py-spy's raw (collapsed) output."""
    counts = collections.Counter()
    with open(raw_path) as raw:
        for line in raw:
            stack, _, count = line.rstrip().rpartition(" ")
            counts[stage_of(reversed(stack.split(";")))] += int(count)
    return counts


def find_py_spy():
    """py-spy beside this Python (the virtualenv's), else on PATH; None if neither."""
    beside = os.path.join(os.path.dirname(sys.executable), "py-spy")
    return beside if os.access(beside, os.X_OK) else shutil.which("py-spy")


def process_cpu(pid):
    """User plus system CPU seconds a process has used, all threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profile(args, base, batches):
    """Runs the cell under py-spy; returns (server s, client s, counts, requests/s)."""
    batching_file = args.batching_config if args.batching == "on" else None
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory() as scratch:
        process, grpc_port, rest_port = start_server(base, batching_file, log, args.flags)
        target = {"rest": f"http://127.0.0.1:{rest_port}"} if args.api == "rest" else None
        target = target or {"grpc": f"127.0.0.1:{grpc_port}"}
        raw = os.path.join(scratch, "samples.txt")
        try:
            on_uvloop(measure_client(target, batches[: args.warmup], 0, args.concurrency))
            spy = subprocess.Popen(
                [args.py_spy, "record", "--gil", "--nonblocking", "--threads", "--rate",
                 str(RATE), "--format", "raw", "--output", raw, "--pid", str(process.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )  # fmt: skip
            server, client = process_cpu(process.pid), own_cpu()
            result = on_uvloop(measure_client(target, batches, 0, args.concurrency))
            server, client = process_cpu(process.pid) - server, own_cpu() - client
            spy.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
            spy.wait(timeout=60)
            counts = split(raw)
            if args.raw:
                shutil.copy(raw, args.raw)
        finally:
            stop_server(process)
    return server, client, counts, result.requests_per_second


def report(args, server, client, counts):
    """The per-request split as markdown lines."""
    per_request = 1e6 / args.requests
    locked = sum(counts.values()) / RATE
    lines = [
        f"{args.api} batch {args.batch}, concurrency {args.concurrency}, batching {args.batching}: "
        f"server {server * per_request:.0f} us CPU per request, client {client * per_request:.0f}",
        "",
        "| server stage | us CPU per request | share |",
        "|---|---:|---:|",
    ]
    shares = {stage: count / RATE for stage, count in counts.items()}
    shares["outside the interpreter lock (TF kernels, sockets, C cores)"] = max(
        server - locked, 0.0
    )
    for stage, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        lines.append(f"| {stage} | {seconds * per_request:.0f} | {seconds / server:.0%} |")
    return lines


def main(argv=None):
    parser = OneLineParser(
        prog="python bench/serve_profile.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--api", choices=["rest", "grpc"], default="rest", help="transport")
    parser.add_argument("--batching", choices=["off", "on"], default="off", help="server batching")
    parser.add_argument("--batch", type=int, default=1, help="digits per request")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    add_model_arguments(parser, "BatchingParameters file for --batching on")
    parser.add_argument("--flags", nargs="*", default=[], help="more flags for the server")
    parser.add_argument("--raw", help="also keep py-spy's samples (collapsed stacks) here")
    parser.add_argument("--py-spy", default=find_py_spy(), help="the py-spy program")
    args = parser.parse_args(argv)
    if not args.py_spy:
        parser.error("py-spy not found: pip install py-spy (a dev dependency)")
    if min(args.batch, args.concurrency, args.requests) < 1:
        parser.error("--batch, --concurrency and --requests must be >= 1")
    _, (x_test, _) = load_mnist()
    batches = make_batches(x_test, args.batch, args.requests)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            base = model_base_path(args, scratch)
            server, client, counts, rate = profile(args, base, batches)
        except (ValueError, RuntimeError, OSError) as error:
            sys.exit(f"{parser.prog}: error: {error}")
    print("\n".join(report(args, server, client, counts)))
    print(f"\n{rate:.0f} requests/s while sampled")


if __name__ == "__main__":
    main()
