"""Fixtures for the pad's tests: the model server and the pad as subprocesses, and chromium.

The model server serves the session's `exported_model` (tests/conftest.py) through its
command line, as a person starts it; the pad forwards to it.
"""

import socket

import pytest

from serving.pad import browser, processes


@pytest.fixture(scope="session")
def model_rest(exported_model, tmp_path_factory):
    """REST base URL of `python -m serving.server` over `exported_model`."""
    log = tmp_path_factory.mktemp("pad-logs") / "model_server.log"
    with processes.model_server(exported_model, log) as url:
        yield url


@pytest.fixture(scope="session")
def pad_url(model_rest, tmp_path_factory):
    """URL of `python -m serving.pad` forwarding to `model_rest`."""
    log = tmp_path_factory.mktemp("pad-logs") / "pad.log"
    with processes.pad_server(model_rest, log) as url:
        yield url


@pytest.fixture(scope="session")
def dead_rest():
    """A REST URL on a 127.0.0.1 port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def dead_pad_url(dead_rest, tmp_path_factory):
    """URL of a pad whose model server is unreachable."""
    log = tmp_path_factory.mktemp("pad-logs") / "dead_pad.log"
    with processes.pad_server(dead_rest, log) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, headless, driven by Playwright.

    Module-scoped: Playwright's sync API keeps an event loop running in the main thread
    while it is open, which would break later tests that call asyncio.run().
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = browser.launch(playwright)
        yield instance
        instance.close()
