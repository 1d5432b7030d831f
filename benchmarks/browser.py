"""The served app measured the way people use it: in Chromium, over the DevTools protocol.

For each page at its heaviest setting it measures the bytes the websocket delivers for one
interaction (frames counted by DevTools, not estimated), the time from a slider key press to
the finished rerun (p50, p95), the cold start (server start → home page interactive), whether
torch was imported before a model page was opened, the denoiser's end-to-end generation time,
and the server's memory after start, after each page and after 30 extra sessions.

    python -m benchmarks.browser            # everything
    python -m benchmarks.browser --views    # only the browser views: key → paint, scrub, fps
                                            # (encoding, noise, the denoiser's step view)
    python -m benchmarks.browser --first-digits  # only the denoiser's first digits (prints)

Prints a table and merges its figures into benchmarks/results.json under "browser"
(``--first-digits`` only prints).
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.classroom import percentile
from benchmarks.streamlit_client import Session, rss_mb, start_server, torch_loaded
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_rerun
from timestep_lab.ui.pictures import picture_url

RESULTS = Path(__file__).with_name("results.json")

# Page, the heaviest link for it, and the slider the interaction moves.
PAGES = [
    ("encoding", "d=1024&T=1000&k=250", "k, timestep"),
    ("noise", "T=1000&k=250", "k, timestep"),
]
PRESSES = 15


class FrameMeter:
    """Counts websocket bytes received (and sent) by the page, via DevTools Network events."""

    def __init__(self, page) -> None:
        self.received = 0
        self.sent = 0
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.webSocketFrameReceived", self._on_frame)
        session.on("Network.webSocketFrameSent", self._on_sent)

    @staticmethod
    def _size(event: dict) -> int:
        response = event["response"]
        data = response["payloadData"]
        # binary frames (opcode 2) arrive base64-encoded; text frames as they are
        return len(base64.b64decode(data)) if response["opcode"] == 2 else len(data)

    def _on_frame(self, event: dict) -> None:
        self.received += self._size(event)

    def _on_sent(self, event: dict) -> None:
        self.sent += self._size(event)

    def take(self) -> int:
        value, self.received = self.received, 0
        return value

    def take_both(self) -> tuple[int, int]:
        """(received, sent) since the last call."""
        pair = (self.received, self.sent)
        self.received = self.sent = 0
        return pair


# Counts finished reruns in the page itself: each time the app's script state goes from
# "running" to anything else, window.__runs grows and window.__lastDone records the time.
RUN_OBSERVER = """
window.__runs = 0; window.__lastDone = 0;
// Each record's old value, not the attribute read in the callback: a fragment's rerun can go
// from running to done before the observer's callback runs.
new MutationObserver((records) => {
  for (const r of records) {
    if (r.oldValue === 'running' && r.target.getAttribute(r.attributeName) !== 'running') {
      window.__runs += 1; window.__lastDone = performance.now();
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
// When the page last sent and last got a websocket message, to split a key press → paint into
// the frontend's wait before it asks for a rerun, the rerun until its last message arrives
// (server, loopback, and the page handling earlier messages), and the drawing after it.
window.__lastSent = 0; window.__lastMessage = 0; window.__paintedAfterMessage = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => {
      window.__lastMessage = performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__paintedAfterMessage = performance.now();
      }));
    });
  }
  send(data) { window.__lastSent = performance.now(); return super.send(data); }
};
"""
# Resolves after two animation frames: the figure the rerun brought has been painted.
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => "
PAINTED += "r(performance.now()))))"


# The k bridge (k_sync.js) marks its host element with the k Python last drew (data-k).
BRIDGE_K = "() => document.querySelector('[data-k]')?.getAttribute('data-k')"
QUIET_MS = 250  # a rerun is over when no websocket message has come for this long


def press_and_time(
    page, slider_name: str, presses: int
) -> tuple[list[float], list[float], list[float], list[int]]:
    """Press → on a slider repeatedly; time each key press to the painted rerun, in seconds.

    Returns (press → painted, press → rerun asked, press → its last websocket message, bytes).

    A k step reruns only the k control's fragment and what follows k, often within one
    animation frame, so the app's script state may never show "running" in the DOM: the
    rerun is recognised by the bridge drawing the new k, then no message for ``QUIET_MS``.
    "Painted" is two animation frames after the last message.
    """
    meter = page.meter
    thumb = page.get_by_role("slider", name=slider_name)
    times, asked, served, sizes = [], [], [], []
    for _ in range(presses):
        wait_for_rerun(page)
        page.wait_for_function(f"() => performance.now() - window.__lastMessage > {QUIET_MS}")
        meter.take()
        before = page.evaluate(BRIDGE_K)
        thumb.focus()
        start = page.evaluate("performance.now()")
        thumb.press("ArrowRight")
        page.wait_for_function(f"() => ({BRIDGE_K})() !== {before!r}", timeout=60_000)
        page.wait_for_function(
            f"() => performance.now() - window.__lastMessage > {QUIET_MS}", timeout=60_000
        )
        sent, last, painted = page.evaluate(
            "[window.__lastSent, window.__lastMessage, window.__paintedAfterMessage]"
        )
        times.append((painted - start) / 1000)
        asked.append((sent - start) / 1000)
        served.append((last - start) / 1000)
        sizes.append(meter.take())
    return times, asked, served, sizes


# The browser views (timestep_lab/ui/components): each paints k in a requestAnimationFrame
# callback and records it on its element (data-k, data-painted = performance.now()); the noise
# page's panels (.tl-panel: §1, §3, §4, §5) follow the same k and are timed with them.
VIEWS_JS = """() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
    .flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view, .tl-panel')])"""
