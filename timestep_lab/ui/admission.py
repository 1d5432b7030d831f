"""Whole-page runs take turns: one at a time, and a gesture on a page before a page load.

One server process runs every learner's script in a thread of its own, and Python runs one
thread at a time (the GIL). Left alone, all the runs in flight share the core at once: when
twenty learners of a class press something within the same second, each of the twenty runs
takes about twenty times as long, and a k commit (a fragment rerun of 15–20 ms of server CPU,
``python -m benchmarks.server_cpu``) waits behind all of them.

So a whole-page run (``app.py``: a page opened, or a control that changes the page's data)
first takes its turn at this gate (``page_turn``), which lets ``SLOTS`` of them run at a time:

- Fragment reruns (a committed k, Generate again, the training's live view, class mode's
  polls) never come here: Streamlit runs only the fragment, not ``app.py``. They share the core
  with the whole-page runs admitted, the router's few lines before the gate, the job workers
  and each other, but no longer with every whole-page run in flight.
- Waiting runs are admitted by due time: the time they arrived, plus ``OPEN_DELAY_S`` for the
  first run on a page (a page load). A learner's gesture on the page they are on thus goes
  before page loads that arrived less than ``OPEN_DELAY_S`` earlier; a page load is never
  passed by anything that arrived more than ``OPEN_DELAY_S`` after it, so none waits forever.
- A waiting run checks every ``CHECK_S`` whether Streamlit stopped it for a newer run of the
  same learner (they moved the control again): it then leaves the queue at once, and the newer
  run keeps the older one's due time (``page_turn``), so moving again does not lose one's place.
- A run that waits on a job (``timestep_lab.ui.jobs.run_job``: sampling, a fit) gives its turn
  back while it waits (``paused``) and takes it again with its old due time, ahead of runs
  that arrived since.
- A run waits at most ``MAX_WAIT_S`` for one turn: past that it goes ahead beside the runs
  admitted (a safety valve, should a run hold its turn for long); it does not hold up the
  queue behind it.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import streamlit as st

# Streamlit's own wait for a cache lock polls this same callback (streamlit.runtime.caching):
# it raises Streamlit's stop/rerun exception when the run was stopped or replaced.
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

__all__ = [
    "CHECK_S",
    "MAX_WAIT_S",
    "OPEN_DELAY_S",
    "RUN_GATE",
    "SLOTS",
    "RunGate",
    "import_outside_turn",
    "page_turn",
]

SLOTS = 1
OPEN_DELAY_S = 0.5
MAX_WAIT_S = 10.0
CHECK_S = 0.1
_DUE = "_timestep_lab_gate_due"  # session state: a replaced run's due time, for its successor


class RunGate:
    """At most ``slots`` holders at a time; waiters admitted by due time (see module docstring).

    ``clock`` gives the due times (``time.monotonic``). Each thread holds at most one turn.
    """

    def __init__(
        self,
        slots: int = SLOTS,
        *,
        open_delay_s: float = OPEN_DELAY_S,
        max_wait_s: float = MAX_WAIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        if open_delay_s < 0 or max_wait_s <= 0:
            raise ValueError("open_delay_s must be ≥ 0 and max_wait_s > 0")
        self.slots, self.open_delay_s, self.max_wait_s = slots, open_delay_s, max_wait_s
        self.clock = clock
        self._cond = threading.Condition()
        self._running = 0  # turns taken in order (at most slots)
        self._late = 0  # turns taken by the safety valve, beside them
        self._waiting: list[tuple[float, int]] = []  # heap of (due time, arrival number)
        self._numbers = itertools.count()
        self._holders: dict[int, tuple[float, bool]] = {}  # thread → (due time, late)
        self.admitted_late = 0  # how many runs the safety valve let in, ever

    @property
    def running(self) -> int:
        """Turns held now, the safety valve's included."""
        return self._running + self._late

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def holds(self) -> bool:
        """Whether the calling thread holds a turn."""
        return threading.get_ident() in self._holders

    def due(self, *, page_load: bool) -> float:
        """The due time of a run arriving now."""
        return self.clock() + (self.open_delay_s if page_load else 0.0)

    def enter(
        self,
        *,
        page_load: bool,
        due: float | None = None,
        check: Callable[[], None] | None = None,
    ) -> float:
        """Wait for this thread's turn; returns the seconds waited.

        ``due``: the due time (default: now, plus the delay of a page load). ``check`` is
        called every ``CHECK_S`` while waiting, outside the lock; whatever it raises leaves the
        queue and propagates (Streamlit's stop or rerun).
        """
        me = threading.get_ident()
        if me in self._holders:
            raise RuntimeError("this thread already holds a turn at the gate")
        due = self.due(page_load=page_load) if due is None else due
        ticket = (due, next(self._numbers))
        started = time.monotonic()
        with self._cond:
            heapq.heappush(self._waiting, ticket)
        try:
            while True:
                with self._cond:
                    first = self._running < self.slots and self._waiting[0] == ticket
                    left = self.max_wait_s - (time.monotonic() - started)
                    if first or left <= 0:
                        self._drop(ticket)
                        if first:
                            self._running += 1
                        else:
                            self._late += 1
                            self.admitted_late += 1
                        self._holders[me] = (due, not first)
                        return time.monotonic() - started
                    self._cond.wait(left if check is None else min(left, CHECK_S))
                if check is not None:
                    check()
        except BaseException:
            with self._cond:
                self._drop(ticket)
            raise

    def _drop(self, ticket: tuple[float, int]) -> None:
        if ticket in self._waiting:
            self._waiting.remove(ticket)
            heapq.heapify(self._waiting)
            self._cond.notify_all()  # a new head, or a slot nobody else could take

    def leave(self) -> None:
        """Give this thread's turn back."""
        me = threading.get_ident()
        with self._cond:
            if me not in self._holders:
                raise RuntimeError("this thread holds no turn at the gate")
            _, late = self._holders.pop(me)
            if late:
                self._late -= 1
            else:
                self._running -= 1
            self._cond.notify_all()

    @contextmanager
    def turn(
        self,
        *,
        page_load: bool,
        due: float | None = None,
        check: Callable[[], None] | None = None,
    ) -> Iterator[None]:
        """Hold a turn for the body (given back on any exit: an error, st.rerun, st.stop)."""
        self.enter(page_load=page_load, due=due, check=check)
        try:
            yield
        finally:
            if self.holds():  # not when paused() was left by Streamlit stopping the run
                self.leave()

    @contextmanager
    def paused(self, check: Callable[[], None] | None = None) -> Iterator[None]:
        """Give the turn back for the body (e.g. while waiting on a job), then take it again
        with the old due time (ahead of the runs that arrived meanwhile).

        A thread that holds no turn (a fragment rerun) just runs the body. If Streamlit stops
        the run in the body (its exceptions are BaseExceptions, not Exceptions), the turn is
        not taken again; after an ordinary error it is, since the page may catch it and go on.
        """
        if not self.holds():
            yield
            return
        due, _ = self._holders[threading.get_ident()]
        self.leave()
        try:
            yield
        except Exception:
            self.enter(page_load=False, due=due, check=check)
            raise
        self.enter(page_load=False, due=due, check=check)


