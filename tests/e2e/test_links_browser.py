"""Links in Chromium: the address bar holds the values shown, across a reload; odd links get
notes; an empty choice shows its default selected; an unknown page says so."""

from urllib.parse import parse_qs, urlsplit

from tests.e2e.conftest import wait_for_rerun


def alerts(page) -> str:
    return "\n".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def test_corrected_values_stay_in_the_address_bar_after_a_reload(page, app_url):
    page.goto(f"{app_url}/encoding?d=1e308&T=%D9%A3&k=abc&k=5")
    wait_for_rerun(page, timeout=180_000)  # d = 1024: the largest view of P
    notes = alerts(page)
    assert "d=1e308" in notes and "outside the valid range" in notes
    assert "T=٣" in notes and "not a number" in notes  # Arabic-Indic three is not read as 3
    assert "2 times" in notes and "using the last one" in notes
    assert query(page) == {"d": ["1024"], "k": ["5"]}  # T is the default: links leave it out
    page.reload()
    wait_for_rerun(page, timeout=180_000)
    assert query(page) == {"d": ["1024"], "k": ["5"]}
    assert "link_off" not in alerts(page)  # a clean link now: no note
    assert page.errors == [], page.errors


def test_an_empty_choice_selects_the_default_visibly(page, app_url):
    page.goto(f"{app_url}/denoiser?model=&sampler=&lie=")
    wait_for_rerun(page, timeout=180_000)
    notes = alerts(page)
    for key in ("model", "sampler", "lie"):
        assert f"{key}=, which is empty" in notes, key
        checked = page.locator(f'.st-key-{key} [role="radio"][aria-checked="true"]')
        assert checked.count() == 1, key
    assert page.locator('.st-key-model [aria-checked="true"]').inner_text() == "digits"
    assert query(page) == {}
    assert page.errors == [], page.errors


def test_an_unknown_page_says_so_and_links_to_the_pages(page, app_url):
    page.goto(f"{app_url}/nosuchpage")
    wait_for_rerun(page, timeout=180_000)
    assert "This app has no page /nosuchpage; showing Home instead." in alerts(page)
    links = page.locator('.st-key-unknown_page [data-testid="stPageLink"]')
    pages = page.locator('[data-testid="stSidebarNav"] a')
    assert links.count() == pages.count() >= 5  # every page of the app, once
    # Streamlit's own dialog says it too (it names no page and links to none); close it
    dialog = page.get_by_role("dialog")
    if dialog.count():
        dialog.get_by_role("button", name="Close").click()
    links.filter(has_text="Encoding explorer").click()
    wait_for_rerun(page)
    assert urlsplit(page.url).path == "/encoding"
    assert "no page" not in alerts(page)