PLAYING_JS = """() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
    .flatMap(e => [...e.shadowRoot.querySelectorAll('.tl-view')])"""
ARM_KEY = f"""() => {{ window.__views = ({VIEWS_JS})(); window.__keyAt = null;
    addEventListener('keydown', e => {{ window.__keyAt = e.timeStamp; }},
                     {{capture: true, once: true}}); }}"""
ALL_PAINTED = """(k) => window.__views.every(v => v.dataset.k === String(k))
    && Math.max(...window.__views.map(v => Number(v.dataset.painted))) - window.__keyAt"""
FPS = f"""async (seconds) => {{
    const view = ({PLAYING_JS})()[0];  // the view whose Play button was pressed
    let frames = 0, last = view.dataset.painted;
    const t0 = performance.now();
    await new Promise(done => {{
        const tick = () => {{
            if (view.dataset.painted !== last) {{ frames += 1; last = view.dataset.painted; }}
            if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(tick); else done();
        }};
        requestAnimationFrame(tick);
    }});
    return frames / ((performance.now() - t0) / 1000);
}}"""
VIEW_PAGES = [("encoding", "d=1024&T=1000&k=100"), ("noise", "T=1000&k=100")]
SCRUB_STEPS = 100


def measure_views(page, url: str) -> dict:
    """Key press → painted frame, websocket bytes during a scrub, and fps while playing."""
    out = {}
    for name, query in VIEW_PAGES:
        page.goto(f"{url}/{name}?{query}")
        wait_for_rerun(page)
        page.wait_for_timeout(1500)  # the views' first paint (the T × d matrix)
        first = page.locator(".tl-view").first
        first.focus()
        k = int(first.get_attribute("data-k"))
        wait_for_rerun(page)
        page.meter.take_both()
        latencies = []
        for _ in range(SCRUB_STEPS):  # keys faster than the 350 ms pause that ends a gesture
            page.evaluate(ARM_KEY)
            page.keyboard.press("ArrowRight")
            k += 1
            handle = page.wait_for_function(ALL_PAINTED, arg=k, timeout=120_000)
            latencies.append(handle.json_value())
        during = page.meter.take_both()
        page.wait_for_timeout(2000)  # the gesture ends: k goes back to Python once
        wait_for_rerun(page)
        after = page.meter.take_both()
        page.get_by_role("button", name="▶ Play").first.click()
        fps = page.evaluate(FPS, 3)
        page.get_by_role("button", name="❚❚ Pause").first.click()
        wait_for_rerun(page)
        out[name] = {
            "link": f"/{name}?{query}",
            "views": page.locator(".tl-view, .tl-panel").count(),
            "key_to_paint_ms_p50": round(percentile(latencies, 50), 1),
            "key_to_paint_ms_p95": round(percentile(latencies, 95), 1),
            "scrub_steps": SCRUB_STEPS,
            "scrub_ws_bytes_received": during[0],
            "scrub_ws_bytes_sent": during[1],
            "after_scrub_ws_bytes_received": after[0],
            "after_scrub_ws_bytes_sent": after[1],
            "play_fps": round(fps, 1),
        }
    return out


DENOISE_PAINTED = """(frame) => window.__views.every(v => v.dataset.frame === String(frame))
    && [Number(window.__views[0].dataset.painted) - window.__keyAt,
        Number(window.__views[0].dataset.paintMs)]"""


