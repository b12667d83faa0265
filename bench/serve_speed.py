"""Serving speed: the local server against the in-process call and the tutorial server.

One run puts the same load (every batch size and concurrency given, `predict_pixels`)
on the SavedModel signature called in this process (the floor), on the server a tutorial
has you write (bench/tutorial_server.py: FastAPI + uvicorn, REST) and on the local server
with batching off and on, and serving the version's model.tflite (`--prefer_tflite_model`,
batching off), each over gRPC, REST and the Open Inference Protocol's REST infer ("v2
REST", JSON). It prints one markdown table and the goals,
each a ratio of two cells of this run (bench/speed_report.py). Servers run as subprocesses
on free 127.0.0.1 ports, off this process's interpreter lock; the client is this process
on uvloop. Latency depends on the weights not at all, so without --base-path an
untrained model is exported (with model.tflite) to a temporary directory; a --base-path
whose latest version has no model.tflite skips the TF Lite rows. `--runs N` repeats the whole run
and prints each goal's range.

Example:
    python bench/serve_speed.py --requests 2000
"""

# isort: split
import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import asyncio
import concurrent.futures
import pathlib
import sys
import tempfile

import aiohttp
import numpy as np
import orjson
import tensorflow as tf
import uvloop
from server_process import add_model_arguments, start_server, start_tutorial_server, stop_server
from speed_report import goals, table

from common import contract
from common.cli import OneLineParser, int_list
from common.mnist import load_mnist
from common.versions import numeric_versions
from export import export_model
from model import ManualMLP
from serving.client import connect
from serving.client.load import run_load
from serving.client.requests import RequestError, pixel_inputs, predict_pixels

SIGNATURE = contract.PREDICT_PIXELS


