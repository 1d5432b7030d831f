"""The scheduler for heavy work: bounds, replacement, sessions that leave, queue places, fairness.

Jobs here are generators that sleep a little per unit (the scheduler's behaviour does not
depend on what a unit computes); every wait is bounded so a broken scheduler fails, not hangs.
"""

from __future__ import annotations

import threading
import time

import pytest

from timestep_lab import jobs as jobs_module
from timestep_lab.jobs import (
    JobCancelled,
    JobRefused,
    Position,
    Scheduler,
    cgroup_cpus,
    default_workers,
)


def sleeper(units: int, seconds: float = 0.01, log: list | None = None, *, spin: bool = False):
    """Work of ``units`` units, each sleeping (or, ``spin``, computing) ``seconds``; returns how
    many it did."""

    def work(ctx):
        for i in range(units):
            if spin:  # CPU time, which is what the scheduler counts as service
                end = time.thread_time() + seconds
                while time.thread_time() < end:
                    pass
            else:
                time.sleep(seconds)
            if log is not None:
                log.append(i)
            ctx.progress((i + 1) / units, f"unit {i + 1}")
            yield i
        return units

    return work


def gate_work(gate: threading.Event, started: threading.Event | None = None):
    """Work that holds its worker (one unit after another) until ``gate`` is set."""

    def work(ctx):
        if started is not None:
            started.set()
        while not gate.is_set():
            time.sleep(0.005)
            yield None
        return "opened"

    return work


def test_a_job_returns_its_result_and_reports_progress():
    sched = Scheduler(workers=1)
    job = sched.submit(sleeper(5), owner="a", slot="s", cost=5)
    assert job.result(timeout=5) == 5
    assert job.state == "done"
    assert job.progress == (1.0, "unit 5")
    assert job.latest == 4
    assert job.units == 5


def test_a_cost_above_the_bound_is_refused_with_a_note_before_anything_runs():
    sched = Scheduler(workers=1, max_cost=1000)
    ran = []
    with pytest.raises(JobRefused, match=r"1,001 units of work; one job may use at most 1,000"):
        sched.submit(sleeper(3, log=ran), owner="a", slot="s", cost=1001)
    assert issubclass(JobRefused, ValueError)  # pages catch it like any bad setting
    time.sleep(0.05)
    assert ran == []
    assert sched.submit(sleeper(1), owner="a", slot="s", cost=1000).result(timeout=5) == 1


def test_a_newer_request_of_the_same_session_replaces_the_older_within_a_second():
    sched = Scheduler(workers=1)
    gate, started = threading.Event(), threading.Event()
    older = sched.submit(gate_work(gate, started), owner="a", slot="gen", cost=1)
    assert started.wait(5)
    t0 = time.monotonic()
    newer = sched.submit(sleeper(2), owner="a", slot="gen", cost=1)
    assert older.wait(1.0), "the replaced job kept running"
    assert time.monotonic() - t0 < 1.0
    assert older.state == "cancelled"
    with pytest.raises(JobCancelled):
        older.result(timeout=0)
    assert newer.result(timeout=5) == 2
    assert sched.job("a", "gen") is newer
    gate.set()


def test_another_slot_or_another_session_does_not_replace_a_job():
    sched = Scheduler(workers=2)
    gate = threading.Event()
    first = sched.submit(gate_work(gate), owner="a", slot="gen", cost=1)
    other_slot = sched.submit(sleeper(2), owner="a", slot="strip", cost=1)
    other_owner = sched.submit(sleeper(2), owner="b", slot="gen", cost=1)
    assert other_slot.result(timeout=5) == 2
    assert other_owner.result(timeout=5) == 2
    assert not first.done
    gate.set()
    assert first.result(timeout=5) == "opened"


def test_a_job_stops_within_a_second_when_its_session_ends():
    alive = {"a": True}
    sched = Scheduler(workers=1, is_alive=lambda owner: alive.get(owner, False))
    gate, started = threading.Event(), threading.Event()
    job = sched.submit(gate_work(gate, started), owner="a", slot="gen", cost=1)
    assert started.wait(5)
    alive["a"] = False  # the tab closed: the runtime no longer has the session
    t0 = time.monotonic()
    assert job.wait(1.0), "the job outlived its session by more than a second"
    assert time.monotonic() - t0 < 1.0
    assert job.state == "cancelled"
    gate.set()