# The process's gate: every session's whole-page runs take their turns here.
RUN_GATE = RunGate()


@contextmanager
def page_turn(*, page_load: bool, gate: RunGate | None = None) -> Iterator[None]:
    """This script run's turn at the gate (``app.py``, around the page).

    A run stopped while it waits (the learner moved again) leaves the queue, and its due time
    stays in session state for the run that replaced it; an admitted run clears it.
    """
    gate = gate or RUN_GATE
    due = gate.due(page_load=page_load)
    inherited = st.session_state.get(_DUE)
    if isinstance(inherited, float) and gate.clock() - inherited < gate.max_wait_s:
        due = min(due, inherited)
    st.session_state[_DUE] = due
    with gate.turn(page_load=page_load, due=due, check=get_run_yield_check()):
        st.session_state.pop(_DUE, None)
        yield


@contextmanager
def waiting_on_work(gate: RunGate | None = None) -> Iterator[None]:
    """Give this run's turn back while it waits on work done elsewhere (a job)."""
    gate = gate or RUN_GATE
    with gate.paused(check=get_run_yield_check()):
        yield


def import_outside_turn(modules: Iterable[str]) -> None:
    """Import ``modules`` now, before the run takes its turn, if not imported yet.

    A page's first visit in a process imports torch (seconds); done inside the turn, it would
    hold every other learner's page run for that long.
    """
    for name in modules:
        if name not in sys.modules:
            __import__(name)
