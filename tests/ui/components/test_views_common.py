"""The views' shared module (views_common.js), run in Chromium as the app serves it.

Its text reaches a component inlined (``module_source``); these tests check that the inlined
text binds names as an ES import does, and drive the shared scrubber (keys, range, play) the
way a hand does, with each option the three views use.
"""

import base64

import pytest

from tests.ui.components.conftest import module_url
from timestep_lab.ui.components import (
    inline_imports,
    json_bytes,
    shared_exports,
    source,
    typed_array,
)

pytestmark = pytest.mark.browser


def data_url(text: str) -> str:
    return "data:text/javascript;base64," + base64.b64encode(text.encode()).decode()


SHARED = """const calls = { count: 0 };
function helper(x) {
  calls.count += 1;
  return x + 1;
}
export function next(x) {
  return helper(x);
}
export function count() {
  return calls.count;
}
export const NAME = "shared";
"""

COMPONENT = """import { next, count as howMany, NAME } from "./shared.js";
export { NAME };
export function probe() {
  return [next(1), next(2), howMany(), typeof helper, typeof calls, typeof count];
}
export default function () {}
"""


def test_inlined_names_are_bound_as_an_es_import_binds_them(js_page):
    served = inline_imports("view.js", COMPONENT, {"shared.js": SHARED}.get)
    got = js_page.evaluate(
        "async (url) => { const m = await import(url); return [m.NAME, m.probe()]; }",
        data_url(served),
    )
    # imported and re-exported names work, an alias too; the shared module's private names
    # (helper, calls) and the un-aliased name stay out of the component's scope
    assert got == ["shared", [2, 3, 2, "undefined", "undefined", "undefined"]]


def test_the_views_and_the_k_bridge_announce_k_with_the_same_event(js_page):
    got = js_page.evaluate(
        """async ([common, bridge]) =>
            [(await import(common)).K_EVENT, (await import(bridge)).K_EVENT]""",
        [module_url("views_common.js"), module_url("k_sync.js")],
    )
    assert got[0] == got[1] == "timestep-lab:k"
    assert "K_EVENT" in shared_exports("views_common.js", source("views_common.js"))


# A view of positions 0 … 99 on a blank page, driven by synthetic key and input events.
SCRUB = """async ([url, how, script]) => {
    const m = await import(url);
    const s = m.toolbarView({ label: "test view", rangeLabel: "position" });
    document.body.replaceChildren(s.wrap);
    let position = 0;
    const commits = [];
    const options = {
        position: () => position,
        last: () => 99,
        moveTo: (p) => { position = Math.max(0, Math.min(99, Math.round(p))); },
        commit: () => commits.push(position),
        playMs: 1,
        ...how,
    };
    const control = m.scrubber(s, options);
    const key = (name, target = s.wrap, shiftKey = false) =>
        target.dispatchEvent(new KeyboardEvent("keydown", { key: name, shiftKey, bubbles: true }));
    const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
    const seen = [];
    const input = (value) => {
        s.range.value = String(value);
        s.range.dispatchEvent(new Event("input"));
    };
    for (const [what, ...args] of script) {
        const target = args[1] === "range" ? s.range : s.wrap;
        if (what === "key") key(args[0], target, args[2] === "shift");
        else if (what === "input") input(args[0]);
        else if (what === "play") s.play.click();
        else if (what === "wait") await sleep(args[0]);
        else if (what === "until-stopped") { while (control.playing) await sleep(5); }
        seen.push([position, control.playing, s.play.textContent, commits.length]);
    }
    control.dispose();
    return { seen, commits };
}"""


def scrub(js_page, how: dict, script: list) -> dict:
    return js_page.evaluate(SCRUB, [module_url("views_common.js"), how, script])


def test_keys_move_the_position_and_commit_once_they_rest(js_page):
    got = scrub(
        js_page,
        {},  # the encoding and noise views' keys
        [
            ["key", "ArrowRight"],
            ["key", "ArrowUp"],
            ["key", "ArrowRight", "wrap", "shift"],
            ["key", "PageUp"],
            ["key", "ArrowLeft"],
            ["key", "PageDown"],
            ["key", "End"],
            ["key", "ArrowRight"],
            ["key", " "],  # Space is not the noise view's key
            ["wait", 500],
            ["key", "Home"],
            ["key", "ArrowDown"],
            ["wait", 500],
        ],
    )
    positions = [row[0] for row in got["seen"]]
    assert positions == [1, 2, 12, 22, 21, 11, 99, 99, 99, 99, 0, 0, 0]
    assert not any(row[1] for row in got["seen"])  # nothing started play
    assert got["commits"] == [99, 0]  # one commit when the keys rested, not one per key


def test_the_denoiser_options_page_by_5_without_shift_and_leave_the_range_its_keys(js_page):
    got = scrub(
        js_page,
        {"page": 5, "shift": False, "rangeKeys": True},
        [
            ["key", "PageUp"],
            ["key", "ArrowRight", "wrap", "shift"],
            ["key", "ArrowRight", "range"],  # the focused range moves itself (native)
            ["key", "PageDown"],
        ],
    )
    assert [row[0] for row in got["seen"]] == [5, 6, 6, 1]


def test_play_runs_to_the_end_and_commits_there_and_space_toggles_it(js_page):
    got = scrub(
        js_page,
        {"step": 7, "space": True},
        [["play"], ["until-stopped"], ["key", " "], ["key", " "], ["wait", 50]],
    )
    start, end, again, paused, _ = got["seen"]
    assert start[1:] == [True, "❚❚ Pause", 0]
    assert end == [99, False, "▶ Play", 1]  # stopped at the last position, committed once
    assert again[0] == 0 and again[1:3] == [True, "❚❚ Pause"]  # from the end: starts over
    assert paused[1:3] == [False, "▶ Play"]
    assert got["commits"][0] == 99 and len(got["commits"]) == 2  # Space's pause commits too


@pytest.mark.parametrize(("stop_on_input", "playing_after"), [(False, True), (True, False)])
def test_moving_the_range_during_play_stops_it_only_when_asked(
    js_page, stop_on_input, playing_after
):
    got = scrub(
        js_page,
        {"stopOnInput": stop_on_input, "playMs": 60000},  # play, but no tick within the test
        [["play"], ["input", 40]],
    )
    assert got["seen"][1][0] == 40 and got["seen"][1][1] is playing_after
    assert got["commits"] == []  # a range move commits on its change event, not on input


DRAG = """async (url) => {
    const m = await import(url);
    const target = document.createElement("canvas");
    target.style.cssText = "position: absolute; left: 0; top: 0; width: 200px; height: 100px";
    document.body.replaceChildren(target);
    window.__drag = { moves: [], begins: 0, ends: 0, hovers: 0 };
    // the position is x / 2 on the left half; the right half is no position (null)
    const at = (event) => (event.offsetX < 100 ? Math.round(event.offsetX / 2) : null);
    m.dragOn(target, {
        at,
        begin: () => (window.__drag.begins += 1),
        moveTo: (p) => window.__drag.moves.push(p),
        end: () => (window.__drag.ends += 1),
        hover: () => (window.__drag.hovers += 1),
    });
}"""


def test_a_drag_moves_from_press_to_release_and_only_where_there_is_a_position(js_page):
    js_page.evaluate(DRAG, module_url("views_common.js"))
    mouse = js_page.mouse
    mouse.move(150, 50)  # no drag yet: a hover
    mouse.down()  # on no position: no drag starts
    mouse.move(160, 50)
    mouse.up()
    assert js_page.evaluate("window.__drag") == {"moves": [], "begins": 0, "ends": 0, "hovers": 2}
    mouse.move(20, 50)
    mouse.down()
    mouse.move(40, 50)
    mouse.move(150, 50)  # off any position mid-drag: k stays where it was
    mouse.move(60, 50)
    mouse.up()
    mouse.move(80, 50)
    got = js_page.evaluate("window.__drag")
    assert got["moves"] == [10, 20, 30] and got["begins"] == 1 and got["ends"] == 1
    # hovers: the two before, the move to the press, the null move mid-drag, the move after
    assert got["hovers"] == 2 + 1 + 1 + 1


RECEIVED = """async ([url, text]) => {
    const m = await import(url);
    return [m.received(new TextEncoder().encode(text)), m.received({ k: 3 })];
}"""


def test_received_reads_the_json_bytes_python_sends(js_page):
    data = {"k": 7, "presenter": False, "title": "ε̂ over ±3", "alphaBar": typed_array([0.5])}
    text = json_bytes(data).decode("utf-8")
    from_bytes, as_is = js_page.evaluate(RECEIVED, [module_url("views_common.js"), text])
    assert from_bytes == data and as_is == {"k": 3}
