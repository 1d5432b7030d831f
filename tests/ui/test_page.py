"""Classroom settings from the URL (hide, presenter) and the link to the current view."""

import json
from urllib.parse import parse_qs

from tests.conftest import open_page, warnings_text

PAGE = "app_pages/encoding.py"


def link_query(at) -> dict[str, list[str]]:
    code = [c.value for c in at.code if c.value.startswith("?") or "://" in c.value]
    assert len(code) == 1, code
    return parse_qs(code[0].split("?", 1)[1])


def chart_height(at, key: str) -> int:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)["layout"]["height"]


def test_hidden_controls_vanish_and_keep_the_link_value():
    at = open_page(PAGE, {"hide": "d,n", "d": "48", "k": "7"})
    assert not at.exception and not at.warning
    keys = {s.key for s in at.slider} | {s.key for s in at.select_slider}
    assert "d" not in keys and "n" not in keys and "k" in keys
    views = [
        json.loads(c.proto.json)
        for c in at.get("bidi_component")
        if c.proto.component_name.endswith("encoding_views")
    ]
    assert views and all(v["k"] == 7 and v["d"] == 48 for v in views)
    assert "d = 48" in at.caption[0].value
    # the value survives reruns caused by other controls
    at.slider(key="k").set_value(8).run()
    at.run()
    assert "d = 48" in at.caption[0].value


def test_a_hidden_control_still_corrects_a_bad_link_value():
    at = open_page(PAGE, {"hide": "d", "d": "5000"})
    assert "outside the valid range 2 … 1024" in warnings_text(at)
    assert "d = 1024" in at.caption[0].value


def test_link_to_view_reproduces_every_control():
    at = open_page(PAGE, {"d": "64", "k": "9", "hide": "n", "presenter": "1"})
    query = link_query(at)
    assert query["d"] == ["64"] and query["k"] == ["9"] and query["n"] == ["10000"]
    assert query["T"] == ["1000"] and query["layout"] == ["transformer"]
    assert query["i"] == ["8"] and query["delta"] == ["5"]
    assert query["hide"] == ["n"] and query["presenter"] == ["1"]
    reopened = open_page(PAGE, {key: values[0] for key, values in query.items()})
    assert not reopened.exception and not reopened.warning
    assert link_query(reopened) == query


def test_presenter_mode_enlarges_figures():
    plain = open_page(PAGE)
    big = open_page(PAGE, {"presenter": "1"})
    assert not big.exception
    assert chart_height(big, "wavelengths") > chart_height(plain, "wavelengths")
    views = [
        json.loads(c.proto.json)
        for c in big.get("bidi_component")
        if c.proto.component_name.endswith("encoding_views")
    ]
    assert views and all(v["presenter"] for v in views)
    assert len(big.get("html")) == 1 and len(plain.get("html")) == 0


def test_hostile_classroom_settings_get_notes():
    at = open_page(PAGE, {"presenter": "maybe", "hide": "d,<script>,n"})
    assert not at.exception
    text = warnings_text(at)
    assert "`presenter` should be 1 or 0" in text
    assert "`hide` lists names of controls" in text
    keys = {s.key for s in at.slider}
    assert "d" not in keys
    many = open_page(PAGE, {"hide": ",".join(f"x{i}" for i in range(100))})
    assert "more than 32 names" in warnings_text(many)
    assert not many.exception


def test_a_shared_figure_is_serialised_once_and_sends_the_same_json():
    import numpy as np
    import plotly.graph_objects as go
    import plotly.io as pio

    from timestep_lab.ui.page import presenter_size, shared_figure

    original = go.Figure(
        [go.Scatter(x=np.arange(50), y=np.sin(np.arange(50)))], layout={"height": 300}
    )
    expected = json.loads(pio.to_json(original))
    expected_twin = json.loads(pio.to_json(presenter_size(original)))
    shared = shared_figure(original)
    assert shared is original  # no copy
    assert json.loads(pio.to_json(shared)) == expected
    first = shared.to_dict()
    assert shared.to_dict() is first  # kept, not rebuilt on the next draw
    twin = shared.presenter_twin()
    assert twin is shared.presenter_twin()
    assert json.loads(pio.to_json(twin)) == expected_twin
    assert twin.layout.height > 300
    # Changed after all (it should not be): it forgets what it kept, never sends it stale.
    shared.update_layout(height=310)
    assert shared.to_dict()["layout"]["height"] == 310
    assert shared.presenter_twin().layout.height == int(310 * 1.3)
    shared.data[0].marker.color = "red"
    shared.add_trace(go.Scatter(x=[0], y=[0]))
    assert shared.to_dict()["data"][0]["marker"]["color"] == "red"
    assert len(shared.to_dict()["data"]) == 2