def test_a_queued_job_reports_its_place_and_leaves_the_queue_when_cancelled():
    sched = Scheduler(workers=1, slice_s=60)  # the running job keeps the worker meanwhile
    gate, started = threading.Event(), threading.Event()
    running = sched.submit(gate_work(gate, started), owner="a", slot="s", cost=1)
    assert started.wait(5)
    second = sched.submit(sleeper(1), owner="b", slot="s", cost=1)
    third = sched.submit(sleeper(1), owner="c", slot="s", cost=1)
    assert running.place() == 0
    assert (second.place(), third.place()) == (1, 2)
    assert sched.queued == 2
    second.cancel()
    assert second.state == "cancelled"
    assert third.place() == 1
    gate.set()
    assert third.result(timeout=5) == 1
    assert third.place() == 0
    assert third.queued_seconds > 0


def test_a_session_that_asked_little_goes_before_one_that_has_used_a_lot():
    sched = Scheduler(workers=1, slice_s=0.02)
    busy = sched.submit(sleeper(400, 0.005, spin=True), owner="heavy", slot="s", cost=1)
    time.sleep(0.3)  # the heavy session has had the worker to itself for a while
    second_heavy = sched.submit(sleeper(400, 0.005, spin=True), owner="heavy", slot="t", cost=1)
    light = sched.submit(sleeper(5, 0.005, spin=True), owner="light", slot="s", cost=1)
    assert light.result(timeout=5) == 5
    assert not busy.done, "the light job waited for the heavy one to finish"
    assert not second_heavy.done, "the light job waited behind the heavy session's second job"
    busy.cancel()
    second_heavy.cancel()


def test_two_sessions_asking_the_same_key_share_one_job_until_both_leave():
    sched = Scheduler(workers=1)
    gate, started = threading.Event(), threading.Event()
    job = sched.submit(gate_work(gate, started), owner="a", slot="gen", cost=1, key="run-1")
    same = sched.submit(sleeper(1), owner="b", slot="gen", cost=1, key="run-1")
    assert same is job
    assert started.wait(5)
    job.leave("a")
    time.sleep(0.1)
    assert not job.done, "one owner left, but the other still waits for the result"
    job.leave("b")
    assert job.wait(1.0)
    assert job.state == "cancelled"
    gate.set()


def test_a_failing_job_hands_its_error_to_the_caller_and_the_worker_lives_on():
    def broken(ctx):
        yield 0
        raise ValueError("steps=0 must be a whole number in 1 … 1000")

    sched = Scheduler(workers=1)
    with pytest.raises(ValueError, match="steps=0"):
        sched.submit(broken, owner="a", slot="s", cost=1).result(timeout=5)
    assert sched.submit(sleeper(1), owner="a", slot="s", cost=1).result(timeout=5) == 1


def test_the_pool_never_has_more_workers_than_cores():
    sched = Scheduler(workers=10_000)
    from timestep_lab.jobs import default_workers

    assert sched.workers == default_workers()
    jobs = [sched.submit(sleeper(3), owner=i, slot="s", cost=1) for i in range(12)]
    for job in jobs:
        job.result(timeout=10)
    assert len(sched._threads) <= default_workers()


# ── groups: a concurrency limit per kind of job (trainings) ──────────────────────────────


def recorder(name: str, log: list, gate: threading.Event | None = None, units: int = 3):
    """Work that notes ``(name, "start")`` at its first unit and ``(name, "end")`` at its last;
    with a ``gate``, it holds its slot (unit after unit) until the gate opens."""

    def work(ctx):
        log.append((name, "start"))
        for _ in range(units):
            time.sleep(0.005)
            yield None
        while gate is not None and not gate.is_set():
            time.sleep(0.005)
            yield None
        log.append((name, "end"))
        return name

    return work


