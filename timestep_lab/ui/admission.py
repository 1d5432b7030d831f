"""Whole-page runs take turns: one at a time, and a gesture on a page before a page load.

One server process runs every learner's script in a thread of its own, and Python runs one
thread at a time (the GIL). Left alone, all the runs in flight share the core at once: when
twenty learners of a class press something within the same second, each of the twenty runs
takes twenty times as long, and a k commit (a fragment rerun of about 5 ms) waits behind all
of them. ``benchmarks/classroom.py`` measured this: with 60 learners the p95 of a k move was
0.8–1.6 s, mostly waiting for the core.

So a whole-page run (``app.py``: a page opened, or a control that changes the page's data) first
takes its turn at this gate (``RUN_GATE.turn``), which lets ``SLOTS`` of them run at a time:

- Fragment reruns (a committed k, Generate again, the training's live view) never come here:
  Streamlit runs only the fragment, not ``app.py``. They so share the core with at most
  ``SLOTS`` whole-page runs, and answer in tens of milliseconds under load.
- Waiting runs are admitted by due time: the time they arrived, plus ``OPEN_DELAY_S`` for the
  first run on a page (a page load). A learner's gesture on the page they are on thus goes
  before page loads that arrived less than ``OPEN_DELAY_S`` earlier; a page load is never
  passed by anything that arrived more than ``OPEN_DELAY_S`` after it, so none waits forever.
- A run that waits on a job (``timestep_lab.ui.jobs.run_job``: sampling, a fit) leaves the gate
  while it waits (``paused``), and queues again for the rest of its run.
- A run never waits more than ``MAX_WAIT_S`` at the gate: past that it goes ahead anyway (a
  safety valve, should a run ever hold its turn for long); the class is then no worse off than
  without the gate.

A run that waited at the gate and was then replaced by a newer run of the same learner (they
moved the control again) is admitted, stops at its first element, and its successor queues
anew: Streamlit gives a waiting script no way to see that it was replaced.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["MAX_WAIT_S", "OPEN_DELAY_S", "RUN_GATE", "SLOTS", "RunGate"]

SLOTS = 1
OPEN_DELAY_S = 0.5
MAX_WAIT_S = 10.0


class RunGate:
    """At most ``slots`` holders at a time; waiters admitted by due time (see module docstring).

    ``clock`` gives the due times (``time.monotonic``). Each thread may hold at most one turn.
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
        self._clock = clock
        self._cond = threading.Condition()
        self._running = 0
        self._waiting: list[tuple[float, int]] = []  # heap of (due time, arrival number)
        self._numbers = itertools.count()
        self._holders: set[int] = set()  # thread idents holding a turn
        self.admitted_late = 0  # runs that went ahead after MAX_WAIT_S (the safety valve)

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def holds(self) -> bool:
        """Whether the calling thread holds a turn."""
        return threading.get_ident() in self._holders

    def enter(self, *, page_load: bool) -> float:
        """Wait for this thread's turn; returns the seconds waited."""
        me = threading.get_ident()
        if me in self._holders:
            raise RuntimeError("this thread already holds a turn at the gate")
        arrived = self._clock()
        ticket = (arrived + (self.open_delay_s if page_load else 0.0), next(self._numbers))
        started = time.monotonic()
        with self._cond:
            heapq.heappush(self._waiting, ticket)
            try:
                while not (self._running < self.slots and self._waiting[0] == ticket):
                    left = self.max_wait_s - (time.monotonic() - started)
                    if left <= 0:
                        self.admitted_late += 1
                        break
                    self._cond.wait(left)
            finally:
                self._waiting.remove(ticket)
                heapq.heapify(self._waiting)
                self._cond.notify_all()  # a new head, or a slot nobody else could take
            self._running += 1
            self._holders.add(me)
        return time.monotonic() - started

    def leave(self) -> None:
        """Give this thread's turn back."""
        me = threading.get_ident()
        with self._cond:
            if me not in self._holders:
                raise RuntimeError("this thread holds no turn at the gate")
            self._holders.discard(me)
            self._running -= 1
            self._cond.notify_all()

    @contextmanager
    def turn(self, *, page_load: bool) -> Iterator[None]:
        """Hold a turn for the body (released on any exit: an error, st.rerun, st.stop)."""
        self.enter(page_load=page_load)
        try:
            yield
        finally:
            if self.holds():  # not when paused() was left by an error
                self.leave()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Give the turn back for the body (e.g. while waiting on a job), then queue again.

        A thread that holds no turn (a fragment rerun) just runs the body. If the body raises
        (Streamlit stopping the run for a newer one), the turn is not taken again.
        """
        if not self.holds():
            yield
            return
        self.leave()
        yield
        self.enter(page_load=False)


# The process's gate: every session's whole-page runs take their turns here.
RUN_GATE = RunGate()
