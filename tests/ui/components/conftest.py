"""Run a component's own JavaScript module in real Chromium, on vectors Python writes.

A blank page imports the module from its source (a data: URL), so the test exercises the
file the app serves, not a copy. Chromium is Debian's (/usr/bin/chromium); a missing
browser fails the test instead of skipping it.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from timestep_lab.ui.components import source


@pytest.fixture(scope="session")
def js_page():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: browser tests never skip")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto("about:blank")
        yield page
        browser.close()


def module_url(filename: str) -> str:
    """The component file as a data: URL that ``import()`` accepts."""
    encoded = base64.b64encode(source(filename).encode("utf-8")).decode("ascii")
    return f"data:text/javascript;base64,{encoded}"
