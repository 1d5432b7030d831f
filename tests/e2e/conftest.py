"""Browser tests: the served app (``streamlit run app.py``) driven in real Chromium.

Debian's Chromium at /usr/bin/chromium is required. A missing browser fails these tests
instead of skipping them, so a CI run can never pass without having run them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.streamlit_client import start_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A failed load is checked through the response itself (below), which names its URL; the
# console's copy of it ("Failed to load resource") does not.
FAILED_LOAD = "Failed to load resource"


def is_probe(url: str) -> bool:
    """Streamlit's frontend probes /<page>/_stcore/… before /_stcore/… on a deep link."""
    return "/_stcore/health" in url or "/_stcore/host-config" in url


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free loopback port; stop it afterwards."""
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    with open(ROOT / "test-artifacts" / "server.log", "wb") as log:
        # a waiting training keeps its place 2 s (not 30) after its tab loses its connection,
        # so a test can see a closed tab's place given up without waiting half a minute
        process, url, _ = start_server(log=log, env={"TIMESTEP_LAB_RECONNECT_GRACE_S": "2"})
        try:
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; console errors are collected on ``page.errors``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []

    def on_console(message) -> None:
        if message.type == "error" and FAILED_LOAD not in message.text:
            page.errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and not is_probe(response.url):
            page.errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)

    def on_request_failed(request) -> None:
        # A picture replaced by a newer one before it loaded (frames streaming while sampling,
        # a scrubber moved) is cancelled by the browser itself: not a failure anyone sees.
        # A missing picture answers 404 and is caught in on_response.
        if request.failure == "net::ERR_ABORTED" and "/media/" in request.url:
            return
        page.errors.append(f"failed {request.url} {request.failure}")

    page.on("requestfailed", on_request_failed)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    finally:
        context.close()


def wait_for_rerun(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected, no script run is in progress and nothing is loading."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            const state = app.getAttribute('data-test-script-state');
            return app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && state !== 'running' && state !== 'initial'
                && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let the last delta paint
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                     .getAttribute('data-test-script-state') !== 'running'""",
        timeout=timeout,
    )


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_for_rerun(page)
