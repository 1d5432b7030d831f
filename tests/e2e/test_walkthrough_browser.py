"""The walkthrough in real Chromium: a deep link, predict then reveal, Next, presenter mode."""

from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from tests.e2e.conftest import open_app, wait_for_rerun
from timestep_lab.encodings import noise_schedule
from timestep_lab.images import WORKING_SIZE, bundled_image, to_signed
from timestep_lab.images.noise_level import noise_level_sweep
from timestep_lab.lesson import lesson

LEVEL = '.tl-panel[aria-label="level at timestep k"]'
LEVEL_DRAWN_AT = """(k) => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
    .flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-panel')])
    .some(p => p.dataset.drawn === String(k))"""
# the share of a canvas's pixels that differ from its top-left pixel (0: blank)
INKED = """c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 0; i < d.length; i += 4)
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) inked++;
    return inked / (d.length / 4);
}"""


def level_readout(k: int, seed: int = 0) -> str:
    """§4's readout at k for the lesson's photo and noise, from the library (ε as the browser
    gets it: float32)."""
    schedule = noise_schedule("linear", 1000)
    pixels = bundled_image("hopper", WORKING_SIZE)
    noise = np.random.default_rng(seed).standard_normal(pixels.shape).astype(np.float32)
    sweep = noise_level_sweep(
        to_signed(pixels),
        noise.astype(np.float64),
        schedule.sqrt_alpha_bar,
        schedule.sqrt_one_minus_alpha_bar,
        [k],
    )
    return (
        f"At k = {k}: σ_k = {sweep.sigma[0]:.4f}, σ̂ from x_k alone = {sweep.sigma_hat[0]:.4f}, "
        f"pointing to k̂ = {sweep.k_hat[0]}."
    )


def test_deep_link_predict_reveal_and_next(page, app_url):
    open_app(page, f"{app_url}/walkthrough?step=4")
    assert page.get_by_role("heading", name="4 · Reading the heatmap").is_visible()
    assert page.locator(".tl-view").count() == 0  # hidden until the learner answers
    page.get_by_text("On the left (small j)").click()
    wait_for_rerun(page)
    page.get_by_role("button", name="Check my answer").click()
    wait_for_rerun(page)
    assert page.get_by_text("Right.").first.is_visible()
    page.locator(".tl-view").first.wait_for()  # the encoding page's own heatmap view
    assert page.locator(".tl-view").count() == 1
    assert page.locator(".tl-view").first.get_attribute("data-k") is not None
    page.get_by_role("button", name="Next →").click()
    wait_for_rerun(page)
    assert page.get_by_role("heading", name="5 · Near in time, near in the code").is_visible()
    assert parse_qs(urlparse(page.url).query)["step"] == ["5"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_presenter_mode_moves_the_pages_to_the_top_and_hides_controls(page, app_url):
    open_app(page, f"{app_url}/walkthrough?step=2&presenter=1&hide=step")
    assert page.get_by_role("heading", name="2 · Why not just pass k, or k / T?").is_visible()
    assert page.get_by_role("slider", name="Step").count() == 0
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.count() == 0  # the page list is in the top bar, not the sidebar
    assert page.get_by_role("link", name="Encoding explorer", exact=True).is_visible()
    paragraph = page.get_by_text("The simplest idea is to feed the number k itself")
    size = paragraph.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20  # enlarged for a projector (the default is 16 px)
    assert page.errors == []


def test_hostile_link_gets_a_friendly_note_and_the_first_step(page, app_url):
    open_app(page, f"{app_url}/walkthrough?step=%3Cscript%3Ealert(1)%3C%2Fscript%3E&presenter=2")
    text = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "not a number" in text and "presenter" in text
    assert page.get_by_role("heading", name="1 · ").first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


@pytest.mark.parametrize("presenter", [False, True])
def test_the_noise_level_step_draws_the_noise_pages_level_panel(page, app_url, presenter):
    steps = lesson()
    number = next(n for n, step in enumerate(steps, 1) if step.figure == "noise_level")
    question = steps[number - 1].questions[0]
    open_app(page, f"{app_url}/walkthrough?step={number}" + ("&presenter=1" if presenter else ""))
    assert page.locator(LEVEL).count() == 0  # hidden until the learner answers
    page.get_by_text(question.options[question.answer]).click()
    wait_for_rerun(page)
    page.get_by_role("button", name="Check my answer").click()
    wait_for_rerun(page)
    view, level = page.locator(".tl-view"), page.locator(LEVEL)
    level.wait_for()
    assert (view.count(), level.count()) == (1, 1)  # the noise page's step view and §4's panel
    level.scroll_into_view_if_needed()
    page.wait_for_function(LEVEL_DRAWN_AT, arg=250)
    chart = level.locator("canvas").first
    before = chart.evaluate("c => c.toDataURL()")
    assert chart.evaluate(INKED) > 0.02  # curves, axes and labels drawn, not a blank canvas
    assert chart.evaluate("c => c.style.height") == ("400px" if presenter else "330px")
    assert level_readout(250) in level.inner_text()
    # a key on the step view moves k, and the panel reads σ̂ off the new x_k
    view.first.focus()
    page.keyboard.press("ArrowRight")
    level.scroll_into_view_if_needed()
    page.wait_for_function(LEVEL_DRAWN_AT, arg=251)
    assert level_readout(251) in level.inner_text()
    assert chart.evaluate("c => c.toDataURL()") != before
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []
