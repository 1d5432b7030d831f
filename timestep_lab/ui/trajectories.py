"""Finished sampling runs, shared by every session of the server, bounded and thread-safe.

A class that opens the same link and presses "Generate" should share one run, not start thirty:
runs are kept by their settings (a hashable key), the oldest dropped first once there are more
than ``max_entries`` or they hold more than ``max_bytes`` of arrays. While one session computes a
key, another asking for the same key waits for it instead of computing it again.

No torch here: a run's steps are whatever records the sampler yields (``timestep_lab.models``'
``Step``: NumPy arrays), so this module loads with the rest of the UI at app start.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Hashable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray


def kept_steps(total: int, max_kept: int) -> NDArray[np.int64]:
    """Indices of the steps worth keeping: all of them up to ``max_kept``, else evenly spaced.

    The first and the last step are always kept (total ≥ 1, max_kept ≥ 2).
    """
    if total <= max_kept:
        return np.arange(total)
    return np.unique(np.round(np.linspace(0, total - 1, max_kept)).astype(np.int64))


def _record_bytes(record: Any) -> int:
    return sum(v.nbytes for v in vars(record).values() if isinstance(v, np.ndarray))


@dataclass(frozen=True)
class Trajectory:
    """A finished run: the kept steps in sampling order, every timestep visited, the samples.

    steps: ``Step`` records (``index`` says which sampler step each one was). timesteps: all
    k visited (S,). final: the samples x_0 (the last step's ``x_prev``). seconds: wall time.
    """

    steps: tuple[Any, ...]
    timesteps: NDArray[np.int64]
    final: NDArray[np.float32]
    seconds: float

    @cached_property
    def nbytes(self) -> int:
        """Bytes of array data held (what the store's memory cap counts)."""
        return sum(_record_bytes(s) for s in self.steps) + self.timesteps.nbytes + self.final.nbytes


class TrajectoryStore:
    """A bounded, thread-safe, least-recently-used map from run settings to ``Trajectory``."""

    def __init__(self, *, max_entries: int = 32, max_bytes: int = 192 * 2**20) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._runs: OrderedDict[Hashable, Trajectory] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, list] = {}  # key → [lock, number of sessions using it]

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(t.nbytes for t in self._runs.values())

    def get(self, key: Hashable) -> Trajectory | None:
        """The run stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            run = self._runs.get(key)
            if run is not None:
                self._runs.move_to_end(key)
            return run

    def put(self, key: Hashable, run: Trajectory) -> None:
        """Store a run, dropping the least recently used ones beyond the caps."""
        with self._lock:
            self._runs[key] = run
            self._runs.move_to_end(key)
            total = sum(t.nbytes for t in self._runs.values())
            while len(self._runs) > 1 and (
                len(self._runs) > self.max_entries or total > self.max_bytes
            ):
                _, dropped = self._runs.popitem(last=False)
                total -= dropped.nbytes

    def busy(self, key: Hashable) -> bool:
        """Whether some session is computing ``key`` right now."""
        with self._lock:
            return key in self._computing

    def get_or_compute(
        self,
        key: Hashable,
        compute: Callable[[], Trajectory],
        *,
        waiting: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> Trajectory:
        """The run stored under ``key``, computed once however many sessions ask at the same time.

        compute: makes the run when nobody has. waiting: a context (e.g. a spinner) shown while
        this session waits for another one computing the same key.
        """
        run = self.get(key)
        if run is not None:
            return run
        with waiting() if self.busy(key) else nullcontext(), self.computing(key) as waited:
            run = self.get(key) if waited else None
            if run is None:
                run = compute()
                self.put(key, run)
        return run

    @contextmanager
    def computing(self, key: Hashable, *, timeout: float = 600.0) -> Iterator[bool]:
        """Hold the right to compute ``key``; yields whether another session held it first.

        When it did, this waits (up to ``timeout`` seconds) for it to finish, so the caller
        should look in the store again before computing. Released even if the run is
        interrupted (a rerun raises inside the block).
        """
        with self._lock:
            entry = self._computing.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        lock: threading.Lock = entry[0]
        waited = not lock.acquire(blocking=False)
        acquired = not waited or lock.acquire(timeout=timeout)
        try:
            yield waited
        finally:
            if acquired:
                lock.release()
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._computing.pop(key, None)


def record_steps(
    records: Iterable[Any], timesteps: NDArray[np.int64], *, max_kept: int = 60
) -> Generator[Any, None, Trajectory]:
    """Pass the sampler's step records on one by one, keeping ≤ ``max_kept`` of them; returns
    the finished ``Trajectory`` (a scheduler job's work: one record per unit).

    timesteps: every k the sampler visits (S,).
    """
    keep = set(kept_steps(len(timesteps), max_kept).tolist())
    kept, start = [], time.perf_counter()
    for record in records:
        if record.index in keep:
            kept.append(record)
        yield record
    return Trajectory(
        tuple(kept), np.asarray(timesteps), kept[-1].x_prev, time.perf_counter() - start
    )


def record_run(
    records: Iterable[Any],
    timesteps: NDArray[np.int64],
    *,
    max_kept: int = 60,
    live: Callable[[Any], None] | None = None,
    live_updates: int = 25,
) -> Trajectory:
    """Run the sampler's step records to the end, keeping ≤ ``max_kept`` of them.

    timesteps: every k the sampler visits (S,). live: called with about ``live_updates``
    evenly spaced records (always the last one) while the run goes, to draw it as it happens.
    """
    total = len(timesteps)
    every = max(1, total // live_updates)
    steps = record_steps(records, timesteps, max_kept=max_kept)
    while True:
        try:
            record = next(steps)
        except StopIteration as finished:
            return finished.value
        if live is not None and (record.index % every == 0 or record.index == total - 1):
            live(record)
