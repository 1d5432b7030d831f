"""The training lab's requests: a session's runs as jobs, and what happens to the older ones."""

from __future__ import annotations

import dataclasses
import threading

from tests.test_jobs import gate_work
from timestep_lab.jobs import Scheduler
from timestep_lab.models import lab, labdata
from timestep_lab.ui import training
from timestep_lab.ui.jobs import TRAINING


def test_asking_for_settings_already_trained_leaves_the_older_training_in_that_slot(monkeypatch):
    sched = Scheduler(workers=1, slice_s=0.01, limits={TRAINING: 1})
    store = training._Store(4)
    monkeypatch.setattr(training, "scheduler", lambda: sched)
    monkeypatch.setattr(training, "results", lambda: store)
    monkeypatch.setattr(training, "session_owner", lambda: "learner")
    started, gate = threading.Event(), threading.Event()

    # a training that runs until the test lets it end
    monkeypatch.setattr(training, "_work", lambda data, settings, key: gate_work(gate, started))
    data = labdata.preset("bumps_1d")
    first = lab.LabSettings(steps=100, width=16, seed=1)
    done_before = dataclasses.replace(first, seed=2)
    store.put(training.run_key(data, done_before), "a finished result")
    (old,) = training.request_runs(data, [first])
    assert started.wait(5)
    (now,) = training.request_runs(data, [done_before])  # the learner moved the seed
    assert now.job is None  # nothing to train: the result is there
    assert old.job.wait(1.0), "the older training kept running for nobody"
    assert old.job.state == "cancelled"
    other = sched.submit(lambda ctx: (yield None), owner="x", slot="t", cost=1, group=TRAINING)
    assert other.wait(5) and other.state == "done"  # the only training slot is free again
    gate.set()
