"""Run a component's own JavaScript module in real Chromium, on vectors Python writes.

A blank page imports the module from its source (a data: URL) as the app serves it
(``module_source``: the file with the shared modules it imports inlined), so the test
exercises the text the app serves, not a copy. Chromium is Debian's (/usr/bin/chromium); a missing
browser fails the test instead of skipping it.
"""

from __future__ import annotations

import base64

import pytest

from timestep_lab.ui.components import module_source


@pytest.fixture(scope="session")
def js_page(browser):
    """A blank page in the session's one Chromium (tests/conftest.py's ``browser``)."""
    page = browser.new_page()
    page.goto("about:blank")
    yield page
    page.close()


def module_url(filename: str) -> str:
    """The component file as the app serves it, as a data: URL that ``import()`` accepts."""
    encoded = base64.b64encode(module_source(filename).encode("utf-8")).decode("ascii")
    return f"data:text/javascript;base64,{encoded}"
