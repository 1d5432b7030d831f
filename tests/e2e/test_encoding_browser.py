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
    assert plots.count() == 2  # the first tab's figures that do not depend on k
    assert plots.first.is_visible()
    views = page.locator(".tl-view")  # the views of row k, drawn by the browser
    assert views.count() == 5
    assert views.first.locator("canvas").is_visible()
    no_exceptions(page)


def test_each_tab_draws_its_sections_and_keeps_its_place_in_the_url(page, app_url):
    open_app(page, f"{app_url}/encoding?T=300&k=40&i=3")
    plots, views = page.locator(".js-plotly-plot"), page.locator(".tl-view")
    page.get_by_role("tab", name="Why sinusoids").click()
    page.get_by_text("k = 40 has ᾱ").wait_for()  # section 7, which follows k
    wait_for_rerun(page)
    assert plots.count() == 4 and views.count() == 0  # the three inputs, the time input
    assert parse_qs(urlparse(page.url).query)["tab"] == ["Why sinusoids"]
    page.get_by_role("tab", name="The encoding").click()
    views.first.wait_for()
    wait_for_rerun(page)
    assert views.count() == 5 and plots.count() == 2
    address = parse_qs(urlparse(page.url).query)
    assert "tab" not in address  # the first tab: a default
    # section 5's i, not drawn while the other tab was open, is back as the link gave it
    assert address["i"] == ["3"] and address["k"] == ["40"]
    assert page.get_by_role("slider", name="i, frequency index").input_value() == "3"
    page.get_by_role("tab", name="Layouts in real code").click()
    page.get_by_text("Three layouts, one idea").wait_for()
    wait_for_rerun(page)
    assert plots.count() == 1 and views.count() == 0
    page.reload()  # the link opens the same tab
    wait_for_rerun(page)
    selected = page.get_by_role("tab", name="Layouts in real code").get_attribute("aria-selected")
    assert selected == "true" and plots.count() == 1
    assert parse_qs(urlparse(page.url).query)["k"] == ["40"]
    no_exceptions(page)


def test_moving_k_updates_the_figures_and_the_url(page, app_url):
    open_app(page, f"{app_url}/encoding")
    views = page.locator(".tl-view")
    assert views.first.get_attribute("data-k") == "250"
    heatmap = views.first.locator("canvas").evaluate("c => c.toDataURL()")
    thumb = page.get_by_role("slider", name="k, timestep")
    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    wait_for_rerun(page)
    # Every view follows the sidebar's k, and the drawn heatmap changed (the outlined row).
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view')])"
        ".every(v => v.dataset.k === '253')"
    )
    assert views.first.locator("canvas").evaluate("c => c.toDataURL()") != heatmap
    assert "P(253, 16) = sin(" in views.nth(4).inner_text()  # the formula's numbers
    assert parse_qs(urlparse(page.url).query)["k"] == ["253"]
    no_exceptions(page)


def test_deep_link_reproduces_the_view(page, app_url):
    open_app(page, f"{app_url}/encoding?d=48&n=500&T=300&k=123&layout=ldm")
    page.locator(".tl-view").first.wait_for()
    assert page.locator(".tl-view").first.get_attribute("data-k") == "123"
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
    assert page.locator('[data-testid="stAlert"]').count() == 0  # no note
    no_exceptions(page)


def test_hostile_link_gets_a_friendly_note(page, app_url):
    open_app(page, f"{app_url}/encoding?d=abc&k=-7&layout=%3Cscript%3Ealert(1)%3C/script%3E")
    alerts = page.locator('[data-testid="stAlert"]')
    text = " ".join(alerts.all_inner_texts())
    assert "d=abc" in text and "not a number" in text
    assert "k=-7" in text and "outside the valid range" in text
    assert "which is not one of transformer, ddpm, ldm" in text
    assert page.locator(".js-plotly-plot").count() == 2
    assert page.locator(".tl-view").count() == 5
    no_exceptions(page)


def test_spectral_bias_fit_is_drawn_when_asked(page, app_url):
    open_app(page, f"{app_url}/encoding?d=32&T=500&tab=Why+sinusoids")
    page.get_by_role("button", name="Predict, then fit: which one draws the jumps?").click()
    page.locator(".st-key-spectral_bias .js-plotly-plot").wait_for(timeout=180_000)
    assert page.locator(".js-plotly-plot").count() == 5  # the tab's four and the fit
    assert "further off" in page.get_by_text("RMS error over 500 timesteps").inner_text()
    no_exceptions(page)
