"""Model quality end to end: train per seed, export, serve, and ask over REST.

For each seed: `python -m pipeline --recipe tuned --seed S --export-base DIR` (extra
training flags after `--`), then `python -m serving.server` on free ports over that base
path; all 10,000 test digits go to `predict_pixels` over REST, and the returned
probabilities give the accuracy and ECE (15 bins) as a client sees them. The 200 digits of
the redrawn-digit test (tests/export/test_image.py: dark-on-light, enlarged, off-centre PNGs) go to
`predict_image_bytes`, and the share whose class matches the original's is the agreement.
Prints one markdown row per seed with the run's own figures (metrics.json) and the mean.

Example:
    python bench/quality.py --seeds 0 1 2
    python bench/quality.py --seeds 0 -- --epochs 10 --translation 0 --rotation 0
"""

import common.quiet  # noqa: F401  (first: TensorFlow starts without its C++ log lines)

# isort: split

import base64
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.request

import numpy as np
from server_process import start_server, stop_server

from common import contract
from common.cli import OneLineParser
from common.mnist import load_mnist
from model.calibration import expected_calibration_error

REPO = pathlib.Path(__file__).resolve().parent.parent
BATCH = 1000
COLUMNS = (
    "seed",
    "test acc",
    "train s",
    "T",
    "ECE before → after",
    "NLL before → after",
    "Brier before → after",
    "REST acc",
    "REST ECE",
    "redrawn agreement",
)


def _predict(url, signature, instances):
    # One REST predict call in row format; returns its "predictions" rows.
    body = json.dumps({"signature_name": signature, "instances": instances}).encode()
    request = urllib.request.Request(url, body, method="POST")
    with urllib.request.urlopen(request, timeout=300) as reply:
        return json.loads(reply.read())["predictions"]


def _redrawn_sample(x_test):
    # The very sample tests/export/test_image.py measures, from its own generator.
    spec = importlib.util.spec_from_file_location(
        "test_image", REPO / "tests" / "export" / "test_image.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.redrawn_sample(x_test)


def ask_over_rest(rest_port, x_test, redrawn):
    """Sends the test set and the redrawn digits to the served model.

    Args:
        rest_port: the local server's REST port.
        x_test: uint8 [10000, 28, 28].
        redrawn: (pixels uint8 [n, 28, 28], list of n PNG files' bytes).

    Returns:
        (probabilities float [10000, 10], agreement float): the served probabilities, and
        the share of redrawn digits classed as their originals are.
    """
    url = f"http://127.0.0.1:{rest_port}/v1/models/{contract.MODEL_NAME}:predict"
    rows = []
    for start in range(0, len(x_test), BATCH):
        rows += _predict(url, contract.PREDICT_PIXELS, x_test[start : start + BATCH].tolist())
    probabilities = np.array([row[contract.PROBABILITIES] for row in rows])
    pixels, files = redrawn
    originals = _predict(url, contract.PREDICT_PIXELS, pixels.tolist())
    instances = [{"b64": base64.b64encode(f).decode()} for f in files]
    redrawn_rows = _predict(url, contract.PREDICT_IMAGE_BYTES, instances)
    redrawn_classes = np.array([r[contract.CLASSES] for r in redrawn_rows])
    original_classes = np.array([r[contract.CLASSES] for r in originals])
    return probabilities, float(np.mean(redrawn_classes == original_classes))


def measure_seed(seed, work_dir, train_flags, data):
    """Trains, exports and serves one seed; returns its figures as a dict."""
    run_dir, base = work_dir / f"run-{seed}", work_dir / f"models-{seed}"
    command = [sys.executable, "-m", "pipeline", "--recipe", "tuned", "--seed", str(seed)]
    command += ["--verbose", "0", "--run-dir", str(run_dir), "--export-base", str(base)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(work_dir / f"train-{seed}.log", "wb") as log:
        done = subprocess.run([*command, *train_flags], cwd=REPO, env=env, stdout=log, stderr=log)
    if done.returncode:
        raise RuntimeError(f"training failed (exit {done.returncode}); see {log.name}")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    (_, _), (x_test, y_test) = data
    with open(work_dir / f"server-{seed}.log", "w+b") as log:
        process, _, rest_port = start_server(base, None, log)
        try:
            probabilities, agreement = ask_over_rest(rest_port, x_test, _redrawn_sample(x_test))
        finally:
            stop_server(process)
    return {
        "metrics": metrics,
        "rest_accuracy": float(np.mean(probabilities.argmax(axis=1) == y_test)),
        "rest_ece": expected_calibration_error(probabilities, y_test),
        "agreement": agreement,
    }


def row(label, results):
    """One markdown row: per-seed figures, or their means when given several results."""

    def mean(get):
        return np.mean([get(r) for r in results])

    def pair(key):
        before = mean(lambda r: r["metrics"]["calibration"]["before"][key])
        after = mean(lambda r: r["metrics"]["calibration"]["after"][key])
        return f"{before:.4f} → {after:.4f}"

    cells = [
        label,
        f"{mean(lambda r: r['metrics']['test_accuracy']):.2%}",
        f"{mean(lambda r: r['metrics']['train_seconds']):.1f}",
        f"{mean(lambda r: r['metrics']['temperature']):.4f}",
        pair("ece"),
        pair("nll"),
        pair("brier"),
        f"{mean(lambda r: r['rest_accuracy']):.2%}",
        f"{mean(lambda r: r['rest_ece']):.4f}",
        f"{mean(lambda r: r['agreement']):.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def main():
    """Measures every seed one after another (one heavy job at a time) and prints the table."""
    parser = OneLineParser(prog="bench/quality.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--work-dir", help="where runs and exports go (default: a temp dir)")
    parser.add_argument(
        "train_flags", nargs="*", help="after --: more python -m model.training flags"
    )
    args = parser.parse_args()
    work_dir = pathlib.Path(args.work_dir or tempfile.mkdtemp(prefix="quality-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    data = load_mnist()
    results = []
    print("| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    for seed in args.seeds:
        try:
            results.append(measure_seed(seed, work_dir, args.train_flags, data))
        except (RuntimeError, OSError) as error:
            sys.exit(f"{parser.prog}: error: seed {seed}: {' '.join(str(error).split())}")
        print(row(str(seed), results[-1:]), flush=True)
    print(row("mean", results))
    print(f"runs and exports in {work_dir}")


if __name__ == "__main__":
    main()
