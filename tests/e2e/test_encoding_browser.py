"""The home and encoding pages in real Chromium: load, interact, deep links, hostile links."""

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import open_app, wait_for_rerun


def no_exceptions(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_home_loads_and_links_to_the_encoding_page(page, app_url):
    open_app(page, app_url)
    assert page.get_by_role("heading", name="Timestep Lab").is_visible()
    page.get_by_role("link", name="Encoding explorer: the sin/cos matrix").click()
    wait_for_rerun(page)
    assert urlparse(page.url).path == "/encoding"
    assert page.get_by_role("heading", name="Encoding explorer").is_visible()
    no_exceptions(page)


def test_encoding_page_draws_every_figure(page, app_url):
    open_app(page, f"{app_url}/encoding")
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 10
    assert plots.first.is_visible()
    assert page.locator(".js-plotly-plot .heatmaplayer").first.is_visible()
    no_exceptions(page)


def test_moving_k_updates_the_figures_and_the_url(page, app_url):
    open_app(page, f"{app_url}/encoding")
    heading = page.get_by_role("heading", name="2 · The vector P(250) the network receives")
    assert heading.is_visible()
    thumb = page.get_by_role("slider", name="k, timestep")
    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    wait_for_rerun(page)
    page.get_by_role("heading", name="2 · The vector P(253) the network receives").wait_for()
    # The drawn figures changed, not only the text: the outlined row and the vector's axis.
    assert page.locator(".st-key-heatmap .annotation-text").first.text_content() == "k = 253"
    assert page.locator(".st-key-vector .ytitle").text_content() == "P(253, j)"
    assert parse_qs(urlparse(page.url).query)["k"] == ["253"]
    no_exceptions(page)


def test_deep_link_reproduces_the_view(page, app_url):
    open_app(page, f"{app_url}/encoding?d=48&n=500&T=300&k=123&layout=ldm")
    vector = page.get_by_role("heading", name="2 · The vector P(123) the network receives")
    assert vector.is_visible()
    assert page.get_by_role("slider", name="d, embedding dimension").input_value() == "48"
    assert page.get_by_role("slider", name="T, number of timesteps").input_value() == "300"
    assert page.get_by_role("slider", name="n, base").get_attribute("aria-valuetext") == "500"
    assert page.get_by_role("combobox", name="Layout").input_value() == "ldm"
    address = parse_qs(urlparse(page.url).query)
    assert {k: v[0] for k, v in address.items()} == {
        "d": "48",
        "n": "500",
        "T": "300",
        "k": "123",
        "layout": "ldm",
    }
    assert page.locator('[data-testid="stAlert"]').count() == 1  # the layout info box only
    no_exceptions(page)


def test_hostile_link_gets_a_friendly_note(page, app_url):
    open_app(page, f"{app_url}/encoding?d=abc&k=-7&layout=%3Cscript%3Ealert(1)%3C/script%3E")
    alerts = page.locator('[data-testid="stAlert"]')
    text = " ".join(alerts.all_inner_texts())
    assert "d=abc" in text and "not a number" in text
    assert "k=-7" in text and "outside the valid range" in text
    assert "which is not one of transformer, ddpm, ldm" in text
    assert page.locator(".js-plotly-plot").count() == 10
    no_exceptions(page)


def test_spectral_bias_fit_is_drawn_when_asked(page, app_url):
    open_app(page, f"{app_url}/encoding?d=32&T=500")
    page.get_by_role("button", name="Predict, then fit: which one draws the jumps?").click()
    page.locator(".st-key-spectral_bias .js-plotly-plot").wait_for(timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 11
    assert "further off" in page.get_by_text("RMS error over 500 timesteps").inner_text()
    no_exceptions(page)