def test_a_group_job_waits_for_the_slot_while_other_work_runs_on():
    sched = Scheduler(workers=2, slice_s=0.01, limits={"train": 1})
    log: list = []
    gate = threading.Event()
    first = sched.submit(recorder("first", log, gate), owner="a", slot="t", cost=1, group="train")
    second = sched.submit(recorder("second", log), owner="b", slot="t", cost=1, group="train")
    other = sched.submit(sleeper(5), owner="c", slot="gen", cost=1)  # a sampler, say
    assert other.result(timeout=5) == 5, "work outside the group waited for the trainings"
    time.sleep(0.2)  # many slices: the second training could have been picked by now
    assert ("second", "start") not in log, "a second training started beside the first"
    assert (first.state, second.state) == ("running", "queued")
    assert second.place() == 1 and first.place() == 0
    gate.set()
    assert second.result(timeout=5) == "second"
    assert log.index(("first", "end")) < log.index(("second", "start"))


def wait_for_start(log: list, name: str) -> None:
    end = time.monotonic() + 5
    while (name, "start") not in log:
        assert time.monotonic() < end, f"{name} never started: {log}"
        time.sleep(0.005)


def test_one_learners_nine_trainings_do_not_make_the_next_learner_wait_for_all_nine():
    sched = Scheduler(workers=1, slice_s=0.01, limits={"train": 1})
    log: list = []
    gate = threading.Event()
    mine = [
        sched.submit(
            recorder(f"a{i}", log, gate if i == 0 else None),
            owner="a",
            slot=("t", i),
            cost=1,
            group="train",
        )
        for i in range(9)  # one press: 3 conditionings × 3 seeds
    ]
    wait_for_start(log, "a0")
    other = sched.submit(recorder("b", log), owner="b", slot=("t", 0), cost=1, group="train")
    assert other.place() == 1, "the second learner waits behind all of the first one's runs"
    assert [j.place() for j in mine[1:]] == list(range(2, 10))
    gate.set()
    for job in (*mine, other):
        job.result(timeout=10)
    starts = [name for name, what in log if what == "start"]
    assert starts == ["a0", "b", *(f"a{i}" for i in range(1, 9))]


def test_learners_take_turns_and_a_shared_training_goes_at_its_least_served_owners_turn():
    # a still clock: the counts of trainings started do not fade during the test
    sched = Scheduler(workers=1, slice_s=0.01, limits={"train": 1}, clock=lambda: 0.0)
    log: list = []
    gate = threading.Event()

    def submit(name: str, owner: str, slot: int, key: str | None = None):
        job = recorder(name, log, gate if name == "a0" else None)
        return sched.submit(job, owner=owner, slot=slot, cost=1, group="train", key=key)

    holder = submit("a0", "a", 0)
    wait_for_start(log, "a0")
    a1, a2, shared = submit("a1", "a", 1), submit("a2", "a", 2), submit("shared", "a", 3, "k")
    c1, c2 = submit("c1", "c", 1), submit("c2", "c", 2)
    # a has had one started: c's turn, then a's, then c's, and a's shared job last
    assert [j.place() for j in (c1, a1, c2, a2, shared)] == [1, 2, 3, 4, 5]
    assert submit("b", "b", 0, "k") is shared
    # b has had none: the job goes first (b's turn; submitted before c's), and counts for a
    # as well, whose turn then comes after both of c's
    assert [j.place() for j in (shared, c1, c2, a1, a2)] == [1, 2, 3, 4, 5]
    gate.set()
    for job in (holder, a1, a2, shared, c1, c2):
        job.result(timeout=10)
    starts = [name for name, what in log if what == "start"]
    assert starts == ["a0", "shared", "c1", "c2", "a1", "a2"]


def test_group_jobs_start_in_submission_order_whoever_has_used_less():
    sched = Scheduler(workers=1, slice_s=0.01, limits={"train": 1})
    # "heavy" has used the CPU a lot: least-served-first alone would put "light" first;
    # no owner has had a training started, so the line is the order pressed
    sched.submit(sleeper(20, 0.01, spin=True), owner="heavy", slot="warm", cost=1).result(5)
    log: list = []
    gate = threading.Event()
    sched.submit(recorder("holder", log, gate), owner="x", slot="t", cost=1, group="train")
    end = time.monotonic() + 5
    while not log and time.monotonic() < end:
        time.sleep(0.005)
    jobs = [
        sched.submit(recorder(name, log), owner=name, slot="t", cost=1, group="train")
        for name in ("heavy", "light", "third")
    ]
    assert [j.place() for j in jobs] == [1, 2, 3]
    gate.set()
    for job in jobs:
        job.result(timeout=5)
    starts = [name for name, what in log if what == "start"]
    assert starts == ["holder", "heavy", "light", "third"]
    ends = [name for name, what in log if what == "end"]
    assert ends == starts, "a training was interleaved with another: it did not keep its slot"


