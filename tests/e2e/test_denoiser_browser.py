"""The denoiser page in real Chromium: Generate streams frames and ends on finished samples."""

import re

from tests.e2e.conftest import open_app, wait_for_rerun


def test_generate_streams_progress_then_finished_samples(page, app_url):
    # A seed no other test uses, so the run is computed here, not shared from a cache.
    open_app(page, f"{app_url}/denoiser?sampler=ddpm&steps=400&seed=4242&w=1")
    assert page.get_by_text("Press Generate to watch the network denoise.").is_visible()
    page.get_by_role("button", name="Generate").click()
    progress = page.get_by_text(re.compile(r"Step \d+ of 400: k = \d+"))
    progress.first.wait_for(timeout=60_000)  # frames arrive while the sampler runs
    live = page.get_by_text(re.compile(r"x_k at k = \d+")).first
    live.wait_for(timeout=30_000)
    wait_for_rerun(page, timeout=180_000)
    assert page.get_by_text(re.compile(r"Done: 400 steps, k = 999 down to \d+")).is_visible()
    finished = page.get_by_text("x₀: the finished samples")
    assert finished.is_visible()
    image = page.locator('[data-testid="stImage"] img').first
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors


def test_hostile_links_get_notes_and_the_page_still_generates(page, app_url):
    open_app(page, f"{app_url}/denoiser?model=evil&w=1e9&steps=0&seed=-1&num=100000")
    text = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    for part in ("model=evil", "w=1e9", "steps=0", "seed=-1", "num=100000"):
        assert part in text, part
    page.get_by_role("button", name="Generate").click()
    wait_for_rerun(page, timeout=180_000)
    assert page.get_by_text(re.compile(r"Done: \d+ steps")).is_visible()
    assert page.errors == [], page.errors


def test_scrubbing_a_run_updates_the_step_figures(page, app_url):
    open_app(page, f"{app_url}/denoiser?sampler=ddim&steps=20&seed=4343")
    page.get_by_role("button", name="Generate").click()
    wait_for_rerun(page, timeout=180_000)
    scrubber = page.locator(".st-key-frame").get_by_role("slider")
    assert scrubber.get_attribute("aria-valuetext").startswith("1 (k = ")
    encoding_title = page.locator(".st-key-step_encoding .ytitle")
    alpha_marker = page.locator(".st-key-step_alpha .scatterlayer .trace").last
    before_title = encoding_title.text_content()
    before_marker = alpha_marker.inner_html()
    scrubber.focus()
    for _ in range(4):  # faster than the reruns, like a drag: no picture may break on the way
        scrubber.press("ArrowRight")
    wait_for_rerun(page)
    label = scrubber.get_attribute("aria-valuetext")
    k = int(re.fullmatch(r"5 \(k = (\d+)\)", label).group(1))
    # The figures were redrawn for the new step: the vector P(k) received, and k on the curve.
    page.wait_for_function(
        "title => document.querySelector('.st-key-step_encoding .ytitle')?.textContent === title",
        arg=f"P({k}, j)",
    )
    assert encoding_title.text_content() != before_title
    assert alpha_marker.inner_html() != before_marker
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors


def test_the_first_view_shows_finished_digits_without_generate(page, app_url):
    open_app(page, f"{app_url}/denoiser")
    page.get_by_text("x₀: the finished samples").wait_for(timeout=180_000)
    wait_for_rerun(page, timeout=180_000)
    assert page.get_by_text(re.compile(r"Done: 50 steps, k = 999 down to \d+")).is_visible()
    image = page.locator('[data-testid="stImage"] img').first
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors
