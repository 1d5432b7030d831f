"""The gate whole-page runs take turns at: one at a time, gestures first, never stuck."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from tests.conftest import open_page
from tests.test_jobs import gate_work
from timestep_lab.jobs import Scheduler
from timestep_lab.ui import admission, jobs
from timestep_lab.ui.admission import RUN_GATE, RunGate, page_turn

WAIT = 5.0  # seconds a test waits for a thread before failing


class Clock:
    """A clock moved by hand, for the due times."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def queue_run(gate: RunGate, name: str, order: list, *, page_load: bool) -> threading.Thread:
    """A run that queues at the gate, notes its turn in ``order`` and leaves at once."""
    before = gate.waiting

    def run() -> None:
        with gate.turn(page_load=page_load):
            order.append(name)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    until(lambda: gate.waiting == before + 1)
    return thread


def test_one_run_at_a_time_the_next_goes_when_the_first_leaves():
    gate = RunGate(1)
    gate.enter(page_load=False)
    order: list[str] = []
    waiter = queue_run(gate, "second", order, page_load=False)
    time.sleep(0.05)
    assert order == [] and gate.running == 1 and gate.waiting == 1
    gate.leave()
    waiter.join(WAIT)
    assert order == ["second"] and gate.running == 0 and gate.waiting == 0


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (0.2, ["gesture", "page load"]),  # arrived less than the delay later: goes first
        (0.7, ["page load", "gesture"]),  # more than the delay later: never passes the load
    ],
)
def test_a_gesture_passes_a_page_load_only_within_the_delay(gap, expected):
    clock = Clock()
    gate = RunGate(1, open_delay_s=0.5, clock=clock)
    gate.enter(page_load=False)
    order: list[str] = []
    threads = [queue_run(gate, "page load", order, page_load=True)]
    clock.now += gap
    threads.append(queue_run(gate, "gesture", order, page_load=False))
    gate.leave()
    for thread in threads:
        thread.join(WAIT)
    assert order == expected


def test_runs_of_the_same_kind_go_in_the_order_they_arrived():
    clock = Clock()
    gate = RunGate(1, clock=clock)
    gate.enter(page_load=False)
    order: list[str] = []
    threads = []
    for name in "abcd":
        threads.append(queue_run(gate, name, order, page_load=False))
    gate.leave()
    for thread in threads:
        thread.join(WAIT)
    assert order == list("abcd")


def test_two_slots_admit_two_runs_at_once():
    gate = RunGate(2)
    inside, release = threading.Barrier(3), threading.Event()

    def run() -> None:
        with gate.turn(page_load=False):
            inside.wait(WAIT)  # both must be inside together to pass
            release.wait(WAIT)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(WAIT)
    assert gate.running == 2
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert gate.running == 0


def test_an_error_in_the_run_gives_the_turn_back():
    gate = RunGate(1)
    with pytest.raises(KeyError), gate.turn(page_load=True):
        assert gate.holds()
        raise KeyError("boom")
    assert not gate.holds() and gate.running == 0
    assert gate.enter(page_load=False) < 0.1  # free at once
    gate.leave()


def test_paused_waits_for_its_turn_again_before_the_rest_of_the_run():
    gate = RunGate(1)
    gate_open, other_inside = threading.Event(), threading.Event()
    events: list[str] = []

    def other() -> None:
        with gate.turn(page_load=False):
            other_inside.set()
            gate_open.wait(WAIT)
            events.append("other left")

    def run() -> None:
        with gate.turn(page_load=False):
            with gate.paused():
                threading.Thread(target=other, daemon=True).start()
                other_inside.wait(WAIT)
            events.append("rest of the run")

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    other_inside.wait(WAIT)
    time.sleep(0.05)
    assert events == []  # the run waits for its turn again
    gate_open.set()
    runner.join(WAIT)
    assert events == ["other left", "rest of the run"]
    assert gate.running == 0 and gate.waiting == 0


@pytest.mark.parametrize("stop", [RerunException(None), StopException()])
def test_a_run_streamlit_stops_while_paused_does_not_queue_again(stop):
    gate = RunGate(1)
    with pytest.raises(type(stop)), gate.turn(page_load=False), gate.paused():
        raise stop
    assert gate.running == 0 and gate.waiting == 0 and not gate.holds()


def test_after_an_ordinary_error_while_paused_the_run_takes_its_turn_again():
    gate = RunGate(1)
    with gate.turn(page_load=False):
        with pytest.raises(ValueError), gate.paused():
            raise ValueError("a refused job, which the page explains and goes on")
        assert gate.holds() and gate.running == 1
    assert gate.running == 0


@pytest.mark.parametrize("stop", [RerunException(None), StopException()])
def test_a_run_streamlit_stops_while_it_waits_leaves_the_queue(stop):
    gate = RunGate(1)
    gate.enter(page_load=False)
    checks = []

    def check() -> None:  # Streamlit's yield check: the learner moved again
        checks.append(1)
        if len(checks) == 3:
            raise stop

    caught: list[BaseException] = []

    def run() -> None:
        try:
            gate.enter(page_load=False, check=check)
        except BaseException as error:
            caught.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT)
    assert caught == [stop] and gate.waiting == 0 and gate.running == 1
    gate.leave()


def test_a_paused_run_takes_its_turn_again_ahead_of_runs_that_arrived_meanwhile():
    clock = Clock()
    gate = RunGate(1, clock=clock)
    order: list[str] = []
    other_inside, other_may_leave = threading.Event(), threading.Event()

    def other() -> None:
        with gate.turn(page_load=False):
            other_inside.set()
            other_may_leave.wait(WAIT)

    def run() -> None:
        with gate.turn(page_load=False):  # due 100
            with gate.paused():
                clock.now = 101.0
                threading.Thread(target=other, daemon=True).start()
                other_inside.wait(WAIT)
                clock.now = 101.5
                queue_run(gate, "arrived meanwhile", order, page_load=False)
            order.append("the paused run")

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    until(lambda: gate.waiting == 2)  # the newcomer, and the paused run queued again
    other_may_leave.set()
    runner.join(WAIT)
    until(lambda: len(order) == 2)
    assert order == ["the paused run", "arrived meanwhile"]


def test_the_safety_valve_does_not_hold_up_the_queue_behind_it():
    gate = RunGate(1, max_wait_s=0.2)
    gate.enter(page_load=False)  # a holder that stays long
    late_inside, late_may_leave = threading.Event(), threading.Event()

    def late() -> None:
        with gate.turn(page_load=True):
            late_inside.set()
            late_may_leave.wait(WAIT)

    threading.Thread(target=late, daemon=True).start()
    assert late_inside.wait(WAIT)
    assert gate.admitted_late == 1 and gate.running == 2
    gate.leave()  # the long run ends while the late one still runs
    waited: list[float] = []

    def next_run() -> None:
        waited.append(gate.enter(page_load=False))
        gate.leave()

    thread = threading.Thread(target=next_run)
    thread.start()
    thread.join(WAIT)
    assert waited[0] < 0.15 and gate.admitted_late == 1  # in order, not by the valve
    late_may_leave.set()
    until(lambda: gate.running == 0)


def test_paused_without_a_turn_just_runs_the_body():
    gate = RunGate(1)
    ran = []
    with gate.paused():
        ran.append(True)
    assert ran == [True] and gate.running == 0


def test_a_run_waits_at_most_max_wait_then_goes_ahead():
    gate = RunGate(1, max_wait_s=0.2)
    gate.enter(page_load=False)  # a holder that never leaves
    waited: list[float] = []
    thread = threading.Thread(target=lambda: waited.append(gate.enter(page_load=True)))
    thread.start()
    thread.join(WAIT)
    assert 0.2 <= waited[0] < 2.0
    assert gate.admitted_late == 1 and gate.running == 2
    gate.leave()


def test_a_thread_cannot_take_two_turns_or_give_back_one_it_has_not():
    gate = RunGate(1)
    with pytest.raises(RuntimeError):
        gate.leave()
    with gate.turn(page_load=False), pytest.raises(RuntimeError):
        gate.enter(page_load=False)


