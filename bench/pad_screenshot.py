"""The picture of the drawing pad in docs/pad.md, made by drawing a test digit in headless chromium.

Serves a base path (`python -m serving.server`) behind the pad (`python -m serving.pad`),
traces one MNIST test digit on the pad with the mouse, waits for the answer and saves a
screenshot of the page, reduced to a 64-colour palette so it stays small.

Example:
    python bench/pad_screenshot.py --model-base-path serving/models/mnist --out docs/pad.png
"""

import io
import pathlib
import sys
import tempfile

from PIL import Image
from playwright.sync_api import sync_playwright

from common import contract
from common.cli import OneLineParser
from common.mnist import load_mnist
from serving.pad import browser, processes
from serving.pad.strokes import digit_strokes

# The pad beside its answer and all controls, with little empty space below.
VIEWPORT = {"width": 860, "height": 620}
COLOURS = 64


def screenshot(base_path, index, out):
    """Draws test digit `index` on the pad and saves the page as a palette PNG.

    Args:
        base_path: a model base path holding at least one version.
        index: which MNIST test digit to draw.
        out: where to write the PNG.

    Returns:
        The page's answer (see browser.answer).
    """
    _, (x_test, _) = load_mnist()
    with tempfile.TemporaryDirectory() as logs, sync_playwright() as playwright:
        logs = pathlib.Path(logs)
        with (
            processes.model_server(base_path, logs / "server.log") as rest,
            processes.pad_server(rest, logs / "pad.log") as url,
        ):
            chromium = browser.launch(playwright)
            page = browser.open_pad(chromium, url, viewport=VIEWPORT)
            answer = browser.draw(page, digit_strokes(x_test[index], browser.pad_side(page)))
            png = page.screenshot()
            chromium.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(COLOURS).save(out, optimize=True)
    return answer


def main(argv=None):
    """Parses the flags, writes the screenshot and prints what the page showed."""
    parser = OneLineParser(
        prog="python bench/pad_screenshot.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model-base-path", default=contract.DEFAULT_BASE_PATH)
    parser.add_argument("--mnist-index", type=int, default=0, help="test digit to draw")
    parser.add_argument("--out", default="docs/pad.png", help="PNG to write")
    args = parser.parse_args(argv)
    if not 0 <= args.mnist_index < 10000:
        parser.error(f"--mnist-index must be in 0-9999, got {args.mnist_index}")
    if not pathlib.Path(args.model_base_path).is_dir():
        parser.error(f"no model base path at {args.model_base_path}; run `make run` first")
    if browser.chromium_path() is None:
        sys.exit("python bench/pad_screenshot.py: error: chromium is not installed")
    answer = screenshot(args.model_base_path, args.mnist_index, args.out)
    size = pathlib.Path(args.out).stat().st_size
    print(
        f"{args.out}: {size // 1024} KB; digit {answer['prediction']}, version "
        f"{answer['version']}, {answer['latency_ms']} ms after pen-up"
    )


if __name__ == "__main__":
    main()
