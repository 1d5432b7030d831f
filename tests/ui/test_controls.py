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
    at = AppTest.from_function(controls_script)
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
        ("9" * 50, (int("9" * 50), True)),
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