def test_a_limit_of_two_runs_two_at_once_and_the_third_waits():
    sched = Scheduler(workers=2, slice_s=0.01, limits={"train": 2})
    log: list = []
    gate = threading.Event()
    jobs = [
        sched.submit(recorder(n, log, gate), owner=n, slot="t", cost=1, group="train")
        for n in ("a", "b", "c")
    ]
    end = time.monotonic() + 5
    while len(log) < 2 and time.monotonic() < end:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sorted(log) == [("a", "start"), ("b", "start")]
    where = jobs[2].position()
    assert (where.place, where.ahead, where.running, where.limit) == (1, 0, 2, 2)
    gate.set()
    assert [j.result(timeout=5) for j in jobs] == ["a", "b", "c"]


def test_a_waiting_job_whose_owners_all_left_is_dropped_and_no_longer_ahead():
    alive = {"a": True, "b": True, "c": True, "d": True}
    sched = Scheduler(workers=1, limits={"train": 1}, is_alive=lambda o: alive.get(o, False))
    log: list = []
    gate, started = threading.Event(), threading.Event()
    running = sched.submit(gate_work(gate, started), owner="a", slot="t", cost=1, group="train")
    assert started.wait(5)
    left = sched.submit(recorder("left", log), owner="b", slot="t", cost=1, group="train")
    shared = sched.submit(recorder("shared", log), owner="c", slot="t", cost=1, group="train")
    fourth = sched.submit(sleeper(1), owner="d", slot="t", cost=1, group="train")
    alive["e"] = True
    last = sched.submit(recorder("x", log), owner="e", slot="t", cost=1, group="train")
    assert (shared.place(), fourth.place(), last.place()) == (2, 3, 4)
    alive["b"] = False  # b's tab closed while it waited
    assert shared.place() == 1, "a job nobody waits for still counted as ahead"
    assert left.state == "cancelled" and left.done
    alive["e"] = False  # e's tab closed too; nothing asks for a place: a worker drops it
    assert last.state == "queued"
    gate.set()
    assert running.result(timeout=5) == "opened"
    assert shared.result(timeout=5) == "shared"
    assert fourth.result(timeout=5) == 1
    assert last.wait(5) and last.state == "cancelled"
    assert last.started is None
    assert ("left", "start") not in log and ("x", "start") not in log
    assert sched.queued == 0


def test_a_shared_waiting_job_stays_while_one_owner_is_left():
    alive = {"a": True, "b": True, "c": True}
    sched = Scheduler(workers=1, limits={"train": 1}, is_alive=lambda o: alive.get(o, False))
    gate, started = threading.Event(), threading.Event()
    running = sched.submit(gate_work(gate, started), owner="a", slot="t", cost=1, group="train")
    assert started.wait(5)
    job = sched.submit(sleeper(2), owner="b", slot="t", cost=1, group="train", key="run")
    assert sched.submit(sleeper(2), owner="c", slot="t", cost=1, group="train", key="run") is job
    alive["b"] = False
    assert job.place() == 1 and not job.done  # c still waits for it
    gate.set()
    running.result(timeout=5)
    assert job.result(timeout=5) == 2