def step_view_payload_bytes() -> dict:
    """JSON bytes the denoiser's step view is sent once per run (its size follows the shapes).

    The default digits run keeps all 50 steps of 16 digits; the largest runs keep 60
    (``MAX_KEPT``) steps of 64 digits, or of 4,000 points over 1,500 true ones (the most the
    page allows).
    """
    from types import SimpleNamespace

    import numpy as np

    from timestep_lab.encodings import column_roles, noise_schedule
    from timestep_lab.ui.components.denoise_views import denoise_data

    alpha_bar = noise_schedule("cosine", 1000).alpha_bar
    kind = column_roles(64)[1].tolist()
    rng = np.random.default_rng(0)

    def size(frames: int, shape: tuple, truth=None) -> int:
        steps = []
        for i in range(frames):
            arrays = {
                f: rng.standard_normal(shape).astype("f4") for f in ("xk", "eps_pred", "x0_pred")
            }
            steps.append(SimpleNamespace(index=i, k=999 - i, k_told=999.0 - i, **arrays,
                                         encoding=np.zeros(64, "f4")))  # fmt: skip
        timesteps = np.arange(999, 999 - frames, -1)
        options = dict(kind=kind, convention="transformer", emb_dim=128, x0_title="x̂₀")
        data = denoise_data(steps, timesteps, alpha_bar, width=230, truth=truth, **options)
        return len(json.dumps(data))

    return {
        "digits_default": size(50, (16, 8, 8)),
        "digits_largest": size(60, (64, 8, 8)),
        "toy2d_largest": size(60, (4000, 2), np.zeros((1500, 2))),
    }


def measure_denoise_view(page, url: str) -> dict:
    """The denoiser's step view (default run): key → painted frame, scrub bytes, play fps.

    Run after ``first_digits``: opening /denoiser starts the default run if nobody has.
    """
    page.goto(f"{url}/denoiser")
    page.get_by_text("x₀: the finished samples").wait_for(timeout=180_000)
    wait_for_rerun(page, timeout=180_000)
    view = page.locator(".tl-view").first
    view.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    view.focus()
    frames = int(view.locator("input").get_attribute("max")) + 1
    page.meter.take_both()
    latencies, paints = [], []
    for frame in range(1, frames):  # every kept step, faster than the pause that ends a gesture
        page.evaluate(ARM_KEY)
        page.keyboard.press("ArrowRight")
        handle = page.wait_for_function(DENOISE_PAINTED, arg=frame, timeout=120_000)
        latency, paint = handle.json_value()
        latencies.append(latency)
        paints.append(paint)
    during = page.meter.take_both()
    page.wait_for_timeout(2000)  # the gesture ends: the step goes back to Python once
    wait_for_rerun(page)
    after = page.meter.take_both()
    page.get_by_role("button", name="▶ Play").first.click()  # from the end: starts over
    fps = page.evaluate(FPS, 3)
    page.get_by_role("button", name="❚❚ Pause").first.click()
    wait_for_rerun(page)
    return {
        "link": "/denoiser (the default run)",
        "views": page.locator(".tl-view").count(),
        "key_to_paint_ms_p50": round(percentile(latencies, 50), 1),
        "key_to_paint_ms_p95": round(percentile(latencies, 95), 1),
        "draw_ms_p95": round(percentile(paints, 95), 1),
        "scrub_steps": frames - 1,
        "scrub_ws_bytes_received": during[0],
        "scrub_ws_bytes_sent": during[1],
        "after_scrub_ws_bytes_received": after[0],
        "after_scrub_ws_bytes_sent": after[1],
        "play_fps": round(fps, 1),  # paced: one kept step every 120 ms (denoise_views.js)
        "payload_bytes": step_view_payload_bytes(),
    }


# Polls in the page (every 20 ms, from the first script on) for a finished digit picture: the
# time is the page's own clock, from navigation start. (Playwright's text search, polled from
# outside, answered seconds late while the page's main thread was busy with later sections.)
FIRST_PICTURE = """window.__firstPicture = null; window.__firstTitle = null;
(() => { const poll = () => {
  if (window.__firstTitle === null && document.querySelector('h1'))
    window.__firstTitle = performance.now();
  const shown = [...document.querySelectorAll('[data-testid=stMarkdownContainer] img')]
    .some(i => i.complete && i.naturalWidth > 0);
  if (shown) window.__firstPicture = performance.now(); else setTimeout(poll, 20);
}; poll(); })();"""
FIRST_PICTURE_MARKS = """() => ({
  picture: window.__firstPicture,
  title: window.__firstTitle,
  frontend: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
})"""


def is_picture(element) -> bool:
    """Whether a new element is a picture of ``timestep_lab.ui.pictures.show_picture``: a
    markdown image of a data: URL."""
    return element.WhichOneof("type") == "markdown" and bool(picture_url(element.markdown.body))


