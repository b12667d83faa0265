"""Drawing pad benchmark: agreement of drawn digits with the pixel path, and pen-up to answer.

Starts `python -m serving.server` over a base path and `python -m serving.pad` in front of
it, opens the pad in Debian's headless chromium (Playwright), and for each ink (white on
black, black on white) traces the first N MNIST test digits with the mouse, as the
browser test does. It prints, per ink, how many of the page's digits equal the class the
REST API gives for the same digit's pixels (`predict_pixels`), and the page's pen-up to
rendered-answer times (`data-latency-ms`), goal at most 100 ms.

Example:
    python bench/pad_browser.py --model-base-path serving/models/mnist --digits 30
"""

import json
import pathlib
import sys
import tempfile
import time
import urllib.request

import numpy as np
from playwright.sync_api import sync_playwright

from common import contract
from common.cli import OneLineParser, positive_int
from common.mnist import load_mnist
from serving.pad import browser, processes
from serving.pad.strokes import digit_strokes

INKS = {"light": "white on black", "dark": "black on white"}
GOAL_MS = 100.0


def pixel_classes(rest_url, pixels):
    """The REST API's classes for uint8 digits [n, 28, 28] via `predict_pixels`."""
    body = {"signature_name": contract.PREDICT_PIXELS, "instances": pixels.tolist()}
    request = urllib.request.Request(
        f"{rest_url}/v1/models/{contract.MODEL_NAME}:predict", json.dumps(body).encode()
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return [row[contract.CLASSES] for row in json.load(reply)["predictions"]]


def measure(chromium, url, ink, digits, expected):
    """Draws every digit with one ink in a fresh page.

    Returns:
        The markdown table row: agreement with `expected`, pen-up to answer times.
    """
    page = browser.open_pad(chromium, url)
    page.select_option("#ink", ink)
    side = browser.pad_side(page)
    answers = []
    start = time.perf_counter()
    for pixels in digits:
        page.click("#clear")
        answers.append(browser.draw(page, digit_strokes(pixels, side)))
    seconds = time.perf_counter() - start
    page.close()
    agree = sum(int(a["prediction"]) == e for a, e in zip(answers, expected, strict=True))
    ms = np.array([a["latency_ms"] for a in answers])
    verdict = "met" if ms.max() <= GOAL_MS else "MISSED"
    return (
        f"| {INKS[ink]} | {agree}/{len(digits)} | {np.median(ms):.1f} ms "
        f"| {np.percentile(ms, 95):.1f} ms | {ms.max():.1f} ms |"
        f"  ({seconds:.0f} s to draw; max <= {GOAL_MS:.0f} ms: {verdict})"
    )


def main(argv=None):
    """Runs the benchmark and prints one markdown table row per ink."""
    parser = OneLineParser(prog="python bench/pad_browser.py", description=__doc__.split("\n")[0])
    parser.add_argument("--model-base-path", default=contract.DEFAULT_BASE_PATH)
    parser.add_argument("--digits", type=positive_int, default=30, help="test digits to draw")
    args = parser.parse_args(argv)
    if not pathlib.Path(args.model_base_path).is_dir():
        parser.error(f"no model base path at {args.model_base_path}; run `make run` first")
    if args.digits > 10000:
        parser.error(f"--digits must be at most 10000, got {args.digits}")
    if browser.chromium_path() is None:
        sys.exit("python bench/pad_browser.py: error: chromium is not installed")
    _, (x_test, _) = load_mnist()
    digits = x_test[: args.digits]
    with tempfile.TemporaryDirectory() as logs, sync_playwright() as playwright:
        logs = pathlib.Path(logs)
        with (
            processes.model_server(args.model_base_path, logs / "server.log") as rest,
            processes.pad_server(rest, logs / "pad.log") as url,
        ):
            expected = pixel_classes(rest, digits)
            chromium = browser.launch(playwright)
            print(f"chromium {chromium.version}; {args.digits} test digits from index 0")
            print("| ink | agree with predict_pixels | pen-up to answer p50 | p95 | max |")
            print("|---|---:|---:|---:|---:|")
            for ink in INKS:
                print(measure(chromium, url, ink, digits, expected), flush=True)
            chromium.close()


if __name__ == "__main__":
    main()
