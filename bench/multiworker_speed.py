"""Multi-worker training speed on this machine: 1 worker against N local workers.

Runs `python -m model.training` (seed recipe, the first --examples training images) as one
process with its defaults (XLA, 100 steps per call), as one process with the multi-worker
step settings (no XLA, 1 step per call), and as `--workers N` processes on loopback
(MultiWorkerMirroredStrategy); prints each run's fastest epoch from its metrics.json and the
largest weight difference between the N-worker and the one-process model.

Example:
    python bench/multiworker_speed.py --workers 2 --examples 12800 --epochs 3
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import json
import pathlib
import subprocess
import sys
import tempfile

import keras
import numpy as np

import model.mlp  # noqa: F401  (registers ManualMLP for load_model)
from common.cli import OneLineParser, positive_int


def train_run(run_dir, args, *flags):
    """Runs python -m model.training with the benchmark's settings; returns its metrics."""
    command = [sys.executable, "-m", "model.training", "--train-limit", str(args.examples)]
    command += ["--epochs", str(args.epochs), "--seed", "0", "--verbose", "0"]
    command += ["--log-every", "1000000", "--run-dir", str(run_dir), *flags]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    return json.loads((run_dir / "metrics.json").read_text())


def run(args):
    """Trains the three variants; returns (rows of (name, fastest epoch s), max difference)."""
    variants = {
        "1 process, defaults (XLA, 100 steps per call)": [],
        "1 process, multi-worker step settings": ["--jit-compile", "false"],
        f"{args.workers} workers (MultiWorkerMirroredStrategy)": ["--workers", str(args.workers)],
    }
    variants["1 process, multi-worker step settings"] += ["--steps-per-execution", "1"]
    rows, weights = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for index, (name, flags) in enumerate(variants.items()):
            run_dir = pathlib.Path(scratch) / str(index)
            metrics = train_run(run_dir, args, *flags)
            rows.append((name, min(metrics["seconds_per_epoch"])))
            weights.append(keras.models.load_model(run_dir / "model.keras").get_weights())
    difference = max(np.max(np.abs(a - b)) for a, b in zip(weights[0], weights[2], strict=True))
    return rows, float(difference)


def main(argv=None):
    """Runs the benchmark and prints a markdown table."""
    parser = OneLineParser(
        prog="python bench/multiworker_speed.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--workers", type=positive_int, default=2, help="workers of the N run")
    parser.add_argument("--examples", type=positive_int, default=12800, help="training images")
    parser.add_argument("--epochs", type=positive_int, default=3, help="epochs per run")
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers must be at least 2")
    try:
        rows, difference = run(args)
    except RuntimeError as error:
        sys.exit(f"{parser.prog}: error: {error}")
    steps = -(-args.examples // 128)
    print(f"seed recipe, {args.examples} images, batch 128 ({steps} steps per epoch)\n")
    print("| run | fastest epoch, s | ms per step |\n|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {1e3 * seconds / steps:.1f} |")
    print(f"\nlargest weight difference, {args.workers} workers vs 1 process: {difference:.2e}")


if __name__ == "__main__":
    main()
