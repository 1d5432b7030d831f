"""Shared read-only arrays: one copy for every session, bounded by bytes, computed once."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from timestep_lab.encodings import timestep_embedding
from timestep_lab.encodings.display import HeatmapGrid, heatmap_grid
from timestep_lab.ui.arrays import ArrayCache, clear_all, nbytes, shared_arrays


def test_every_caller_gets_the_same_read_only_array_not_a_copy():
    calls = []

    @shared_arrays(max_bytes=2**20)
    def embedding(T: int, d: int) -> np.ndarray:
        calls.append((T, d))
        return timestep_embedding(np.arange(T), d)

    first, second = embedding(100, 16), embedding(100, 16)
    assert first is second
    assert calls == [(100, 16)]
    assert not first.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        first[3][1] = 5.0  # a row is a view of the shared array: read-only too
    np.testing.assert_array_equal(first, timestep_embedding(np.arange(100), 16))


def test_arrays_inside_tuples_and_dataclasses_are_frozen_and_counted():
    grid = heatmap_grid(400, 64, k=3)
    value = (np.zeros(10), {"grid": grid})
    cache = ArrayCache(max_bytes=2**20)
    assert cache.get_or_compute("x", lambda: value) is value
    assert isinstance(grid, HeatmapGrid)
    assert not grid.values.flags.writeable and not value[0].flags.writeable
    assert nbytes(value) == 80 + grid.rows.nbytes + grid.columns.nbytes + grid.values.nbytes
    assert cache.nbytes == nbytes(value)


def test_the_cache_drops_the_least_recently_used_once_over_its_bytes():
    cache = ArrayCache(max_bytes=3 * 8000, max_entries=100)
    for key in range(3):
        cache.get_or_compute(key, lambda: np.zeros(1000))  # 8000 bytes each
    cache.get_or_compute(0, lambda: pytest.fail("0 should still be cached"))  # 0 is now recent
    cache.get_or_compute(3, lambda: np.zeros(1000))
    assert len(cache) == 3 and cache.nbytes == 24_000
    made = []
    cache.get_or_compute(1, lambda: made.append(1) or np.zeros(1000))
    assert made == [1], "key 1 was the least recently used and should have been dropped"


def test_a_result_larger_than_the_bound_is_returned_but_not_kept():
    cache = ArrayCache(max_bytes=1000)
    small = cache.get_or_compute("small", lambda: np.zeros(10))
    big = cache.get_or_compute("big", lambda: np.zeros(1000))
    assert big.shape == (1000,)
    assert len(cache) == 1 and cache.get_or_compute("small", lambda: None) is small


def test_threads_asking_for_the_same_missing_entry_compute_it_once():
    cache = ArrayCache(max_bytes=2**20)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return np.ones(5)

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(calls) == 1
    assert len(results) == 4 and all(r is results[0] for r in results)


def test_clear_all_empties_every_shared_cache():
    @shared_arrays(max_bytes=2**20)
    def ones(n: int) -> np.ndarray:
        return np.ones(n)

    ones(3)
    assert len(ones.cache) == 1
    clear_all()
    assert len(ones.cache) == 0


def test_a_function_defined_again_by_a_rerun_finds_its_cache():
    source = "def embedding(T):\n    return __import__('numpy').zeros(T)\n"

    def define():  # what a page script's rerun does: the function is a new object each time
        namespace = {}
        exec(compile(source, "app_pages/fake.py", "exec"), namespace)
        return shared_arrays(max_bytes=2**20)(namespace["embedding"])

    first, second = define(), define()
    assert first is not second
    assert first(7) is second(7)
    assert first.cache is second.cache