def test_a_replaced_or_cancelled_waiting_group_job_gives_its_place_up():
    sched = Scheduler(workers=1, limits={"train": 1})
    gate, started = threading.Event(), threading.Event()
    holder = sched.submit(gate_work(gate, started), owner="a", slot="t", cost=1, group="train")
    assert started.wait(5)
    old = sched.submit(sleeper(1), owner="b", slot="t", cost=1, group="train")
    other = sched.submit(sleeper(1), owner="c", slot="t", cost=1, group="train")
    new = sched.submit(sleeper(2), owner="b", slot="t", cost=1, group="train")  # b asks again
    assert old.state == "cancelled"
    assert (other.place(), new.place()) == (1, 2)  # the new request joins the end of the line
    holder.cancel()  # the running training stops (the learner pressed Cancel)
    assert holder.wait(1.0) and holder.state == "cancelled"
    assert other.result(timeout=5) == 1 and new.result(timeout=5) == 2


def hold_at(fraction: float, gate: threading.Event, started: threading.Event):
    """Work that reports ``fraction`` done, then holds its worker until ``gate`` opens."""

    def work(ctx):
        ctx.progress(fraction)
        started.set()
        while not gate.is_set():
            time.sleep(0.005)
            yield None
        return fraction

    return work


def test_the_wait_estimate_is_the_work_ahead_in_the_line_over_the_measured_pace():
    now = [100.0]  # the scheduler's clock, moved by hand: no wall time is measured here
    sched = Scheduler(workers=1, slice_s=0.01, limits={"train": 1}, clock=lambda: now[0])
    gate, started = threading.Event(), threading.Event()
    first = sched.submit(hold_at(0.0, gate, started), owner="a", slot="t", cost=10, group="train")
    assert started.wait(5)
    queued = sched.submit(sleeper(1), owner="b", slot="t", cost=1, group="train")
    assert queued.position().wait_s is None  # no training has finished: nothing measured yet
    now[0] = 105.0  # the first took 5 s for 10 units: 2 units a second
    gate.set()
    first.result(timeout=5)
    queued.result(timeout=5)  # 0 s on this clock: no pace to learn from, and none is taken
    for finished in (1, 2):  # two more at 2 units a second: the estimate waits for three
        gate, started = threading.Event(), threading.Event()
        more = sched.submit(
            hold_at(0.0, gate, started), owner="a", slot="t", cost=10, group="train"
        )
        assert started.wait(5)
        probe = sched.submit(sleeper(1), owner="p", slot=finished, cost=1, group="train")
        assert probe.position().wait_s is None, f"an estimate from {finished} finished"
        now[0] += 5.0
        gate.set()
        more.result(timeout=5)
        probe.result(timeout=5)
    gate, started = threading.Event(), threading.Event()
    holder = sched.submit(hold_at(0.25, gate, started), owner="a", slot="t", cost=20, group="train")
    assert started.wait(5)
    later = sched.submit(sleeper(1), owner="b", slot="t", cost=20, group="train")
    last = sched.submit(sleeper(1), owner="c", slot="t", cost=1, group="train")
    # b has had a training started, c none: c goes first. The holder has 3/4 of 20 units
    # left (15 units, 7.5 s at 2 units a second); b waits for those and c's 1 unit too.
    assert last.position() == Position(place=1, ahead=0, running=1, limit=1, wait_s=7.5)
    assert later.position() == Position(place=2, ahead=1, running=1, limit=1, wait_s=8.0)
    gate.set()
    for job in (holder, later, last):
        job.result(timeout=5)
    assert last.started <= later.started


def test_a_training_with_a_free_slot_gets_no_estimate_while_the_workers_are_busy():
    now = [0.0]
    sched = Scheduler(workers=1, slice_s=60, limits={"train": 1}, clock=lambda: now[0])
    for _ in range(3):  # a pace is known: 2 units a second
        gate, started = threading.Event(), threading.Event()
        quick = sched.submit(
            hold_at(0.0, gate, started), owner="a", slot="t", cost=4, group="train"
        )
        assert started.wait(5)
        now[0] += 2.0
        gate.set()
        quick.result(timeout=5)
    gate, started = threading.Event(), threading.Event()
    other = sched.submit(gate_work(gate, started), owner="c", slot="gen", cost=1)  # a sampler
    assert started.wait(5)
    training = sched.submit(sleeper(1), owner="b", slot="t", cost=4, group="train")
    assert training.position() == Position(place=1, ahead=0, running=0, limit=1, wait_s=None)
    gate.set()
    assert other.result(timeout=5) == "opened" and training.result(timeout=5) == 1


