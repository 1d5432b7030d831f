"""Shared test helpers: run the app headless with Streamlit's AppTest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from timestep_lab.ui.pictures import picture_url

ROOT = Path(__file__).resolve().parents[1]


def open_page(page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    """Run app.py (the router) and switch to ``page`` with the given URL query."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    return at.run()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch a page's URL-bound tabs (key ``tab``) to ``label``, as a click does, and rerun."""
    at.session_state["tab"] = label
    return at.run()


def page_literal(page: str, name: str):
    """A literal the page script assigns at its top level (a table, its TABS), read without
    running the page."""
    for node in ast.parse((ROOT / page).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [name]:
            return ast.literal_eval(node.value)
    raise LookupError(name)


def pictures(at: AppTest) -> list[tuple[str, str]]:
    """(data: URL, caption) of every picture ``timestep_lab.ui.pictures.show_picture`` drew,
    in page order: a block of its own holding a markdown image of a data: URL, then the
    caption."""
    found: list[tuple[str, str]] = []

    def walk(node) -> None:
        children = [node.children[i] for i in sorted(getattr(node, "children", None) or {})]
        kinds = [child.type for child in children]
        if kinds == ["markdown", "caption"] and (url := picture_url(children[0].value)):
            found.append((url, children[1].value))
            return
        for child in children:
            walk(child)

    walk(at.main)
    return found


def warnings_text(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


@pytest.fixture(autouse=True)
def the_gate_is_free_after_each_test():
    """No test may leave a turn held or a run queued at the gate whole-page runs take turns at
    (``timestep_lab.ui.admission``): every page test runs app.py, and so the gate, for real.
    """
    from timestep_lab.ui.admission import RUN_GATE

    late = RUN_GATE.admitted_late
    yield
    assert RUN_GATE.running == 0, "a run kept its turn at the gate"
    assert RUN_GATE.waiting == 0, "a run was left queued at the gate"
    assert RUN_GATE.admitted_late == late, "a run waited past the gate's safety valve"


@pytest.fixture
def page_opener():
    return open_page


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failed test: nothing may pass by not running."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) were skipped; failing the run", red=True)
        session.exitstatus = 1


def heavy_modules_after(code: str) -> list[str]:
    """Which of torch and streamlit a fresh interpreter has loaded after running ``code``.

    A subprocess, because this test process has long imported both.
    """
    import subprocess
    import sys

    report = "print(','.join(m for m in ('torch', 'streamlit') if m in sys.modules))"
    probe = f"{code}\nimport sys\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [m for m in out.stdout.strip().split(",") if m]


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server on a free loopback port for this test session; stopped afterwards.

    A missing redis-server fails the tests that need it (scripts/test.sh installs it).
    """
    from benchmarks.redis_server import redis_server_path, start_redis, stop

    if redis_server_path() is None:
        pytest.fail(
            "redis-server not found: install Debian's redis-server "
            "(apt-get install -y redis-server); class-mode tests never skip"
        )
    process, url = start_redis()
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole test session.

    One instance for every browser test (tests/e2e, tests/ui/components): Playwright's sync
    API keeps an event loop running in this thread while it is open, so a second
    ``sync_playwright()`` in the same session would refuse to start.
    """
    import shutil

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            "(apt-get install -y chromium); browser tests never skip"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