def first_digits(playwright, url: str) -> list[dict]:
    """Seconds from opening /denoiser (no link settings) to finished digits on screen.

    Three fresh learners in turn: the first after a server start may start the default run
    (torch imported, the model loaded, the run sampled); the others get it from the shared
    store. The first picture on that page is the finished samples (x₀). Each learner's time
    is split by the page clock (from navigation start): ``frontend``, Streamlit's own
    JavaScript loaded and run (DOMContentLoaded); ``title``, the page's title drawn (the
    websocket open, the script's first messages); ``received``, the websocket message with
    the first picture arrived (DevTools' clock, from the page's first request); ``picture``,
    the digits painted. What lies between ``received`` and ``picture`` is the browser's work
    on the page's messages, not the server's.
    """
    learners = []
    for _ in range(3):  # each learner has a browser of their own (nothing else drawing)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.add_init_script(FIRST_PICTURE)
        clock: dict[str, float] = {}
        devtools = context.new_cdp_session(page)
        devtools.send("Network.enable")

        def sent(event: dict, clock: dict = clock) -> None:
            clock.setdefault("start", event["timestamp"])  # the page's first request

        def received(event: dict, clock: dict = clock) -> None:
            response = event["response"]
            if "picture" in clock or response["opcode"] != 2:
                return
            message = ForwardMsg.FromString(base64.b64decode(response["payloadData"]))
            delta = message.delta if message.WhichOneof("type") == "delta" else None
            if delta is not None and is_picture(delta.new_element):
                clock["picture"] = event["timestamp"]

        devtools.on("Network.requestWillBeSent", sent)
        devtools.on("Network.webSocketFrameReceived", received)
        page.goto(f"{url}/denoiser")
        page.wait_for_function("() => window.__firstPicture !== null", timeout=180_000)
        page.get_by_text("x₀: the finished samples").wait_for(timeout=60_000)
        marks = page.evaluate(FIRST_PICTURE_MARKS)
        learner = {name: round(ms / 1000, 2) for name, ms in marks.items()}
        learner["received"] = round(clock["picture"] - clock["start"], 2)
        learners.append(learner)
        browser.close()
    return learners


def print_first_digits(learners: list[dict]) -> None:
    print(
        "denoiser: finished default digits on screen (page clock from navigation start), the "
        "first learner after a server start, then two more: "
        + "; ".join(
            f"{m['picture']} s (Streamlit's frontend loaded {m['frontend']} s, title "
            f"{m['title']} s, the digits' message received {m['received']} s)"
            for m in learners
        )
    )


def print_views(views: dict) -> None:
    print(
        f"{'view page':10} {'views':>5} {'key→paint p50':>14} {'p95 ms':>7} "
        f"{'ws bytes in/out during 100 steps':>33} {'after':>15} {'play fps':>9}"
    )
    for name, row in views.items():
        if not isinstance(row, dict):
            continue
        print(
            f"{name:10} {row['views']:>5} {row['key_to_paint_ms_p50']:>14} "
            f"{row['key_to_paint_ms_p95']:>7} "
            f"{row['scrub_ws_bytes_received']:>16,} / {row['scrub_ws_bytes_sent']:<14,} "
            f"{row['after_scrub_ws_bytes_received']:>7,} / {row['after_scrub_ws_bytes_sent']:<6,}"
            f"{row['play_fps']:>9}"
        )
    step = views.get("denoiser")
    if isinstance(step, dict):
        payload = step["payload_bytes"]
        print(
            f"denoiser step view: {step['scrub_steps']} steps scrubbed (all the run keeps); draw "
            f"p95 {step['draw_ms_p95']} ms a frame; sent once per run: "
            f"{payload['digits_default']:,} bytes (default digits run), "
            f"{payload['digits_largest']:,} (largest digits run), {payload['toy2d_largest']:,} "
            "(largest toy2d run); play is paced at 120 ms a step"
        )


def measure_views_only() -> dict:
    process, url, _ = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.meter = FrameMeter(page)
            report = measure_views(page, url)
            report["denoiser_first_digits_s"] = first_digits(playwright, url)
            report["denoiser"] = measure_denoise_view(page, url)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return report


