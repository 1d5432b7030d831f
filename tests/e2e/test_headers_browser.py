"""Every page works under the security headers the Ingress adds (deploy/k8s/ingress.yaml).

Chromium loads the served app with those headers added to every HTTP response (as nginx
would), and must report no content-security-policy violation and no error. Responses
rewritten by the test count as coming from outside the machine, so Chromium's local-network
checks are turned off for this browser (they would block the loopback WebSocket).
"""

import pytest

from tests.deploy.test_k8s_manifests import ingress_headers
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, FAILED_LOAD, is_probe, wait_for_rerun

REWRITTEN = {"content-encoding", "content-length", "transfer-encoding"}


@pytest.fixture(scope="module")
def headed_browser(browser):
    args = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
    other = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield other
    other.close()


@pytest.mark.parametrize("path", ["", "encoding", "noise", "denoiser", "walkthrough"])
def test_each_page_runs_under_the_ingress_headers(headed_browser, app_url, path):
    headers = ingress_headers()
    context = headed_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = []

    def on_console(message) -> None:  # a failed load is checked through its response below
        if message.type == "error" and FAILED_LOAD not in message.text:
            problems.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and not is_probe(response.url):
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def add_headers(route):
        response = route.fetch()
        kept = {k: v for k, v in response.headers.items() if k.lower() not in REWRITTEN}
        route.fulfill(response=response, headers={**kept, **headers})

    try:
        page.route("**/*", add_headers)
        response = page.goto(f"{app_url}/{path}")
        assert response.headers["x-frame-options"] == "DENY"  # the headers did arrive
        wait_for_rerun(page, timeout=180_000)
        if path == "denoiser":
            page.get_by_role("button", name="Generate").click()
            wait_for_rerun(page, timeout=180_000)
            picture = page.get_by_role("img", name="x₀: the finished samples", exact=True)
            assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stMainBlockContainer"]').inner_text().strip()
        assert problems == [], problems
    finally:
        page.unroute_all(behavior="ignoreErrors")
        context.close()
