"""The noise page in real Chromium: links keep their choices, and T, k follow the learner."""

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import open_app, wait_for_rerun


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def no_exceptions(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_noise_page_draws_every_view(page, app_url):
    open_app(page, f"{app_url}/noise")
    assert page.locator(".js-plotly-plot").count() == 1  # §1's curves: the same for every k
    assert page.locator(".tl-view").count() == 1  # x₀, ε and x_k, drawn by the browser
    # §1's values at k, §3's x_k and P(k), §4's σ̂ and k̂, §5's v and gains: drawn by the browser
    assert page.locator(".tl-panel").count() == 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-panel')])"
        ".filter(p => p.dataset.painted && p.dataset.k === '250').length === 4"
    )
    level = page.locator('.tl-panel[aria-label="level at timestep k"]')
    assert "At k = 250: σ_k = " in level.inner_text()
    # the second tab: §6's filmstrip and §7's sampler timesteps, the same for every k
    page.get_by_role("tab", name="Schedules and samplers").click()
    page.get_by_role("heading", name="6 · Filmstrip").wait_for()
    wait_for_rerun(page)
    assert page.locator(".js-plotly-plot").count() == 2
    assert page.locator(".tl-view").count() == page.locator(".tl-panel").count() == 0
    assert query(page)["tab"] == "Schedules and samplers"
    page.get_by_role("tab", name="The noise at step k").click()
    page.locator(".tl-view").first.wait_for()
    wait_for_rerun(page)
    assert page.locator(".tl-panel").count() == 4
    no_exceptions(page)


def test_choices_from_a_link_stay_in_the_address_bar(page, app_url):
    open_app(page, f"{app_url}/noise?schedule=cosine&image=digit&T=300&k=123&zsnr=true")
    page.wait_for_timeout(500)
    got = query(page)
    for key, value in {"schedule": "cosine", "image": "digit", "T": "300", "k": "123"}.items():
        assert got.get(key) == value, (key, got)
    page.locator(".tl-view").first.wait_for()
    assert page.locator(".tl-view").first.get_attribute("data-k") == "123"
    no_exceptions(page)


def test_moving_k_updates_the_image_and_the_url(page, app_url):
    open_app(page, f"{app_url}/noise?k=100")
    thumb = page.get_by_role("slider", name="k, timestep")
    thumb.focus()
    thumb.press("ArrowLeft")
    wait_for_rerun(page)
    view = page.locator(".tl-view").first
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".some(e => e.shadowRoot.querySelector('.tl-view')?.dataset.k === '99')"
    )
    # What is drawn changed: x_k and every section's readout (browser), the link (Python).
    assert "x_k at k = 99" in view.inner_text()
    page.get_by_text("At k = 99, linear has β_k").wait_for()
    page.get_by_text("P(99) with d = 128").wait_for()
    page.get_by_text("At k = 99: σ_k").wait_for()
    page.get_by_text("Error gain at k = 99").wait_for()
    page.get_by_text("Open the encoding explorer at k = 99").wait_for()
    assert query(page)["k"] == "99"
    no_exceptions(page)


def test_T_and_k_follow_the_learner_between_pages(page, app_url):
    open_app(page, f"{app_url}/encoding?T=500&k=321")
    page.get_by_role("link", name="Noise levels", exact=True).click()
    wait_for_rerun(page)
    assert urlparse(page.url).path == "/noise"
    assert page.get_by_role("slider", name="T, number of timesteps").input_value() == "500"
    assert page.get_by_role("slider", name="k, timestep").input_value() == "321"
    page.get_by_role("link", name="Encoding explorer", exact=True).click()
    wait_for_rerun(page)
    assert page.get_by_role("slider", name="k, timestep").input_value() == "321"
    no_exceptions(page)


def test_hostile_link_gets_friendly_notes(page, app_url):
    open_app(page, f"{app_url}/noise?schedule=evil&image=..%2F..%2Fetc%2Fpasswd&seed=-1&zsnr=2")
    text = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "schedule=evil" in text and "image=../../etc/passwd" in text
    assert page.locator(".js-plotly-plot").count() == 1
    assert page.locator(".tl-view").count() == 1
    assert page.locator(".tl-panel").count() == 4
    no_exceptions(page)
