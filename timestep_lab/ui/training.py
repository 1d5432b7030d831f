"""The training lab's runs as jobs of the process's scheduler, with results shared by everyone.

- Each training (one conditioning, one seed) is a job of the scheduler's ``TRAINING`` group
  (``timestep_lab.ui.jobs``): at most ``training_slots()`` run at once per process (one on a
  2-core server), each to the end; the rest wait in line, taking turns between sessions
  (``timestep_lab.jobs``: group), and see their place; a waiting one whose session left is
  dropped. Two requests for the same settings join one job (its key).
- A finished run is deterministic, so it is kept in a process-wide store (``RESULTS_MAX``
  entries, least recently used out) keyed by the data and the settings: a class opening one
  link trains once, and everyone else sees the result at once.
- The exact answers of a data set (``lab.reference``) are computed once per process, inside
  the first job that needs them (a few seconds), never in a page's script thread.

Imports torch (through ``timestep_lab.models.lab``): only the training page imports this.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from timestep_lab.jobs import Job, JobContext
from timestep_lab.models import lab
from timestep_lab.models.labdata import LabData
from timestep_lab.ui.jobs import MAX_COST, TRAINING, scheduler, session_owner

RESULTS_MAX, REFERENCES_MAX = 64, 8
SLOT = "train"
# One optimizer step of the lab MLP, in the scheduler's unit (≈ 0.6 ms of one core): measured
# 2.6, 4.5 and 4.8 ms a step at width 16, 64 and 128 (batch 256, one thread; see
# benchmarks/train_lab.py), plus a DDIM snapshot every 500 steps.
UNITS_PER_STEP_BASE, UNITS_PER_STEP_WIDTH = 4.0, 1.0 / 32.0


def data_key(data: LabData) -> str:
    """A short fingerprint of the data (name, weights, means, widths) for cache keys."""
    m = data.mixture
    digest = hashlib.sha256()
    for a in (m.weights, m.means, m.stds):
        digest.update(np.ascontiguousarray(a).tobytes())
    return f"{data.name}:{digest.hexdigest()[:16]}"


def run_key(data: LabData, settings: lab.LabSettings) -> tuple[Hashable, ...]:
    return ("lab", data_key(data), settings)


def cost(settings: lab.LabSettings) -> float:
    """The job's work in the scheduler's units (bounded by ``MAX_COST``)."""
    return settings.steps * (UNITS_PER_STEP_BASE + UNITS_PER_STEP_WIDTH * settings.width)


def max_steps(width: int) -> int:
    """The most steps one job may train at this width."""
    return int(MAX_COST // (UNITS_PER_STEP_BASE + UNITS_PER_STEP_WIDTH * width))


class _Store:
    """A thread-safe LRU dictionary."""

    def __init__(self, size: int) -> None:
        self.size, self.lock, self.items = size, threading.Lock(), OrderedDict()

    def get(self, key: Hashable):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
            return None

    def put(self, key: Hashable, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def results() -> _Store:
    """Finished runs of this process, keyed by ``run_key``."""
    return _Store(RESULTS_MAX)


@st.cache_resource(show_spinner=False)
def references() -> _Store:
    """Exact answers per (data, schedule), computed once per process."""
    return _Store(REFERENCES_MAX)


_REFERENCE_LOCK = threading.Lock()


def reference_for(data: LabData, schedule_name: str) -> lab.Reference:
    """The exact answers for ``data``: computed by the first job that asks, then shared (two
    runs compared side by side wait for one computation instead of making two)."""
    store, key = references(), (data_key(data), schedule_name)
    ref = store.get(key)
    if ref is None:
        with _REFERENCE_LOCK:
            ref = store.get(key)
            if ref is None:
                ref = lab.reference(data, lab.LabSettings(schedule=schedule_name).make_schedule())
                store.put(key, ref)
    return ref


@dataclass(frozen=True)
class Request:
    """One training this session asked for."""

    key: tuple[Hashable, ...]
    settings: lab.LabSettings
    job: Job | None  # None when the result was already in the store
    data: LabData | None = None  # what it trains on


def _work(data: LabData, settings: lab.LabSettings, key: tuple[Hashable, ...]):
    def work(ctx: JobContext):
        ctx.progress(0.0, f"{settings.cond}, seed {settings.seed}: computing the exact answer…")
        yield None
        ref = reference_for(data, settings.schedule)
        steps = lab.train_steps(settings, data, ref, cancelled=ctx.cancelled)
        while True:
            try:
                progress = next(steps)
            except StopIteration as finished:
                result = finished.value
                break
            if progress is not None:
                ctx.progress(
                    progress.step / progress.steps,
                    f"{settings.cond}, seed {settings.seed}: step {progress.step:,} of "
                    f"{progress.steps:,}, about {progress.seconds_left:.0f} s left",
                )
            yield progress
        if result.cancelled:
            yield None  # the scheduler sees the stop request before this unit: "cancelled"
        else:
            results().put(key, result)  # only complete runs are shared
        return result

    return work


def request_runs(data: LabData, runs: list[lab.LabSettings]) -> list[Request]:
    """Submit the runs not already finished; raises JobRefused when one is too big."""
    sched, owner = scheduler(), session_owner()
    for settings in runs:
        sched.check_cost(
            cost(settings), f"Training {settings.steps:,} steps at width {settings.width}"
        )
    requests = []
    for i, settings in enumerate(runs):
        key = run_key(data, settings)
        if results().get(key) is not None:
            # nothing to run, but the session's older request in this slot is over: left in
            # the slot it would train on (or wait) for nobody, holding the only training slot
            old = sched.job(owner, (SLOT, i))
            if old is not None and old.key != key:
                old.leave(owner)
            requests.append(Request(key, settings, None, data))
            continue
        job = sched.submit(
            _work(data, settings, key),
            owner=owner,
            slot=(SLOT, i),
            cost=cost(settings),
            key=key,
            label=f"Training {settings.cond} (seed {settings.seed})",
            group=TRAINING,
        )
        requests.append(Request(key, settings, job, data))
    # a smaller comparison than before: the session's jobs in the slots it no longer uses go
    i = len(runs)
    while (old := sched.job(owner, (SLOT, i))) is not None:
        old.leave(owner)
        i += 1
    return requests


def cancel(requests: list[Request]) -> None:
    """This session no longer wants these runs (shared runs go on for their other owners)."""
    owner = session_owner()
    for r in requests:
        if r.job is not None and not r.job.done:
            r.job.leave(owner)


def finished(data: LabData, runs: list[lab.LabSettings]) -> list[lab.LabResult] | None:
    """The results of all ``runs`` if every one is in the store, else None."""
    found = [results().get(run_key(data, s)) for s in runs]
    return None if any(r is None for r in found) else found
