"""Heavy work from a page: the process's one scheduler (``timestep_lab.jobs``), owned by sessions.

A page hands its heavy work to ``run_job`` instead of doing it in its own script thread:

    result = run_job("denoiser:generate", work, cost=..., key=..., start=pressed,
                     draw=lambda job: ...)

- ``start=True`` (the button was pressed) submits a new job for this session in that slot,
  replacing the session's older one there. ``start=False`` picks up the session's job still
  in flight in that slot (a rerun while it runs), or returns None.
- The job's owner is the Streamlit session (``get_script_run_ctx().session_id``). It counts as
  gone when the runtime no longer has it as an active session (``Runtime.is_active_session``:
  its tab was closed, reloaded or lost its connection). A running job then stops within a
  second, even while this script thread is still waiting: it holds a core. A job still
  waiting keeps its place for ``reconnect_grace_s()`` seconds (30 unless the environment
  variable ``TIMESTEP_LAB_RECONNECT_GRACE_S`` says otherwise), so a Wi-Fi blip does not cost
  a learner their place; Streamlit keeps a disconnected session for its reconnect
  (``server.disconnectedSessionTTL``, 120 s), but cannot tell a blip from a closed tab.
- While the job waits or runs, ``draw(job)`` is called every ``POLL_S`` seconds (to show its
  place in the queue, ``job.progress`` or ``job.latest``); each call is also where Streamlit
  can interrupt this script for a newer run. A job whose key differs from what the page now
  asks for is left (the learner moved on) and None is returned.
- Raises ``JobRefused`` (a ``ValueError`` with a sentence for the learner) when the cost is
  above ``MAX_COST``, ``JobCancelled`` when the job was stopped, or the work's own error.

``scheduler()`` is the process's scheduler, for work that is not a session's (e.g. a default
run computed once per process: submit it with an owner of your own, such as ``"process"``).
Trainings are its ``TRAINING`` group: at most ``training_slots()`` run at once, the others wait
in line (``timestep_lab.jobs``: group).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from timestep_lab.jobs import Job, JobCancelled, JobRefused, Scheduler, Work, default_workers
from timestep_lab.ui.admission import waiting_on_work

__all__ = [
    "MAX_COST",
    "TRAINING",
    "Job",
    "JobCancelled",
    "JobRefused",
    "run_job",
    "scheduler",
    "status_text",
    "training_slots",
]

# One job may do at most this many units of work. The sampler's unit is one network
# evaluation of one 8×8 digit (steps × samples × passes): ~0.6 ms of one core (see
# benchmarks/resilience.py), so the bound is about 18 s of one core.
MAX_COST = 32_000
POLL_S = 0.15
TRAINING = "train"  # the scheduler's group of the training lab's runs
COUNT_WORDS = {1: "one", 2: "two"}
GRACE_ENV, GRACE_S, GRACE_MAX_S = "TIMESTEP_LAB_RECONNECT_GRACE_S", 30.0, 120.0


def reconnect_grace_s() -> float:
    """How long a waiting job keeps its place after its session lost its connection: the
    environment's ``TIMESTEP_LAB_RECONNECT_GRACE_S`` (0 … 120 s, e.g. short in a test server),
    else 30 s."""
    try:
        seconds = float(os.environ.get(GRACE_ENV, GRACE_S))
    except ValueError:
        return GRACE_S
    return seconds if math.isfinite(seconds) and 0 <= seconds <= GRACE_MAX_S else GRACE_S


def training_slots(cores: int | None = None) -> int:
    """How many trainings run at once: 1 on 2 or 3 cores (a core stays free for every other
    page), 2 from 4 cores on, never more (each training uses one core)."""
    cores = default_workers() if cores is None else cores
    return min(2, max(1, cores // 2))


def session_alive(owner: Hashable) -> bool:
    """Whether ``owner`` is a session the runtime still serves (True outside a server)."""
    if not isinstance(owner, str) or not owner.startswith("session:"):
        return True  # process-owned work lives with the process
    if not Runtime.exists():
        return True  # AppTest and scripts: no runtime to ask
    return bool(Runtime.instance().is_active_session(owner.removeprefix("session:")))


def make_scheduler() -> Scheduler:
    """A scheduler as this process runs it: at most one worker per core, ``training_slots()``
    trainings at once, a waiting job kept ``reconnect_grace_s()`` for a session that lost its
    connection."""
    return Scheduler(
        max_cost=MAX_COST,
        is_alive=session_alive,
        limits={TRAINING: training_slots()},
        grace_s=reconnect_grace_s(),
    )


@st.cache_resource(show_spinner=False)
def scheduler() -> Scheduler:
    """The one scheduler of this process (``make_scheduler``)."""
    return make_scheduler()


def session_owner() -> str:
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx is not None else "process"


def about(seconds: float) -> str:
    """A duration rounded for a learner: "less than a second", "about 40 s", "about 3 min"."""
    if seconds < 0.5:
        return "less than a second"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"


def status_text(job: Job) -> str:
    """A short line on where a job is: its place in the queue, or how far it has got."""
    where = job.position()
    if where.place and where.limit is not None:  # a training waiting for its turn
        at_once = COUNT_WORDS.get(where.limit, str(where.limit))
        n = where.ahead
        if n + where.running < where.limit:  # a slot is free: the workers are busy elsewhere
            return (
                f"Queued: place {where.place} (a training slot is free, but the server's "
                f"workers are busy with other requests; this server trains {at_once} at a "
                "time)…"
            )
        waiting = (
            "no training waits" if n == 0 else f"{n} training{'s' * (n != 1)} wait{'s' * (n == 1)}"
        )
        text = (
            f"Queued: place {where.place} ({waiting} ahead, {where.running} running; this "
            f"server trains {at_once} at a time)"
        )
        if where.wait_s is not None:
            text += (
                f". Those ahead should be done in {about(where.wait_s)}, at the pace of the "
                "last trainings here"
            )
        return text + "…"
    if where.place:
        ahead = where.place - 1
        who = "nobody" if ahead == 0 else f"{ahead} other request{'s' * (ahead != 1)}"
        return f"Queued: place {where.place} ({who} ahead; the server runs a few at a time)…"
    fraction, text = job.progress
    return text or f"Running: {fraction:.0%}"


def run_job(
    slot: Hashable,
    work: Work,
    *,
    cost: float,
    key: Hashable,
    label: str,
    start: bool,
    draw: Callable[[Job], None],
) -> Any | None:
    """Run (``start``) or resume this session's job in ``slot``; its result, or None."""
    sched, owner = scheduler(), session_owner()
    if start:
        job = sched.submit(work, owner=owner, slot=slot, cost=cost, key=key, label=label)
    else:
        job = sched.job(owner, slot)
        if job is None:
            return None
        if job.key != key:  # the page now asks for something else: the old request is over
            job.leave(owner)
            return None
        if job.done and job.state != "done":
            return None  # a stopped job is not shown again on a later run
    if not job.done:
        # The work runs on the scheduler's workers: while this run only waits for it (and
        # draws its progress), other learners' page runs take the gate's turn.
        with waiting_on_work():
            while not job.wait(POLL_S):
                draw(job)
    return job.result()
