"""The walkthrough in real Chromium: a deep link, predict then reveal, Next, presenter mode."""

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import open_app, wait_for_rerun


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
