"""The training lab in real Chromium: train with live progress, cancel, and draw the data."""

import re

from tests.e2e.conftest import wait_for_rerun
from timestep_lab.ui.jobs import COUNT_WORDS, training_slots

RESULT = "The best any network told k can reach"
SLOW = 180_000  # ms: the first visit imports torch, and a shared 2-core CPU can be busy


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_for_rerun(page, timeout=SLOW)


def no_exceptions(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_train_shows_progress_then_results(page, app_url):
    open_app(page, f"{app_url}/train?train_steps=1500&width=16&data=uneven_1d&vs=none&seed=11")
    page.get_by_role("button", name="Train").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=60_000)  # live, in a fragment
    page.get_by_text(RESULT).wait_for(timeout=240_000)
    wait_for_rerun(page, timeout=SLOW)
    assert page.locator('[data-testid="stProgress"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= 5  # curves, bands, samples, field, D
    assert page.get_by_text("Weights: sinusoidal s11").is_visible()
    no_exceptions(page)


def test_cancel_stops_a_training(page, app_url):
    open_app(page, f"{app_url}/train?train_steps=5000&width=16&data=three_1d&vs=off&seed=12")
    page.get_by_role("button", name="Train").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled.").wait_for(timeout=30_000)
    wait_for_rerun(page, timeout=SLOW)
    assert page.get_by_text(RESULT).count() == 0
    assert page.locator('[data-testid="stProgress"]').count() == 0
    no_exceptions(page)


def test_drawing_points_on_the_canvas_trains_on_them(page, app_url):
    open_app(page, f"{app_url}/train?data=drawn&train_steps=100&width=16&vs=off&seed=13")
    canvas = page.locator(".point-canvas canvas")
    canvas.wait_for()
    page.get_by_text("Draw at least 3 points").wait_for()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, y0 - box["height"] * 0.2, steps=25)
    page.mouse.up()
    wait_for_rerun(page, timeout=SLOW)
    drawn = int(canvas.get_attribute("data-points"))
    assert drawn >= 3
    page.get_by_text(f"{drawn} points you drew").wait_for(timeout=30_000)
    page.get_by_role("button", name="Train").click()
    page.get_by_text(RESULT).wait_for(timeout=240_000)
    wait_for_rerun(page, timeout=SLOW)
    assert int(canvas.get_attribute("data-points")) == drawn  # the drawing survived the reruns
    no_exceptions(page)


def test_a_queued_training_moves_up_when_a_tab_ahead_of_it_closes(browser, app_url):
    """Real sessions: the first trainings take the server's slots, B and C wait in line; C
    reads place 2; B's tab closes (the runtime drops its session); C reads place 1."""
    slots = training_slots()
    pages: list = []

    def tab(seed: int, steps: int):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        pages.append(page)
        open_app(
            page, f"{app_url}/train?train_steps={steps}&width=16&data=bumps_1d&vs=off&seed={seed}"
        )
        return page

    try:
        # long ones hold the slots (≈ 18 s of a core each), the queued ones are tiny
        holders = [tab(300 + i, 7000) for i in range(slots)]
        b, c = tab(310, 100), tab(311, 100)
        for page in holders:
            page.get_by_role("button", name="Train").click()
            page.get_by_text(re.compile(r"seed 30\d: (step|computing)")).wait_for(timeout=60_000)
        at_once = COUNT_WORDS[slots]
        b.get_by_role("button", name="Train").click()
        b.get_by_text("Queued: place 1 ").wait_for(timeout=60_000)
        c.get_by_role("button", name="Train").click()
        c.get_by_text(
            f"Queued: place 2 (1 training waits ahead, {slots} running; this server trains "
            f"{at_once} at a time)"
        ).wait_for(timeout=60_000)
        b.context.close()  # the tab closes: its waiting training is dropped
        c.get_by_text(f"Queued: place 1 (no training waits ahead, {slots} running;").wait_for(
            timeout=30_000
        )
        for page in (c, *holders):
            page.get_by_role("button", name="Cancel").click()
            page.get_by_text("Cancelled.").wait_for(timeout=30_000)
        for page in (c, *holders):
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.errors == []
    finally:
        for page in pages:
            page.context.close()
