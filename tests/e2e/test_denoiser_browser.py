"""The denoiser page in real Chromium: Generate streams frames and ends on finished samples;
the step-by-step view is driven like a hand (keys, a drag, play)."""

import base64
import io
import math
import re

import numpy as np
from PIL import Image
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.conftest import open_app, wait_for_rerun
from timestep_lab.encodings import noise_schedule, sampling_timesteps
from timestep_lab.figures import denoiser as fig
from timestep_lab.models.pretrained import SCHEDULE

T = SCHEDULE["num_timesteps"]


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
    image = page.get_by_role("img", name="x₀: the finished samples", exact=True)
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


class Messages:
    """The websocket messages of a page, decoded (Streamlit's ForwardMsg), and bytes each way."""

    def __init__(self, page) -> None:
        self.received: list[ForwardMsg] = []
        self.bytes_received = self.bytes_sent = 0
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.webSocketFrameReceived", self._received)
        session.on("Network.webSocketFrameSent", self._sent)

    def _received(self, event: dict) -> None:
        response = event["response"]
        if response["opcode"] == 2:  # binary: a ForwardMsg
            data = base64.b64decode(response["payloadData"])
            self.bytes_received += len(data)
            self.received.append(ForwardMsg.FromString(data))

    def _sent(self, event: dict) -> None:
        self.bytes_sent += len(event["response"]["payloadData"])

    def reset(self) -> None:
        self.received.clear()
        self.bytes_received = self.bytes_sent = 0

    def finished(self) -> list[int]:
        """How each script run since the reset ended (ForwardMsg.ScriptFinishedStatus)."""
        return [
            m.script_finished for m in self.received if m.WhichOneof("type") == "script_finished"
        ]


def diagram_shows(page, k: int) -> None:
    """Wait until the network diagram (Graphviz's SVG) prints k = ``k``."""
    page.wait_for_function(
        "(text) => [...document.querySelectorAll('[data-testid=stGraphVizChart] svg text')]"
        ".some(t => t.textContent === text)",
        arg=f"k = {k}",
        timeout=60_000,
    )


def test_the_step_view_scrubs_in_the_browser_and_only_the_diagram_follows(page, app_url):
    messages = Messages(page)
    open_app(page, f"{app_url}/denoiser?sampler=ddim&steps=20&seed=4343")
    messages.reset()
    page.get_by_role("button", name="Generate").click()
    wait_for_rerun(page, timeout=180_000)
    generated = messages.bytes_received  # the page with every kept frame in it
    view = page.locator(".tl-view")
    view.first.wait_for(timeout=60_000)  # the component mounts once its module has loaded
    assert view.count() == 1
    timesteps = sampling_timesteps(T, 20, "trailing")
    schedule = noise_schedule(SCHEDULE["name"], T, zero_terminal_snr=SCHEDULE["zero_terminal_snr"])
    assert view.get_attribute("data-k") == str(timesteps[0])
    xk = view.locator('canvas[data-picture="xk"]')
    empty = np.zeros((16, 8, 8))  # the default 16 digits: the PNG grid's size, in pixels
    height, width = fig.sample_picture(empty, width=230).shape
    assert xk.evaluate("c => [c.height, c.width]") == [height, width]
    before = xk.evaluate("c => c.toDataURL()")

    # arrow keys: the frames change in the browser; when the keys rest, the step goes back
    messages.reset()
    view.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    k = int(timesteps[4])
    page.wait_for_function(
        "() => [...document.querySelectorAll('*')]"
        ".filter(e => e.shadowRoot).flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view')])"
        ".some(v => v.dataset.index === '4')"
    )
    assert xk.evaluate("c => c.toDataURL()") != before
    ab = float(schedule.alpha_bar[k])
    text = view.inner_text()
    for shown in ("5 of 20", f"{ab:.5f}", f"x_k at k = {k}",
                  f"At k = {k}, x_k = {math.sqrt(ab):.3f}·x₀ + {math.sqrt(1 - ab):.3f}·ε. "
                  f"The network received P({k}): 64 values, transformer layout"):  # fmt: skip
        assert shown in text, shown
    diagram_shows(page, k)
    wait_for_rerun(page)
    ok, fragment = ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    # One fragment run (the callback's keyed rerun replaces the interaction's own run, which
    # stops before the page's body, FINISHED_EARLY_FOR_RERUN); never a run of the whole page.
    assert messages.finished().count(fragment) == 1 and ok not in messages.finished()
    assert messages.bytes_received < generated / 10  # the frames were not sent again

    # a drag along the ᾱ curve: nothing is sent while the pointer is down
    curve = view.locator("canvas.tl-canvas").first
    curve.scroll_into_view_if_needed()
    box = curve.bounding_box()
    y = box["y"] + box["height"] / 2
    messages.reset()
    page.mouse.move(box["x"] + 0.9 * box["width"], y)
    page.mouse.down()
    for fraction in (0.8, 0.6, 0.4, 0.3):
        page.mouse.move(box["x"] + fraction * box["width"], y)
    page.wait_for_timeout(500)
    dragged = int(view.get_attribute("data-k"))
    assert dragged < k
    assert (messages.bytes_sent, messages.bytes_received) == (0, 0), messages.received
    page.mouse.up()
    diagram_shows(page, dragged)
    wait_for_rerun(page)
    assert messages.finished().count(fragment) == 1 and ok not in messages.finished()

    # play: the frames advance on their own; pause sends the step shown
    messages.reset()
    view.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(
        "(k) => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view')])"
        ".some(v => Number(v.dataset.k) < k)",
        arg=dragged,
    )
    # Pause, unless the last step came first (play then stops and sends it by itself)
    page.evaluate(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-play')])"
        ".forEach(b => b.textContent.startsWith('❚❚') && b.click())"
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    played = int(view.get_attribute("data-k"))  # the step painted last is the one sent
    assert played in timesteps and played < dragged
    diagram_shows(page, played)
    wait_for_rerun(page)
    assert ok not in messages.finished()

    # the browser's x̂₀ halfway is the server's picture of it (section 1, drawn wider)
    caption = page.get_by_text(re.compile(r"x̂₀ halfway, at k = \d+"))
    halfway_k = int(re.search(r"k = (\d+)", caption.text_content()).group(1))
    view.focus()
    page.keyboard.press("Home")
    for _ in range(list(timesteps).index(halfway_k)):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(k) => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
        ".flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view')])"
        ".some(v => v.dataset.k === k)",
        arg=str(halfway_k),
    )
    x0 = view.locator('canvas[data-picture="x0"]')
    drawn = x0.evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
        ".filter((_, i) => i % 4 === 0)"
    )
    drawn = np.array(drawn, dtype=np.uint8).reshape(height, width)
    image = page.get_by_role("img", name=re.compile("^x̂₀ halfway, at k = "))
    source = image.get_attribute("src")
    served = np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))
    np.testing.assert_array_equal(grey_levels(drawn, 16), grey_levels(served, 16))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors


