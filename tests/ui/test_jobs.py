"""The scheduler bound to Streamlit sessions: a job stops when the runtime drops its session."""

from __future__ import annotations

import threading
import time

from streamlit.runtime import Runtime

import timestep_lab.jobs
from tests.test_jobs import gate_work
from timestep_lab.jobs import Scheduler
from timestep_lab.ui import jobs


class FakeRuntime:
    """What ``session_alive`` asks of Streamlit's runtime: which sessions are active."""

    def __init__(self, active: set[str]) -> None:
        self.active = active

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.active


def test_a_session_counts_as_gone_once_the_runtime_no_longer_has_it(monkeypatch):
    runtime = FakeRuntime({"abc"})
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    assert jobs.session_alive("session:abc")
    assert not jobs.session_alive("session:xyz")
    assert jobs.session_alive("process")  # work of the process itself is nobody's tab


def test_a_job_of_a_session_whose_tab_closed_stops_within_a_second(monkeypatch):
    runtime = FakeRuntime({"abc"})
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    sched = Scheduler(workers=1, is_alive=jobs.session_alive)
    started, gate = threading.Event(), threading.Event()
    job = sched.submit(
        gate_work(gate, started), owner="session:abc", slot="denoiser:generate", cost=1
    )
    assert started.wait(5)
    runtime.active.clear()  # the websocket closed
    t0 = time.monotonic()
    assert job.wait(1.0)
    assert time.monotonic() - t0 < 1.0
    assert job.state == "cancelled"
    gate.set()


def test_status_text_says_the_place_in_the_queue_then_the_progress():
    sched = Scheduler(workers=1, slice_s=60)  # the running job keeps the worker meanwhile
    started, gate = threading.Event(), threading.Event()

    def hold(ctx):
        started.set()
        ctx.progress(0.5, "Sampling: step 5 of 10")
        while not gate.is_set():
            time.sleep(0.005)
            yield None

    running = sched.submit(hold, owner="a", slot="s", cost=1)
    assert started.wait(5)
    waiting = sched.submit(hold, owner="b", slot="s", cost=1)
    assert jobs.status_text(waiting) == (
        "Queued: place 1 (nobody ahead; the server runs a few at a time)…"
    )
    time.sleep(0.05)
    assert jobs.status_text(running) == "Sampling: step 5 of 10"
    gate.set()
    assert waiting.wait(5)


def test_a_training_waiting_for_its_turn_reads_its_place_what_is_ahead_and_the_limit():
    now = [0.0]  # the scheduler's clock: the first training takes 5 s of it
    sched = Scheduler(workers=2, slice_s=0.01, limits={jobs.TRAINING: 1}, clock=lambda: now[0])
    started, gate = threading.Event(), threading.Event()
    hold = gate_work(gate, started)

    def quick(ctx):
        now[0] += 5.0
        yield None

    for _ in range(3):  # the estimate waits for 3 finished trainings
        assert sched.submit(quick, owner="a", slot="t", cost=10, group=jobs.TRAINING).wait(5)
    running = sched.submit(hold, owner="a", slot="t", cost=10, group=jobs.TRAINING)
    assert started.wait(5)
    queued = [sched.submit(hold, owner=o, slot="t", cost=10, group=jobs.TRAINING) for o in "bc"]
    text = jobs.status_text(queued[1])
    # 10 units in 5 s: 2 a second; the running one's 10 units and 10 more ahead take 10 s
    assert text == (
        "Queued: place 2 (1 training waits ahead, 1 running; this server trains one at a time)."
        " Those ahead should be done in about 10 s, at the pace of the last trainings here…"
    ), text
    assert jobs.status_text(queued[0]).startswith(
        "Queued: place 1 (no training waits ahead, 1 running;"
    )
    for job in (running, *queued):
        job.cancel()
    gate.set()


def test_a_server_trains_on_one_core_of_two_and_on_at_most_two():
    assert [jobs.training_slots(c) for c in (1, 2, 3, 4, 8, 64)] == [1, 1, 1, 2, 2, 2]


def test_a_pod_limited_to_two_cpus_on_a_big_node_trains_one_at_a_time(tmp_path, monkeypatch):
    (tmp_path / "cpu.max").write_text("200000 100000\n")  # Kubernetes limits.cpu: "2"
    monkeypatch.setattr(timestep_lab.jobs, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(timestep_lab.jobs.os, "sched_getaffinity", lambda pid: set(range(16)))
    assert jobs.training_slots() == 1
    sched = jobs.make_scheduler()
    assert (sched.workers, sched.limits) == (2, {jobs.TRAINING: 1})  # a core stays free
    (tmp_path / "cpu.max").write_text("max 100000\n")  # no quota: the node's cores count
    sched = jobs.make_scheduler()
    assert (sched.workers, sched.limits) == (16, {jobs.TRAINING: 2})


def test_the_reconnect_grace_comes_from_the_environment_within_its_range(monkeypatch):
    monkeypatch.delenv(jobs.GRACE_ENV, raising=False)
    assert jobs.make_scheduler().grace_s == jobs.GRACE_S == 30
    for value, grace in (("2", 2.0), ("0", 0.0), ("120", 120.0)):
        monkeypatch.setenv(jobs.GRACE_ENV, value)
        assert jobs.make_scheduler().grace_s == grace
    for bad in ("-1", "121", "nan", "inf", "soon", ""):
        monkeypatch.setenv(jobs.GRACE_ENV, bad)
        assert jobs.reconnect_grace_s() == jobs.GRACE_S, bad


def test_a_training_with_a_free_slot_waiting_for_a_busy_worker_promises_no_time():
    sched = Scheduler(workers=1, slice_s=60, limits={jobs.TRAINING: 1})
    for _ in range(3):  # a pace is known
        quick = sched.submit(lambda ctx: (yield None), owner="a", slot="t", cost=10, group="train")
        quick.result(timeout=5)
    started, gate = threading.Event(), threading.Event()
    hold = gate_work(gate, started)

    sampler = sched.submit(hold, owner="c", slot="gen", cost=1)  # holds the only worker
    assert started.wait(5)
    waiting = sched.submit(hold, owner="b", slot="t", cost=10, group=jobs.TRAINING)
    assert jobs.status_text(waiting) == (
        "Queued: place 1 (a training slot is free, but the server's workers are busy with "
        "other requests; this server trains one at a time)…"
    )
    waiting.cancel()
    gate.set()
    assert sampler.wait(5)


def test_about_rounds_a_wait_for_a_learner():
    assert [jobs.about(s) for s in (0.0, 0.2, 0.6, 12.4, 89, 150)] == [
        "less than a second",
        "less than a second",
        "about 1 s",
        "about 12 s",
        "about 89 s",
        "about 2 min",
    ]
