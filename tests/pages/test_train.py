"""The training lab page through AppTest: train at tiny settings, compare, seeds, cancel, links."""

import time
import uuid

import streamlit as st

from tests.conftest import open_page, warnings_text
from timestep_lab.ui import training
from timestep_lab.ui.jobs import COUNT_WORDS, scheduler, training_slots
from timestep_lab.ui.training import results

PAGE = "app_pages/train.py"
TINY = {"train_steps": "100", "width": "16"}


def wait_idle(timeout: float = 300.0) -> None:
    """Until the process's scheduler has nothing queued or running."""
    end = time.monotonic() + timeout
    while scheduler().running or scheduler().queued:
        assert time.monotonic() < end, "the trainings did not finish"
        time.sleep(0.2)


def train(query):
    at = open_page(PAGE, query)
    at.button(key="train").click().run()
    wait_idle()
    return at.run()


def clean(at) -> bool:
    return not at.exception and not at.error


def text(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_opens_with_an_invitation_and_the_dimension_view():
    at = open_page(PAGE)
    assert clean(at)
    assert "Press **Train**" in "\n".join(str(i.value) for i in at.info)
    assert "p(k | x_k) has a standard deviation of" in text(at)
    assert "arXiv 2502.13129" in text(at)
    assert not at.dataframe


def test_train_and_compare_shows_the_table_against_the_exact_answer():
    at = train({**TINY, "data": "bumps_1d", "cond": "scalar", "vs": "none"})
    assert clean(at)
    table = at.dataframe[0].value
    assert table["cond"].tolist() == ["scalar", "none"]
    assert (table["final loss"] > 0).all() and (table["error to ε*"] > 0).all()
    body = text(at)
    assert "The best any network told k can reach on this data is a loss of" in body
    assert "**scalar**" in body and "**none**" in body
    assert "The whole answer in 1D" in body  # the (k, x) field, 1D only
    labels = [b.label for b in at.get("download_button")]
    assert "Weights: scalar s0" in labels and "Table (CSV)" in labels


def test_a_second_visit_with_the_same_link_trains_nothing():
    query = {**TINY, "data": "three_1d", "cond": "raw", "vs": "off"}
    first = train(query)
    assert clean(first) and len(first.dataframe[0].value) == 1
    stored = len(results().items)
    again = open_page(PAGE, query)  # another session, same link
    assert clean(again) and len(again.dataframe[0].value) == 1
    assert scheduler().running == 0 and scheduler().queued == 0
    assert len(results().items) == stored


def test_three_seeds_show_mean_and_spread_in_2d():
    at = train({**TINY, "data": "ring_2d", "cond": "fourier", "vs": "off", "spread": "true"})
    assert clean(at)
    table = at.dataframe[0].value
    assert table["seeds"].tolist() == [3]
    assert "±" in table["error to ε*"][0]
    assert "The whole answer in 1D" not in text(at)


def test_cancel_stops_the_training():
    at = open_page(PAGE, {"train_steps": "5000", "width": "16", "data": "uneven_1d", "vs": "off"})
    at.button(key="train").click().run()
    at.button(key="cancel").click().run()
    assert clean(at)
    assert "Cancelled." in "\n".join(str(i.value) for i in at.info)
    wait_idle(timeout=30)
    assert not at.dataframe


def test_custom_mixture_from_the_link():
    at = train({**TINY, "data": "custom_1d", "parts": "3", "m3": "1.5", "s3": "0.05", "vs": "off"})
    assert clean(at)
    assert "your mixture" in "\n".join(c.value for c in at.caption)
    assert len(at.dataframe[0].value) == 1


def test_hostile_links_get_notes_not_tracebacks():
    at = open_page(
        PAGE,
        {
            "data": "../../etc/passwd",
            "cond": "<script>",
            "vs": "time",
            "train_steps": "1e12",
            "width": "-5",
            "d": "nan",
            "spread": "maybe",
            "seed": "-1",
            "sigma": "inf",
        },
    )
    assert clean(at)
    notes = warnings_text(at)
    for key in ("data", "cond", "vs", "train_steps", "width", "d", "spread", "seed", "sigma"):
        assert f"`{key}=" in notes, key
    assert "Showing" in notes


def test_drawn_points_train_and_a_bad_drawing_is_explained():
    from timestep_lab.ui.components.point_canvas import DRAWN

    query = {**TINY, "data": "drawn", "vs": "off"}
    at = open_page(PAGE, query)
    assert clean(at)
    assert "Draw at least 3 points" in "\n".join(str(i.value) for i in at.info)
    canvases = [
        c for c in at.get("bidi_component") if c.proto.component_name.endswith("point_canvas")
    ]
    assert len(canvases) == 1
    at.session_state[DRAWN] = [[0.0, 0.0], [0.5, 0.5], [-0.5, 0.5], [1.0, -1.0]]
    at.run()  # as the canvas's stroke-end callback does
    at.button(key="train").click().run()
    wait_idle()
    at.run()
    assert clean(at) and len(at.dataframe[0].value) == 1
    assert "4 points you drew" in "\n".join(c.value for c in at.caption)
    at.session_state[DRAWN] = [[0.0, 0.0], [9.0, 0.0], [1.0, 1.0]]
    at.run()
    assert "This drawing cannot be used" in "\n".join(str(e.value) for e in at.error)
    assert not at.exception


def test_points_from_the_browser_are_checked():
    from timestep_lab.ui.components.point_canvas import points_from_browser

    assert points_from_browser([0, 1, 2.5, -3]) == [[0.0, 1.0], [2.5, -3.0]]
    for bad in ("0,1", [0, 1, 2], [0, True], [0, float("nan")], [0.0] * 2002, None):
        assert points_from_browser(bad) is None


def test_a_training_keeps_going_when_an_unrelated_control_moves():
    at = open_page(PAGE, {"train_steps": "4000", "width": "16", "data": "bumps_1d", "seed": "5"})
    at.button(key="train").click().run()
    jobs = [r.job for r in at.session_state["_train_requests"]]
    at.select_slider(key="sigma").set_value(1.0).run()  # the dimension view, not the training
    assert clean(at)
    assert at.session_state["_train_requests"][0].job is jobs[0]
    assert all(not j.done or j.state == "done" for j in jobs)
    at.button(key="cancel").click().run()
    wait_idle(timeout=60)
    assert all(j.state == "cancelled" for j in jobs), [
        (j.state, j.owners, j.progress) for j in jobs
    ]


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_trainings_beyond_the_servers_limit_wait_in_line_and_read_their_place(monkeypatch):
    # AppTest gives every app the same session id; here each one is a learner of its own
    monkeypatch.setattr(
        training,
        "session_owner",
        lambda: st.session_state.setdefault("_test_owner", f"tab:{uuid.uuid4()}"),
    )
    slots = training_slots()
    long = {"train_steps": "5000", "width": "16", "data": "three_1d", "vs": "off"}
    holders = []
    for i in range(slots):
        at = open_page(PAGE, {**long, "seed": str(400 + i)})
        at.button(key="train").click().run()
        holders.append(at)
    jobs = [at.session_state["_train_requests"][0].job for at in holders]
    end = time.monotonic() + 60
    while not all(j.state == "running" for j in jobs):
        assert time.monotonic() < end, [j.state for j in jobs]
        time.sleep(0.05)
    waiting = open_page(PAGE, {**long, "seed": "410"})
    waiting.button(key="train").click().run()
    assert clean(waiting)
    (text,) = progress_texts(waiting)
    assert text.startswith(
        f"Queued: place 1 (no training waits ahead, {slots} running; this server trains "
        f"{COUNT_WORDS[slots]} at a time)"
    ), text
    job = waiting.session_state["_train_requests"][0].job
    assert job.state == "queued" and all(j.state == "running" for j in jobs)
    for at in (waiting, *holders):
        at.button(key="cancel").click().run()
    wait_idle(timeout=60)
    assert job.state == "cancelled" and job.started is None  # it never ran