@pytest.mark.parametrize("kwargs", [{"slots": 0}, {"open_delay_s": -1.0}, {"max_wait_s": 0.0}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        RunGate(**kwargs)


def test_a_run_waiting_on_a_job_gives_its_turn_to_others_meanwhile(monkeypatch):
    gate = RunGate(1)
    sched = Scheduler(workers=1)
    monkeypatch.setattr(admission, "RUN_GATE", gate)
    monkeypatch.setattr(jobs, "scheduler", lambda: sched)
    monkeypatch.setattr(jobs, "session_owner", lambda: "session:a")
    job_open, started = threading.Event(), threading.Event()
    results: list[object] = []

    def page_run() -> None:
        with gate.turn(page_load=False):
            found = jobs.run_job(
                "denoiser:generate",
                gate_work(job_open, started),
                cost=1,
                key="k",
                label="This request",
                start=True,
                draw=lambda job: None,
            )
            results.append((found, gate.holds()))

    runner = threading.Thread(target=page_run, daemon=True)
    runner.start()
    assert started.wait(WAIT)
    # While the job runs, another learner's page run gets the only slot at once.
    other_waited = gate.enter(page_load=True)
    assert other_waited < 1.0
    job_open.set()
    time.sleep(0.3)  # the job is done, but its run must wait for the turn again
    assert results == []
    gate.leave()
    runner.join(WAIT)
    assert results == [("opened", True)]


def test_a_replaced_run_leaves_its_due_time_to_the_run_that_replaced_it(monkeypatch):
    clock = Clock()
    gate = RunGate(1, open_delay_s=0.5, clock=clock)
    state: dict = {}
    monkeypatch.setattr(admission, "st", type("St", (), {"session_state": state}))
    stopping = threading.Event()

    def check() -> None:
        if stopping.is_set():
            raise RerunException(None)

    monkeypatch.setattr(admission, "get_run_yield_check", lambda: check)
    gate.enter(page_load=False)  # another learner's run holds the turn
    caught: list[BaseException] = []

    def first_run() -> None:
        try:
            with page_turn(page_load=True, gate=gate):
                pass
        except RerunException as error:
            caught.append(error)

    thread = threading.Thread(target=first_run, daemon=True)
    thread.start()
    until(lambda: gate.waiting == 1)
    assert state[admission._DUE] == 100.5  # a page load: due 0.5 s after it arrived
    stopping.set()  # the learner moved again: Streamlit stops the waiting run
    thread.join(WAIT)
    assert caught and gate.waiting == 0
    stopping.clear()
    clock.now = 101.0
    order: list[str] = []
    newcomer = queue_run(gate, "newcomer", order, page_load=False)  # due 101.0

    def second_run() -> None:
        with page_turn(page_load=False, gate=gate):
            order.append("replacing run")

    clock.now = 102.0  # the run that replaced the first arrives after the newcomer
    replacing = threading.Thread(target=second_run, daemon=True)
    replacing.start()
    until(lambda: gate.waiting == 2)
    gate.leave()
    replacing.join(WAIT)
    newcomer.join(WAIT)
    assert order == ["replacing run", "newcomer"]  # kept the place of 100.5, not 102.0
    assert admission._DUE not in state  # an admitted run clears it


def test_every_page_run_takes_a_turn_and_gives_it_back():
    # The router takes the turn around the page: a page opened while another run holds
    # the only turn waits for it.
    RUN_GATE.enter(page_load=False)
    opened: list[float] = []

    def open_home() -> None:
        start = time.monotonic()
        open_page()
        opened.append(time.monotonic() - start)

    thread = threading.Thread(target=open_home, daemon=True)
    thread.start()
    until(lambda: RUN_GATE.waiting == 1, timeout=60)
    time.sleep(0.3)
    assert opened == []  # still waiting for the turn
    RUN_GATE.leave()
    thread.join(60)
    assert opened and RUN_GATE.running == 0
