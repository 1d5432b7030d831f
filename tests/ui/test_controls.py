"""URL-bound controls: what a link may carry, and what the learner sees when it is wrong."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from timestep_lab.ui.controls import parse_int
from timestep_lab.ui.downloads import csv_text


def controls_script():
    import streamlit as st

    from timestep_lab.ui import bool_control, choice_control, int_control, log_control

    st.write(
        {
            "count": int_control("Count", "count", 1, 9, 5),
            "pick": choice_control("Pick", "pick", ["a", "b"], "a", widget="radio"),
            "mode": choice_control("Mode", "mode", ["x", "y"], "x", widget="segmented"),
            "on": bool_control("On", "on", False),
            "scale": log_control("Scale", "scale", [1, 10, 100], 10),
        }
    )


def run(query):
    at = AppTest.from_function(controls_script, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", (12, True)),
        (" 7 ", (7, True)),
        ("1e3", (1000, True)),
        ("12.9", (12, False)),
        ("-3", (-3, True)),
        ("abc", (None, False)),
        ("inf", (None, False)),
        ("nan", (None, False)),
        ("", (None, False)),
        ("9" * 50, (10**18, True)),  # beyond every control's range, read without a huge int
        ("1e999999999", (10**18, True)),
        ("-1e999999999", (-(10**18), True)),
        ("\u0663", (None, False)),  # Arabic-Indic three: Python's int() would read 3
        ("1_0", (None, False)),  # Python's int() would read 10
        ("1e-400", (0, False)),  # float() would read exactly 0
        ("+5", (5, True)),
    ],
)
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("query", "values", "warned"),
    [
        ({}, {"count": 5, "pick": "a", "mode": "x", "on": False, "scale": 10}, False),
        (
            {"count": "8", "pick": "b", "mode": "y", "on": "true", "scale": "100"},
            {"count": 8, "pick": "b", "mode": "y", "on": True, "scale": 100},
            False,
        ),
        ({"on": "1"}, {"on": True}, False),
        ({"on": "off"}, {"on": False}, False),
        ({"on": "maybe"}, {"on": False}, True),
        ({"pick": "c"}, {"pick": "a"}, True),
        ({"mode": "../../etc/passwd"}, {"mode": "x"}, True),
        ({"scale": "30"}, {"scale": 10}, True),
        ({"scale": "70"}, {"scale": 100}, True),
        ({"count": "0"}, {"count": 1}, True),
    ],
)
def test_links(query, values, warned):
    at = run(query)
    assert not at.exception
    shown = at.json[0].value
    for key, value in values.items():
        assert f'"{key}":{str(value).lower() if isinstance(value, bool) else repr(value)}'.replace(
            "'", '"'
        ) in shown.replace(" ", ""), (key, shown)
    assert bool(at.warning) == warned


def test_csv_text_keeps_full_precision():
    text = csv_text(["k", "v"], [np.array([0, 1]), np.array([np.pi, -1 / 3])])
    lines = text.strip().splitlines()
    assert lines[0] == "k,v"
    assert float(lines[1].split(",")[1]) == np.pi
    assert float(lines[2].split(",")[1]) == -1 / 3


def warnings_of(at) -> str:
    return "\n".join(str(w.value) for w in at.warning)


@pytest.mark.parametrize(
    ("key", "raw", "shown", "reason"),
    [
        ("count", "\u0663", 5, "which is not a number"),  # ٣: not ASCII digits
        ("count", "1_0", 5, "which is not a number"),
        ("count", "1e-400", 1, "outside the valid range 1 … 9"),  # exactly 0, not "0 as a float"
        ("count", "1e999999999", 9, "outside the valid range 1 … 9"),
        ("scale", "1e-400", 10, "which is not a positive number"),
        ("scale", "1_0", 10, "which is not a positive number"),
        ("pick", "", "a", "which is empty (the choices: a, b)"),
        ("mode", "", "x", "which is empty (the choices: x, y)"),
    ],
)
def test_odd_link_values_get_the_usual_note(key, raw, shown, reason):
    at = run({key: raw})
    assert not at.exception
    assert f"`{key}={raw}`, {reason}" in warnings_of(at)
    assert f'"{key}":{shown!r}'.replace("'", '"') in at.json[0].value.replace(" ", "")


def test_a_value_that_rounds_to_zero_is_not_taken_silently():
    at = AppTest.from_function(grid_script, default_timeout=60)
    at.query_params["w"] = "1e-400"
    at.run()
    assert "`w=1e-400`, which is not one of this control's values" in warnings_of(at)
    at = AppTest.from_function(grid_script, default_timeout=60)
    at.query_params["w"] = "0"
    at.run()
    assert not at.warning


def grid_script():
    from timestep_lab.ui import grid_control

    grid_control("w", "w", [0.0, 1.0, 2.0], 1.0)


def test_a_repeated_key_gets_a_note_and_the_last_value_is_read():
    at = run({"count": ["abc", "7"]})
    assert not at.exception
    notes = warnings_of(at)
    assert "The link gives **Count** 2 times (`count=abc`, `count=7`); using the last one." in notes
    assert '"count":7' in at.json[0].value.replace(" ", "")
    assert at.query_params["count"] == "7"  # one value left in the address bar


@pytest.mark.parametrize(
    ("query", "url"),
    [
        ({"count": "0"}, {"count": "1"}),  # clamped into range: the URL says so
        ({"count": "12.9"}, {"count": "9"}),
        ({"count": "7.0"}, {"count": "7"}),
        ({"count": "\u0663"}, {"count": None}),  # the default: a link leaves defaults out
        ({"scale": "70"}, {"scale": "100"}),
        ({"mode": "", "pick": "c"}, {"mode": None, "pick": None}),
        ({"on": "maybe"}, {"on": None}),
    ],
)
def test_a_corrected_value_is_written_back_into_the_link(query, url):
    at = run(query)
    assert not at.exception
    for key, value in url.items():
        assert at.query_params.get(key) == value, key
