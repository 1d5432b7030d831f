"""The shared trajectory store: bounded, least recently used first out, one computation per key."""

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from timestep_lab.ui.trajectories import Trajectory, TrajectoryStore, kept_steps, record_run


def trajectory(nbytes: int = 800) -> Trajectory:
    step = SimpleNamespace(index=0, xk=np.zeros(nbytes // 4, np.float32))
    return Trajectory((step,), np.array([0]), np.zeros(0, np.float32), 0.0)


@pytest.mark.parametrize(("total", "max_kept"), [(1, 60), (50, 60), (60, 60), (1000, 60)])
def test_kept_steps_keep_both_ends(total, max_kept):
    kept = kept_steps(total, max_kept)
    assert kept.size == min(total, max_kept) and kept[0] == 0 and kept[-1] == total - 1


def test_store_drops_the_least_recently_used_beyond_its_caps():
    store = TrajectoryStore(max_entries=2, max_bytes=10_000)
    store.put("a", trajectory())
    store.put("b", trajectory())
    assert store.get("a") is not None  # a is now the most recently used
    store.put("c", trajectory())
    assert store.get("b") is None and store.get("a") is not None and len(store) == 2
    store.put("big", trajectory(9_600))
    assert len(store) == 1 and store.nbytes <= 10_000


def test_one_computation_however_many_ask_at_once():
    store, calls, results = TrajectoryStore(), [], []

    def compute():
        calls.append(1)
        time.sleep(0.2)
        return trajectory()

    threads = [
        threading.Thread(target=lambda: results.append(store.get_or_compute("k", compute)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1
    assert not store.busy("k")


def test_an_interrupted_computation_frees_its_key():
    store = TrajectoryStore()

    def fail():
        raise RuntimeError("rerun")

    with pytest.raises(RuntimeError):
        store.get_or_compute("k", fail)
    assert not store.busy("k") and store.get("k") is None
    assert store.get_or_compute("k", trajectory) is not None


def test_record_run_keeps_a_bounded_subset_and_streams():
    records = [SimpleNamespace(index=i, x_prev=np.full(2, i, np.float32)) for i in range(100)]
    seen = []
    run = record_run(iter(records), np.arange(100)[::-1], max_kept=10, live=seen.append)
    assert len(run.steps) == 10 and run.steps[-1].index == 99
    assert run.final.tolist() == [99, 99]
    assert 20 <= len(seen) <= 26 and seen[-1].index == 99