def on_uvloop(coroutine):
    """Runs a coroutine on a new uvloop event loop (the client side of every cell)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


async def measure(call, batches, warmup, concurrency):
    """Warms up, then runs one load cell; returns its LoadResult."""
    await run_load(call, batches[:warmup], concurrency)
    return await run_load(call, batches, concurrency)


async def measure_in_process(signature_fn, batches, warmup, concurrency):
    """Times the SavedModel signature called directly, from `concurrency` threads."""
    executor = concurrent.futures.ThreadPoolExecutor(concurrency)
    loop = asyncio.get_running_loop()

    def call_sync(batch):
        outputs = signature_fn(**pixel_inputs(batch, SIGNATURE))
        return outputs[contract.PROBABILITIES].numpy()

    async def call(batch):
        return await loop.run_in_executor(executor, call_sync, batch)

    with executor:
        return await measure(call, batches, warmup, concurrency)


async def measure_client(target, batches, warmup, concurrency):
    """Times predict requests through a REST or gRPC client of `target` (connect's kwargs)."""
    async with connect(**target) as client:
        return await measure(
            lambda batch: predict_pixels(client, batch, SIGNATURE), batches, warmup, concurrency
        )


async def measure_v2(url, batches, warmup, concurrency):
    """Times Open Inference Protocol infer requests (JSON) on `url`, the server's REST root."""
    infer = f"{url}/v2/models/{contract.MODEL_NAME}/infer"

    async def call(batch):
        tensor = {"name": contract.IMAGES, "shape": list(batch.shape), "datatype": "UINT8"}
        body = {"parameters": {"signature_name": SIGNATURE}, "inputs": [tensor]}
        tensor["data"] = batch.ravel().tolist()
        async with session.post(infer, data=orjson.dumps(body)) as reply:
            answer = orjson.loads(await reply.read())
        if reply.status != 200:
            raise RequestError(f"{infer}: HTTP {reply.status}: {answer.get('error')}")
        (probabilities,) = (o for o in answer["outputs"] if o["name"] == contract.PROBABILITIES)
        return np.asarray(probabilities["data"], np.float32).reshape(probabilities["shape"])

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        return await measure(call, batches, warmup, concurrency)


def model_base_path(args, scratch):
    """The base path to serve: --base-path, or a fresh export of an untrained model."""
    if args.base_path:
        if not numeric_versions(args.base_path):
            raise ValueError(f"--base-path {args.base_path} holds no numeric version")
        return pathlib.Path(args.base_path)
    base = pathlib.Path(scratch) / contract.MODEL_NAME
    export_model(ManualMLP(seed=0), base, with_tflite=True)
    return base


def make_batches(images, size, count):
    """`count` consecutive batches of `size` test digits, wrapping around the test set."""
    starts = np.arange(count) * size % (len(images) - size)
    return [images[start : start + size] for start in starts]


def run(args):
    """Measures every cell once.

    Returns:
        dict (server, api, batching, batch, concurrency) -> LoadResult, in measuring order.
    """
    _, (x_test, _) = load_mnist()
    shapes = [(size, conc) for size in args.batch_sizes for conc in args.concurrency]
    batches = {size: make_batches(x_test, size, args.requests) for size in args.batch_sizes}
    cells = {}

    def load(key, target):
        size, conc = key[-2:]
        cells[key] = on_uvloop(measure_client(target, batches[size], args.warmup, conc))

    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as log:
        base = model_base_path(args, scratch)
        latest = base / str(numeric_versions(base)[-1])
        signature_fn = tf.saved_model.load(str(latest)).signatures[SIGNATURE]
        for size, conc in shapes:
            result = on_uvloop(measure_in_process(signature_fn, batches[size], args.warmup, conc))
            cells["in-process", "-", "-", size, conc] = result
        process, port = start_tutorial_server(latest, log)
        try:
            for size, conc in shapes:
                load(("tutorial", "REST", "-", size, conc), {"rest": f"http://127.0.0.1:{port}"})
        finally:
            stop_server(process)
        variants = [("local", "off", []), ("local", "on", [])]
        if (latest / "model.tflite").is_file():
            variants.append(("local TF Lite", "off", ["--prefer_tflite_model=true"]))
        for server, batching, extra in variants:
            batching_file = args.batching_config if batching == "on" else None
            flags = [*args.flags, *extra]
            process, grpc_port, rest_port = start_server(base, batching_file, log, flags)
            rest = f"http://127.0.0.1:{rest_port}"
            targets = {"gRPC": {"grpc": f"127.0.0.1:{grpc_port}"}, "REST": {"rest": rest}}
            try:
                for api, target in targets.items():
                    for size, conc in shapes:
                        load((server, api, batching, size, conc), target)
                for size, conc in shapes:
                    run_v2 = measure_v2(rest, batches[size], args.warmup, conc)
                    cells[server, "v2 REST", batching, size, conc] = on_uvloop(run_v2)
            finally:
                stop_server(process)
    return cells


def build_parser():
    """The benchmark's flags, with defaults and help text."""
    parser = OneLineParser(prog="python bench/serve_speed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per cell")
    parser.add_argument(
        "--warmup", type=int, default=100, help="unmeasured requests per cell first"
    )
    parser.add_argument("--batch-sizes", type=int_list, default=[1, 32], help="digits per request")
    parser.add_argument("--concurrency", type=int_list, default=[1, 16], help="requests in flight")
    parser.add_argument("--runs", type=int, default=1, help="whole runs; the last one's table")
    add_model_arguments(parser, "BatchingParameters file for the batching-on runs")
    parser.add_argument(
        "--flags",
        nargs="*",
        default=[],
        help="more flags for the local server, e.g. --flags=--tensorflow_intra_op_parallelism=1",
    )
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.runs < 1:
        parser.error("--requests and --runs must be >= 1 and --warmup >= 0")
    ratios = {}
    for number in range(1, args.runs + 1):
        try:
            cells = run(args)
        except (ValueError, RuntimeError) as error:
            sys.exit(f"{parser.prog}: error: {error}")
        measured = goals(cells)
        for goal in measured:
            ratios.setdefault(goal.name, []).append(goal.ratio)
        print(f"\nRun {number} of {args.runs}:\n")
        print("\n".join(table(cells) + [""] + [goal.line() for goal in measured]), flush=True)
    if args.runs > 1:
        print(f"\nRange over {args.runs} runs:")
        for name, values in ratios.items():
            print(f"- {name}: {min(values):.2f}x to {max(values):.2f}x")


if __name__ == "__main__":
    main()
