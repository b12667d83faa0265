"""Serving speed: the in-process signature call against REST and gRPC through the local server.

One run measures requests per second and p50/p99 latency at every batch size and
concurrency given, with the server's batching off and on, prints a markdown table
and checks the goals: at batch 1 and concurrency 1 the server adds at most 1 ms
(gRPC) and 2 ms (REST) at p50 over the in-process call; with batching at
concurrency 16, batch-1 throughput is at least 3x that without. The server runs as
a subprocess (`python -m serving.server`) on free 127.0.0.1 ports, so it does not
share this process's interpreter lock. Latency depends on the weights not at all, so
without --base-path an untrained model is exported to a temporary directory.

Example:
    python bench/serve_speed.py --requests 2000
"""

import asyncio
import concurrent.futures
import itertools
import pathlib
import sys
import tempfile

import numpy as np
import tensorflow as tf
from server_process import start_server, stop_server

from export import export_model
from export.versions import numeric_versions
from model import ManualMLP, load_mnist
from model.cli import OneLineParser, int_list
from serving import contract
from serving.client import connect
from serving.client.load import run_load
from serving.client.requests import PIXEL_SIGNATURES, pixel_inputs, predict_pixels

REPO = pathlib.Path(__file__).resolve().parent.parent
GOAL_MS = {"gRPC": 1.0, "REST": 2.0}
GOAL_SPEEDUP = 3.0


async def measure(call, batches, warmup, concurrency):
    """Warms up, then runs one load cell; returns its LoadResult."""
    await run_load(call, batches[:warmup], concurrency)
    return await run_load(call, batches, concurrency)


async def measure_in_process(signature_fn, batches, args, concurrency):
    """Times the SavedModel signature called directly, from `concurrency` threads."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(concurrency))

    def call_sync(batch):
        outputs = signature_fn(**pixel_inputs(batch, args.signature))
        return outputs[contract.PROBABILITIES].numpy()

    async def call(batch):
        return await asyncio.to_thread(call_sync, batch)

    return await measure(call, batches, args.warmup, concurrency)


async def measure_client(client, batches, args, concurrency):
    """Times predict requests through a REST or gRPC client, opened here."""
    async with client:
        return await measure(
            lambda batch: predict_pixels(client, batch, args.signature),
            batches,
            args.warmup,
            concurrency,
        )


def model_base_path(args, scratch):
    """The base path to serve: --base-path, or a fresh export of an untrained model."""
    if args.base_path:
        if not numeric_versions(args.base_path):
            raise ValueError(f"--base-path {args.base_path} holds no numeric version")
        return pathlib.Path(args.base_path)
    base = pathlib.Path(scratch) / contract.MODEL_NAME
    export_model(ManualMLP(seed=0), base)
    return base


def make_batches(images, size, count):
    """`count` consecutive batches of `size` test digits, wrapping around the test set."""
    starts = np.arange(count) * size % (len(images) - size)
    return [images[start : start + size] for start in starts]


def run(args):
    """Measures every cell; returns rows of (mode, batching, batch, concurrency, LoadResult)."""
    _, (x_test, _) = load_mnist()
    cells = [(size, conc) for size in args.batch_sizes for conc in args.concurrency]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        base = model_base_path(args, scratch)
        latest = base / str(numeric_versions(base)[-1])
        signature_fn = tf.saved_model.load(str(latest)).signatures[args.signature]
        for size, conc in cells:
            batches = make_batches(x_test, size, args.requests)
            result = asyncio.run(measure_in_process(signature_fn, batches, args, conc))
            rows.append(("in-process", "-", size, conc, result))
        for batching in ("off", "on"):
            batching_file = args.batching_config if batching == "on" else None
            with tempfile.TemporaryFile() as log:
                process, grpc_port, rest_port = start_server(base, batching_file, log)
                targets = {"gRPC": {"grpc": f"127.0.0.1:{grpc_port}"}}
                targets["REST"] = {"rest": f"http://127.0.0.1:{rest_port}"}
                try:
                    for (name, target), (size, conc) in itertools.product(targets.items(), cells):
                        batches = make_batches(x_test, size, args.requests)
                        client = connect(**target)
                        result = asyncio.run(measure_client(client, batches, args, conc))
                        rows.append((name, batching, size, conc, result))
                finally:
                    stop_server(process)
    return rows


def report(rows):
    """The markdown table and the goal checks, as lines of text."""
    lines = [
        "| path | batching | batch | concurrency | requests/s | p50 ms | p99 ms | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    cell = {}
    for mode, batching, size, conc, result in rows:
        cell[mode, batching, size, conc] = result
        lines.append(
            f"| {mode} | {batching} | {size} | {conc} | {result.requests_per_second:.0f} "
            f"| {result.percentile_ms(50):.2f} | {result.percentile_ms(99):.2f} "
            f"| {len(result.failures)} |"
        )
    lines.append("")
    base = cell.get(("in-process", "-", 1, 1))
    for name, goal in GOAL_MS.items():
        served = cell.get((name, "off", 1, 1))
        if base and served:
            added = served.percentile_ms(50) - base.percentile_ms(50)
            verdict = "met" if added <= goal else "MISSED"
            lines.append(
                f"- {name} adds {added:.2f} ms at p50, batch 1, concurrency 1 "
                f"(goal <= {goal} ms): {verdict}"
            )
    for name in GOAL_MS:
        off, on = cell.get((name, "off", 1, 16)), cell.get((name, "on", 1, 16))
        if off and on:
            speedup = on.requests_per_second / off.requests_per_second
            verdict = "met" if speedup >= GOAL_SPEEDUP else "MISSED"
            lines.append(
                f"- {name} batch-1 throughput at concurrency 16, batching on/off: "
                f"{speedup:.2f}x (goal >= {GOAL_SPEEDUP}x): {verdict}"
            )
    return lines


def build_parser():
    """The benchmark's flags, with defaults and help text."""
    parser = OneLineParser(prog="python bench/serve_speed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per cell")
    parser.add_argument(
        "--warmup", type=int, default=100, help="unmeasured requests per cell first"
    )
    parser.add_argument("--batch-sizes", type=int_list, default=[1, 32], help="digits per request")
    parser.add_argument("--concurrency", type=int_list, default=[1, 16], help="requests in flight")
    parser.add_argument(
        "--signature",
        choices=PIXEL_SIGNATURES[:2],
        default=PIXEL_SIGNATURES[0],
        help="signature to call",
    )
    parser.add_argument(
        "--base-path", help="serve this model base path (default: export an untrained model)"
    )
    parser.add_argument(
        "--batching-config",
        default=str(REPO / "serving" / "config" / "batching.config"),
        help="BatchingParameters file for the batching-on runs",
    )
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be >= 1 and --warmup >= 0")
    if not pathlib.Path(args.batching_config).is_file():
        parser.error(f"--batching-config {args.batching_config}: no such file")
    try:
        rows = run(args)
    except (ValueError, RuntimeError) as error:
        sys.exit(f"{parser.prog}: error: {error}")
    print("\n".join(report(rows)))


if __name__ == "__main__":
    main()
