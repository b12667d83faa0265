"""The pad in a real headless chromium: drawn digits, clear, files, errors, phone width.

Playwright drives Debian's chromium (conftest.py `chromium`) against the model server and
the pad started with their command lines. The drawn digits are MNIST test digits traced
with the mouse (serving/pad/strokes.py); the reference answer for each is what the REST
API gives for the same digit's pixels (`predict_pixels`).

Example:
    .venv/bin/pytest -s tests/serving/pad/test_pad_browser.py   # -s prints the agreement
"""

import base64
import io
import json
import shutil
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from common import contract
from serving.pad import browser, processes
from serving.pad.strokes import digit_strokes

DRAWN_DIGITS = 30
PHONE = {"width": 375, "height": 740}

# One skip for the whole module, so a machine without chromium shows one line.
if browser.chromium_path() is None:
    pytest.skip(
        "chromium is not installed and could not be (`make test` installs it with apt-get "
        "when run as root): browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture
def page(chromium, pad_url):
    page = browser.open_pad(chromium, pad_url)
    yield page
    page.close()


def rest_classes(http, model_rest, signature, instances):
    url = f"{model_rest}/v1/models/{contract.MODEL_NAME}:predict"
    status, _, body = http("POST", url, {"signature_name": signature, "instances": instances})
    assert status == 200, body
    return [row[contract.CLASSES] for row in body["predictions"]]


def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.slow
def test_pad_drawn_test_digits_agree_with_predict_pixels(page, mnist, model_rest, http):
    _, (x_test, _) = mnist
    digits = x_test[:DRAWN_DIGITS]
    expected = rest_classes(http, model_rest, contract.PREDICT_PIXELS, digits.tolist())
    side = browser.pad_side(page)
    answers = []
    for pixels in digits:
        page.click("#clear")
        answers.append(browser.draw(page, digit_strokes(pixels, side)))
    for answer in answers:
        probabilities = np.array(answer["probabilities"])
        assert np.isclose(probabilities.sum(), 1.0, atol=1e-4)
        assert str(probabilities.argmax()) == answer["prediction"]
        assert answer["latency_ms"] > 0 and answer["error"] is None
    agree = sum(int(a["prediction"]) == e for a, e in zip(answers, expected, strict=True))
    latencies = [a["latency_ms"] for a in answers]
    print(
        f"\npad agreement {agree}/{DRAWN_DIGITS}; pen-up to answer p50 "
        f"{np.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )
    assert agree >= DRAWN_DIGITS - 1


def test_pad_clear_empties_the_prediction_and_the_bars(page, mnist):
    _, (x_test, _) = mnist
    assert browser.draw(page, digit_strokes(x_test[0], browser.pad_side(page)))["prediction"]
    page.click("#clear")
    cleared = browser.answer(page)
    assert cleared["prediction"] == "" and cleared["probabilities"] is None
    assert cleared["latency_ms"] is None
    assert page.locator("[data-digit][data-probability]").count() == 0


def test_pad_shows_the_model_and_version_that_answer(page):
    page.wait_for_selector("#version:text-matches('^[0-9]+$')")
    assert page.text_content("#model") == contract.MODEL_NAME
    assert browser.answer(page)["version"] == "1"
    digits = page.eval_on_selector_all("[data-digit]", "bars => bars.map(b => b.dataset.digit)")
    assert digits == list(contract.CLASS_LABELS)


def test_pad_shows_the_new_version_after_a_rollout(chromium, exported_model, mnist, tmp_path):
    base = tmp_path / contract.MODEL_NAME
    shutil.copytree(exported_model / "1", base / "1")
    with (
        processes.model_server(base, tmp_path / "server.log") as rest,
        processes.pad_server(rest, tmp_path / "pad.log") as url,
    ):
        page = browser.open_pad(chromium, url)
        _, (x_test, _) = mnist
        strokes = digit_strokes(x_test[0], browser.pad_side(page))
        assert browser.draw(page, strokes)["version"] == "1"
        # Published as the exporter does: complete under a hidden name, then renamed.
        shutil.copytree(exported_model / "1", base / ".tmp-2")
        (base / ".tmp-2").rename(base / "2")
        status_url = f"{rest}/v1/models/{contract.MODEL_NAME}"
        deadline = time.monotonic() + 60
        while available_versions(status_url) != ["2"]:
            assert time.monotonic() < deadline, "version 2 never replaced version 1"
            time.sleep(0.2)
        page.click("#clear")
        answer = browser.draw(page, strokes)
        assert (answer["version"], answer["error"]) == ("2", None)
        page.close()


def available_versions(status_url):
    with urllib.request.urlopen(status_url, timeout=10) as reply:
        statuses = json.load(reply)["model_version_status"]
    return [status["version"] for status in statuses if status["state"] == "AVAILABLE"]


def test_pad_unreachable_model_server_shows_the_error(chromium, dead_pad_url):
    page = browser.open_pad(chromium, dead_pad_url)
    page.wait_for_selector("#error:not([hidden])")
    page.mouse.move(*centre(page))
    page.mouse.down()
    page.mouse.move(*centre(page, 40))
    page.mouse.up()
    page.wait_for_selector("#error:has-text('502')")
    answer = browser.answer(page)
    assert "model server unreachable" in answer["error"] and answer["prediction"] == ""
    page.close()


def test_pad_error_answer_from_the_server_is_shown(chromium, model_rest, tmp_path):
    # A body limit below any drawing's PNG makes every predict answer 413.
    with processes.pad_server(model_rest, tmp_path / "pad.log", ["--max-body-bytes=300"]) as url:
        page = browser.open_pad(chromium, url)
        page.mouse.click(*centre(page))
        page.wait_for_selector("#error:not([hidden])")
        assert "answered 413: request body is larger" in browser.answer(page)["error"]
        page.close()


def test_pad_dropped_png_is_classified(page, mnist, model_rest, http):
    _, (x_test, _) = mnist
    (expected,) = rest_classes(http, model_rest, contract.PREDICT_PIXELS, x_test[7:8].tolist())
    browser.drop_file(page, "digit.png", png(x_test[7]))
    page.wait_for_selector("#prediction:not(:empty)")
    assert browser.answer(page)["prediction"] == str(expected)


def test_pad_chosen_photo_like_png_is_classified(page, mnist, model_rest, http, tmp_path):
    # Dark ink on paper, enlarged and off-centre: the image path's own rule applies.
    _, (x_test, _) = mnist
    paper = np.full((160, 200), 235, np.uint8)
    paper[20:132, 60:172] = 235 - np.kron(x_test[11], np.ones((4, 4), np.uint8)) * 0.9
    path = tmp_path / "photo.png"
    path.write_bytes(png(paper))
    instance = {contract.IMAGE_BYTES: {"b64": base64.b64encode(path.read_bytes()).decode()}}
    (expected,) = rest_classes(http, model_rest, contract.PREDICT_IMAGE_BYTES, [instance])
    page.set_input_files("#file", path)
    page.wait_for_selector("#prediction:not(:empty)")
    assert browser.answer(page)["prediction"] == str(expected)


def test_pad_at_phone_width_stays_square_and_keyboard_reachable(chromium, pad_url):
    page = browser.open_pad(chromium, pad_url, viewport=PHONE)
    for width in (PHONE["width"], 320, 800):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        box = page.locator("#pad").bounding_box()
        assert box["width"] == pytest.approx(box["height"], abs=0.5)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert {"clear", "file", "ink"} <= set(reached)
    page.keyboard.press("Shift+Tab")
    page.close()


def centre(page, offset=0):
    box = page.locator("#pad").bounding_box()
    return box["x"] + box["width"] / 2 + offset, box["y"] + box["height"] / 2 + offset
