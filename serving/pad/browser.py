"""Drives the pad in Debian's chromium through Playwright, as a person with a mouse would.

Playwright (a dev extra) launches the system's `chromium` headless; its own browser
download is not used. `draw` moves the mouse along strokes with the button down and waits
for the answer to the last pen-up; `answer` reads the page's hooks.

Example:
    with sync_playwright() as playwright:
        page = open_pad(launch(playwright), "http://127.0.0.1:8080/")
        print(draw(page, [[(60, 60), (200, 200)]]))
"""

import base64
import shutil

CHROMIUM = "chromium"
# Wide enough for the side-by-side layout; the pad is then 352 CSS pixels square.
VIEWPORT = {"width": 900, "height": 640}


def chromium_path():
    """The system chromium's path, or None when it is not installed."""
    return shutil.which(CHROMIUM)


def launch(playwright):
    """Launches the system chromium headless.

    Args:
        playwright: a started `sync_playwright()`.

    Returns:
        The Browser.

    Raises:
        FileNotFoundError: if chromium is not installed.
    """
    path = chromium_path()
    if path is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, headless=True)


def open_pad(browser, url, viewport=VIEWPORT):
    """Opens the pad in a new page and waits until it is wired up.

    Args:
        browser: a Playwright Browser.
        url: the pad's URL.
        viewport: the page's size in CSS pixels.

    Returns:
        The Page.
    """
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    return page


def pad_side(page):
    """The pad's rendered side in CSS pixels."""
    return page.locator("#pad").bounding_box()["width"]


def draw(page, strokes, timeout_ms=10_000):
    """Draws strokes with the mouse and waits for the answer to the last pen-up.

    One move per point: headless chromium handles a mouse event per frame (~16 ms), and
    the pad draws straight segments between the points it is told anyway.

    Args:
        page: a Page showing the pad.
        strokes: lists of (x, y) points in pad coordinates (see strokes.digit_strokes).
        timeout_ms: how long to wait for the answer.

    Returns:
        `answer(page)`.
    """
    box = page.locator("#pad").bounding_box()
    mouse = page.mouse
    for points in strokes:
        (x, y), rest = points[0], points[1:]
        mouse.move(box["x"] + x, box["y"] + y)
        mouse.down()
        for x, y in rest:
            mouse.move(box["x"] + x, box["y"] + y)
        mouse.up()
    page.wait_for_selector("#prediction[data-latency-ms]", timeout=timeout_ms)
    return answer(page)


def answer(page):
    """Reads what the page shows.

    Returns:
        dict: `prediction` (text, "" when none), `latency_ms` (float or None),
        `probabilities` (ten floats, or None before an answer), `version` and `error`
        (the error text, or None when no error shows).
    """
    return page.evaluate(
        """() => {
        const $ = (id) => document.getElementById(id);
        const bars = [...document.querySelectorAll("[data-digit]")];
        const latency = $("prediction").dataset.latencyMs;
        return {
            prediction: $("prediction").textContent,
            latency_ms: latency === undefined ? null : Number(latency),
            probabilities: bars.every((b) => "probability" in b.dataset)
                ? bars.map((b) => Number(b.dataset.probability)) : null,
            version: $("version").textContent,
            error: $("error").hidden ? null : $("error").textContent,
        };
    }"""
    )


def drop_file(page, name, data, mime="image/png"):
    """Drops a file on the pad as a drag from the desktop would.

    Args:
        page: a Page showing the pad.
        name: the file's name.
        data: the file's bytes.
        mime: its media type.
    """
    page.evaluate(
        """([name, b64, mime]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        const zone = document.getElementById("dropzone");
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true }));
        }
    }""",
        [name, base64.b64encode(data).decode(), mime],
    )
