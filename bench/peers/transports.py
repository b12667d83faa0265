"""The local server's REST and gRPC endpoints under C load generators: wrk and h2load.

bench/serve_speed.py drives both endpoints from Python clients in the same process, whose
CPU (grpc.aio's more than aiohttp's) shares the two cores with the server. Here each
endpoint gets a C client instead, the same for every variant: wrk POSTs TF Serving's
columnar `:predict` JSON, h2load sends the same digits as one PredictRequest
(`predict_pixels`, uint8 tensor_content) to `PredictionService/Predict`. Each variant of
the local server (registry.py: batching off and on, TF Lite off and on; the TF Lite ones
need an export with model.tflite, which the default untrained export has) is started,
its REST and gRPC answers to the 32 check digits compared with the export's, then every
cell is measured on both. It prints requests/s per cell and endpoint and gRPC / REST.

Example:
    .venv/bin/python bench/peers/transports.py --cells b1c1,b32c16 --seconds 5
"""

# isort: split
import pathlib
import sys

# The benchmarks import each other by name from bench/, also when run as a script here.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

# isort: split
import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import tempfile

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

from common.mnist import load_mnist
from common.ports import free_port
from peers import check, h2load, launch, protocols, registry, run, wrk
from peers.spec import CELLS, INPUT, MODEL_NAME, OUTPUT, SIGNATURE, Ports

PREDICT = "/tensorflow.serving.PredictionService/Predict"


def predict_request(pixels):
    """The serialized PredictRequest of uint8 digits [n, 28, 28] to `predict_pixels`."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL_NAME
    request.model_spec.signature_name = SIGNATURE
    request.inputs[INPUT].CopyFrom(tf.make_tensor_proto(pixels))
    return request.SerializeToString()


def check_grpc(address, digits, expected):
    """The largest difference between the gRPC answer to `digits` and the export's."""
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(PREDICT)
        answer = predict_pb2.PredictResponse.FromString(call(predict_request(digits), timeout=30))
    probabilities = tf.make_ndarray(answer.outputs[OUTPUT])
    largest = float(np.abs(probabilities - expected).max())
    if probabilities.shape != expected.shape or largest > check.TOLERANCE:
        raise check.WrongAnswer(f"gRPC answers differ from the export by {largest:.1e}")
    return largest


def measure(variant, version_dir, digits, expected, args, scratch):
    """Starts one local variant, checks both endpoints, measures every cell on both."""
    peer = registry.PEERS["local"]
    ports = Ports(free_port(), free_port(), free_port())
    workdir = pathlib.Path(scratch) / variant.name.replace(" ", "-").replace(",", "")
    workdir.mkdir()
    argv, env = peer.command(None, version_dir, ports, variant, workdir)
    base = f"http://127.0.0.1:{ports.http}"
    process = launch.start(argv, env, base + peer.ready_path, peer.ready_marker, workdir / "log")
    rows = []
    try:
        check.check_answers(base + variant.path, variant.protocol, digits, expected)
        check_grpc(f"127.0.0.1:{ports.grpc}", digits, expected)
        for cell in args.cells:
            size, concurrency = CELLS[cell]
            script = wrk.write_script(protocols.body("tfs", digits[:size]), workdir, f"b{size}")
            body = workdir / f"b{size}.grpc"
            body.write_bytes(h2load.frame(predict_request(digits[:size])))
            url = f"http://127.0.0.1:{ports.grpc}{PREDICT}"
            wrk.run_cell(base + variant.path, script, concurrency, 1)
            rest = wrk.run_cell(base + variant.path, script, concurrency, args.seconds)
            h2load.run_cell(url, body, concurrency, 1)
            grpc_result = h2load.run_cell(url, body, concurrency, args.seconds)
            rows.append((variant.name, cell, rest, grpc_result))
            print(f"{variant.name} {cell}: measured", flush=True)
    finally:
        launch.stop(process)
    return rows


def table(rows):
    """The markdown table of every (variant, cell, REST WrkResult, gRPC H2loadResult)."""
    lines = [
        "| variant | cell | REST req/s | gRPC req/s | gRPC / REST | REST p50 ms | gRPC mean ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, cell, rest, grpc_result in rows:
        ratio = grpc_result.requests_per_second / rest.requests_per_second
        lines.append(
            f"| {name} | {cell} | {rest.requests_per_second:.0f} "
            f"| {grpc_result.requests_per_second:.0f} | {ratio:.2f}x | {rest.p50_ms:.2f} "
            f"| {grpc_result.mean_ms:.2f} |"
        )
    return lines


def main(argv=None):
    parser = run.build_parser()
    parser.prog = "python bench/peers/transports.py"
    args = parser.parse_args(argv)
    _, (x_test, _) = load_mnist()
    digits = x_test[: check.DIGITS]
    rows = []
    with tempfile.TemporaryDirectory(prefix="transports-") as scratch:
        version_dir = run.model_dir(args.base_path, scratch)
        signature = tf.saved_model.load(str(version_dir)).signatures[SIGNATURE]
        expected = signature(**{INPUT: tf.constant(digits)})[OUTPUT].numpy()
        for variant in registry.PEERS["local"].variants:
            rows += measure(variant, version_dir, digits, expected, args, scratch)
    print("\n" + "\n".join(table(rows)), flush=True)


if __name__ == "__main__":
    main()