def test_generate_again_reruns_only_section_1_and_a_new_run_redraws_the_page(page, app_url):
    messages = Messages(page)
    open_app(page, f"{app_url}/denoiser?sampler=ddim&steps=10&seed=4545")
    ok, fragment = ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    page.get_by_role("button", name="Generate").click()
    wait_for_rerun(page, timeout=180_000)
    # The run appeared inside the fragment, so the whole page ran once more: the step view
    # shows it and section 4's diagram marks its first step.
    diagram_shows(page, int(sampling_timesteps(T, 10, "trailing")[0]))
    assert ok in messages.finished()
    page.locator(".tl-view").first.wait_for(timeout=60_000)

    messages.reset()
    page.get_by_role("button", name="Generate").click()
    wait_for_rerun(page, timeout=60_000)
    assert page.get_by_text(re.compile(r"Done: 10 steps")).is_visible()
    assert messages.finished() == [fragment]  # section 1 only, never the whole page
    elements = [
        m.delta
        for m in messages.received
        if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
    ]
    assert elements and all(d.fragment_id for d in elements)  # no sidebar, no section 4
    kinds = {d.new_element.WhichOneof("type") for d in elements}
    assert not kinds & {"bidi_component", "plotly_chart"}  # the run's frames are not resent
    assert page.locator(".tl-view").count() == 1  # the step view stays
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors


def test_a_finger_moves_the_step_view_along_the_curve(browser, app_url):
    context = browser.new_context(viewport={"width": 900, "height": 1000}, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_app(page, f"{app_url}/denoiser?sampler=ddim&steps=20&seed=4444")
        page.get_by_role("button", name="Generate").click()
        wait_for_rerun(page, timeout=180_000)
        view = page.locator(".tl-view")
        view.wait_for(timeout=60_000)
        curve = view.locator("canvas.tl-canvas").first
        curve.scroll_into_view_if_needed()
        box = curve.bounding_box()
        y = box["y"] + box["height"] / 2
        touch = page.context.new_cdp_session(page)

        def finger(kind: str, fraction: float | None = None) -> None:
            points = [] if fraction is None else [{"x": box["x"] + fraction * box["width"], "y": y}]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        finger("touchStart", 0.85)
        for fraction in (0.7, 0.5, 0.35):
            finger("touchMove", fraction)
        page.wait_for_timeout(300)
        k = int(view.get_attribute("data-k"))
        assert k < 999 and k in sampling_timesteps(T, 20, "trailing")
        finger("touchEnd")
        diagram_shows(page, k)  # the finger lifted: the step went back to Python
        assert errors == []
    finally:
        context.close()


def grey_levels(picture: np.ndarray, num: int) -> np.ndarray:
    """The 8×8 grey levels of each digit in a grid picture, whatever its upscale (image_grid)."""
    columns = fig.grid_columns(num)
    scale = picture.shape[1] // (columns * (8 + fig.GRID_GAP) - fig.GRID_GAP)
    step = (8 + fig.GRID_GAP) * scale
    tiles = [
        picture[r * step : r * step + 8 * scale : scale, c * step : c * step + 8 * scale : scale]
        for r, c in (divmod(n, columns) for n in range(num))
    ]
    return np.stack(tiles)


def test_the_first_view_shows_finished_digits_without_generate(page, app_url):
    open_app(page, f"{app_url}/denoiser")
    page.get_by_text("x₀: the finished samples").wait_for(timeout=180_000)
    wait_for_rerun(page, timeout=180_000)
    assert page.get_by_text(re.compile(r"Done: 50 steps, k = 999 down to \d+")).is_visible()
    # Drawn by the page's markdown, its alternative text the caption (escaped on the server).
    image = page.get_by_role("img", name="x₀: the finished samples", exact=True)
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    halfway = page.get_by_role("img", name=re.compile("^x̂₀ halfway"))
    caption = page.get_by_text(re.compile("^x̂₀ halfway, at k = \\d+: the estimate of x₀ there$"))
    assert halfway.get_attribute("alt") == caption.first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == [], page.errors
