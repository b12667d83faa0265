"""The peers benchmark: the local server and the model servers users pick, under wrk.

For each peer asked for (registry.py: local, kserve, mlserver, pytriton, bentoml,
litserve, rayserve), its pinned venv is built on first use under .cache/peers/; each
variant is started on free loopback ports, asked the same 32 test digits and refused
unless its answers match the export's `predict_pixels`; then wrk runs each cell
(b1c1, b1c16, b32c1, b32c16: batch 1 or 32 digits per request, 1 or 16 connections) for
`--warmup` unmeasured seconds and then `--seconds`, and a cell with any failed request is
refused. It prints the variants'
table, the local/peer ratios and every peer or cell that was not measured, with why.
Without --base-path an untrained model is exported to a temporary directory (the speed of
a dense network depends on its weights not at all). Exits 1 when anything asked for was
not measured.

Example:
    .venv/bin/python bench/peers/run.py --peers local,kserve,litserve --cells b1c1 --seconds 2
"""

# isort: split
import pathlib
import sys

# The benchmarks import each other by name from bench/, also when run as a script here.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

# isort: split
import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import argparse
import signal
import tempfile

import tensorflow as tf

from common.cli import OneLineParser
from common.mnist import load_mnist
from common.ports import free_port
from common.versions import numeric_versions
from export import export_model
from model import ManualMLP
from peers import check, launch, protocols, registry, report, venvs, wrk
from peers.spec import CELLS, INPUT, MODEL_NAME, OUTPUT, SIGNATURE, Ports


def model_dir(base_path, scratch):
    """The SavedModel version directory every server loads: the newest under `base_path`,
    or a fresh export of an untrained model into `scratch` when `base_path` is None."""
    if base_path is None:
        base_path = pathlib.Path(scratch) / MODEL_NAME
        export_model(ManualMLP(seed=0), base_path, with_tflite=True)
    versions = numeric_versions(base_path)
    if not versions:
        raise ValueError(f"--base-path {base_path} holds no numeric version")
    return pathlib.Path(base_path) / str(versions[-1])


def measure_variant(peer, variant, bin_dir, version_dir, digits, expected, args, scratch):
    """Starts one variant, checks its answers, runs the cells; always stops it.

    Returns:
        dict cell name -> WrkResult, and a list of (cell, reason) refused cells.

    Raises:
        RuntimeError: when the variant never starts or its answers differ.
    """
    ports = Ports(free_port(), free_port(), free_port())
    workdir = pathlib.Path(scratch) / f"{peer.name}-{variant.name}".replace(" ", "-")
    workdir.mkdir()
    argv, env = peer.command(bin_dir, version_dir, ports, variant, workdir)
    base = f"http://127.0.0.1:{ports.http}"
    log = workdir / "server.log"
    process = launch.start(argv, env, base + peer.ready_path, peer.ready_marker, log)
    results, refused = {}, []
    try:
        largest = check.check_answers(base + variant.path, variant.protocol, digits, expected)
        print(f"{peer.name} {variant.name}: answers match (max diff {largest:.1e})", flush=True)
        for cell in args.cells:
            size, concurrency = CELLS[cell]
            script = wrk.write_script(
                protocols.body(variant.protocol, digits[:size]), workdir, f"b{size}"
            )
            try:
                if args.warmup:
                    wrk.run_cell(base + variant.path, script, concurrency, args.warmup)
                results[cell] = wrk.run_cell(base + variant.path, script, concurrency, args.seconds)
            except wrk.CellError as error:
                refused.append((cell, str(error)))
    finally:
        launch.stop(process)
    return results, refused


def run(args):
    """Measures every variant of every peer asked for.

    Returns:
        (measured, skipped): dict (peer, variant) -> {cell: WrkResult}, and a list of
        "peer variant: reason" lines for what was not measured.
    """
    _, (x_test, _) = load_mnist()
    digits = x_test[: check.DIGITS]
    measured, skipped = {}, []
    with tempfile.TemporaryDirectory(prefix="peers-") as scratch:
        version_dir = model_dir(args.base_path, scratch)
        signature = tf.saved_model.load(str(version_dir)).signatures[SIGNATURE]
        expected = signature(**{INPUT: tf.constant(digits)})[OUTPUT].numpy()
        for name in args.peers:
            peer = registry.PEERS[name]
            try:
                python = (
                    venvs.ensure_venv(peer.name, peer.version, peer.requirements)
                    if peer.requirements
                    else pathlib.Path(sys.executable)
                )
            except RuntimeError as error:
                skipped.append(f"{name}: not installed: {error}")
                continue
            for variant in peer.variants:
                label = f"{name} {variant.name}"
                try:
                    results, refused = measure_variant(
                        peer, variant, python.parent, version_dir, digits, expected, args, scratch
                    )
                except (RuntimeError, OSError) as error:
                    skipped.append(f"{label}: {error}")
                    continue
                skipped += [f"{label} {cell}: refused: {reason}" for cell, reason in refused]
                if results:
                    measured[name, variant.name] = results
    return measured, skipped


def _choices(allowed, what):
    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"unknown {what} {unknown}; choose from {allowed}")
        return names

    return parse


def build_parser():
    """The benchmark's flags, with defaults and help text."""
    parser = OneLineParser(prog="python bench/peers/run.py", description=__doc__.split("\n\n")[0])
    peers, cells = list(registry.PEERS), list(CELLS)
    parser.add_argument(
        "--peers", type=_choices(peers, "peers"), default=peers, help=f"comma list of {peers}"
    )
    parser.add_argument(
        "--cells", type=_choices(cells, "cells"), default=cells, help=f"comma list of {cells}"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration of each cell")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds before each cell (0: none)"
    )
    parser.add_argument(
        "--base-path", help="serve this model base path (default: export an untrained model)"
    )
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.warmup < 0:
        parser.error("--seconds must be >= 1 and --warmup >= 0")
    try:
        measured, skipped = run(args)
    except ValueError as error:
        sys.exit(f"{parser.prog}: error: {error}")
    lines = report.variants_table(measured) if measured else ["(nothing measured)"]
    if ratios := report.ratios_table(measured):
        lines += ["", *ratios]
    if skipped:
        lines += ["", "Not measured:", *(f"- {line}" for line in skipped)]
    print("\n" + "\n".join(lines), flush=True)
    return 1 if skipped else 0


if __name__ == "__main__":
    # SIGTERM unwinds like Ctrl-C, so every server started so far is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