def training_held_by_a(alive: dict, now: list):
    """One training slot with a 30 s grace on a clock the test moves; owner "a" holds the
    slot until the returned gate opens. Returns (scheduler, a's job, gate)."""
    sched = Scheduler(
        workers=1,
        slice_s=0.01,
        limits={"train": 1},
        is_alive=lambda o: alive[o],
        grace_s=30,
        clock=lambda: now[0],
    )
    gate, started = threading.Event(), threading.Event()
    holder = sched.submit(gate_work(gate, started), owner="a", slot="t", cost=1, group="train")
    assert started.wait(5)
    return sched, holder, gate


def test_a_waiting_job_keeps_its_place_while_its_owner_is_briefly_away():
    now = [0.0]
    alive = {"a": True, "b": True, "c": True}
    sched, holder, gate = training_held_by_a(alive, now)
    b = sched.submit(sleeper(1), owner="b", slot="t", cost=1, group="train")
    c = sched.submit(sleeper(1), owner="c", slot="t", cost=1, group="train")
    alive["b"] = False  # a Wi-Fi blip
    assert c.place() == 2
    now[0] = 29.0
    assert (b.state, c.place()) == ("queued", 2), "a brief drop cost the place in line"
    alive["b"] = True  # back: the blip is forgotten
    now[0] = 45.0
    assert c.place() == 2
    alive["b"] = False
    gate.set()  # the slot frees while b is away: b is passed over, not started, and keeps
    assert holder.result(timeout=5) == "opened"
    assert c.result(timeout=5) == 1
    time.sleep(0.1)
    assert b.state == "queued" and b.started is None
    now[0] = 45.0 + 30.0  # away for the whole grace: gone
    assert b.wait(5) and b.state == "cancelled" and b.started is None


def test_a_waiting_job_whose_owner_comes_back_starts_at_its_turn():
    now = [0.0]
    alive = {"a": True, "b": True}
    sched, holder, gate = training_held_by_a(alive, now)
    b = sched.submit(sleeper(1), owner="b", slot="t", cost=1, group="train")
    alive["b"] = False
    gate.set()
    assert holder.result(timeout=5) == "opened"
    now[0] = 20.0
    time.sleep(0.1)
    assert b.state == "queued"
    alive["b"] = True  # reconnected within the grace
    assert b.result(timeout=5) == 1


def test_the_cgroup_cpu_quota_bounds_the_workers(tmp_path, monkeypatch):
    def root(name: str, files: dict[str, str]):
        folder = tmp_path / name
        for path, text in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)
        return folder

    assert cgroup_cpus(root("v2", {"cpu.max": "200000 100000\n"})) == 2
    assert cgroup_cpus(root("v2-half", {"cpu.max": "150000 100000\n"})) == 2  # 1.5 → 2
    assert cgroup_cpus(root("v2-none", {"cpu.max": "max 100000\n"})) is None
    v1 = {"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}
    assert cgroup_cpus(root("v1", v1)) == 1
    v1_none = {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}
    assert cgroup_cpus(root("v1-none", v1_none)) is None
    assert cgroup_cpus(tmp_path / "absent") is None
    # a pod limited to 2 CPUs on a 16-core node: 2 workers, not 16
    monkeypatch.setattr(jobs_module.os, "sched_getaffinity", lambda pid: set(range(16)))
    assert default_workers(tmp_path / "v2") == 2
    assert default_workers(tmp_path / "v2-none") == 16
    assert default_workers(tmp_path / "absent") == 16
    monkeypatch.setattr(jobs_module, "CGROUP_ROOT", tmp_path / "v1")
    assert default_workers() == 1
    assert Scheduler(workers=8).workers == 1


def test_groups_and_limits_are_checked():
    with pytest.raises(ValueError, match="limit of group 'train' is 0; it must be an int ≥ 1"):
        Scheduler(limits={"train": 0})
    sched = Scheduler(workers=1, limits={"train": 1})
    with pytest.raises(
        ValueError, match=r"group 'fit' has no limit here; the groups are \['train'\]"
    ):
        sched.submit(sleeper(1), owner="a", slot="s", cost=1, group="fit")