def measure() -> dict:
    process, url, health_s = start_server()
    report: dict = {"server_healthy_s": round(health_s, 2)}
    try:
        report["rss_mb_after_start"] = round(rss_mb(process.pid))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(RUN_OBSERVER)
            page.meter = FrameMeter(page)
            start = time.perf_counter()
            page.goto(url)
            wait_for_rerun(page)
            report["home_interactive_s"] = round(time.perf_counter() - start, 2)
            report["rss_mb_after_home"] = round(rss_mb(process.pid))
            report["pages"] = {}
            for name, query, slider in PAGES:
                page.goto(f"{url}/{name}?{query}")
                wait_for_rerun(page)
                times, asked, served, sizes = press_and_time(page, slider, PRESSES)
                report["pages"][name] = {
                    "link": f"/{name}?{query}",
                    "bytes_per_update_median": int(statistics.median(sizes)),
                    "bytes_per_update_max": max(sizes),
                    "update_ms_p50": round(1000 * percentile(times, 50)),
                    "update_ms_p95": round(1000 * percentile(times, 95)),
                    "rerun_asked_ms_p50": round(1000 * percentile(asked, 50)),
                    "last_message_ms_p50": round(1000 * percentile(served, 50)),
                    "rss_mb_after": round(rss_mb(process.pid)),
                }
            report["views"] = measure_views(page, url)
            report["torch_loaded_before_model_page"] = torch_loaded(process.pid)
            report["views"]["denoiser_first_digits_s"] = first_digits(playwright, url)
            report["views"]["denoiser"] = measure_denoise_view(page, url)
            page.goto(f"{url}/denoiser")
            wait_for_rerun(page)
            timings, sizes = [], []
            for attempt in range(3):  # the first run also loads the model
                if attempt:  # a new seed, so the run is sampled again, not shared
                    seed = page.get_by_role("slider", name="Seed")
                    seed.focus()
                    seed.press("ArrowRight")
                    wait_for_rerun(page)
                page.meter.take()
                runs = page.evaluate("window.__runs")
                start = page.evaluate("performance.now()")
                page.get_by_role("button", name="Generate").click()
                page.wait_for_function(f"window.__runs > {runs}", timeout=120_000)
                timings.append((page.evaluate(PAINTED) - start) / 1000)
                wait_for_rerun(page)
                sizes.append(page.meter.take())
            report["denoiser"] = {
                "generate_first_s": round(timings[0], 2),
                "generate_warm_s": [round(t, 2) for t in timings[1:]],
                "generate_bytes": sizes[-1],
                "torch_loaded_after": torch_loaded(process.pid),
                "rss_mb_after": round(rss_mb(process.pid)),
            }
            browser.close()
        asyncio.run(thirty_sessions(url))
        report["rss_mb_after_30_sessions"] = round(rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return report


async def thirty_sessions(url: str) -> None:
    async def one(number: int) -> None:
        async with Session(url) as session:
            await session.open("encoding", f"k={number}")
            await session.open("noise", f"k={number}")

    await asyncio.gather(*(one(i) for i in range(30)))


def main() -> None:
    import sys

    if "--first-digits" in sys.argv:  # three learners on a fresh server; nothing saved
        process, url, _ = start_server()
        try:
            with sync_playwright() as playwright:
                print_first_digits(first_digits(playwright, url))
        finally:
            process.terminate()
            process.wait(timeout=30)
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "--views" in sys.argv:  # only the browser views (faster on a busy machine)
        views = measure_views_only()
        print_views(views)
        print_first_digits(views["denoiser_first_digits_s"])
        results.setdefault("browser", {})["views"] = views
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        return
    report = measure()
    print(
        f"server healthy after {report['server_healthy_s']} s; home interactive after "
        f"{report['home_interactive_s']} s; torch imported before a model page: "
        f"{report['torch_loaded_before_model_page']}"
    )
    print(
        f"{'page':10} {'bytes/update':>13} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'asked p50':>10} {'last msg p50':>13} {'RSS MB':>7}"
    )
    for name, row in report["pages"].items():
        print(
            f"{name:10} {row['bytes_per_update_median']:>13,} {row['update_ms_p50']:>7} "
            f"{row['update_ms_p95']:>7} {row['rerun_asked_ms_p50']:>10} "
            f"{row['last_message_ms_p50']:>13} {row['rss_mb_after']:>7}"
        )
    gen = report["denoiser"]
    print(
        f"denoiser: generate (default settings) end to end {gen['generate_first_s']} s the "
        f"first time (loads the model), then {gen['generate_warm_s']} s; "
        f"{gen['generate_bytes']:,} bytes; RSS {gen['rss_mb_after']} MB"
    )
    print(
        f"RSS MB: after start {report['rss_mb_after_start']}, after home "
        f"{report['rss_mb_after_home']}, after 30 more sessions "
        f"{report['rss_mb_after_30_sessions']}"
    )
    print_views(report["views"])
    print_first_digits(report["views"]["denoiser_first_digits_s"])
    results["browser"] = report
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
