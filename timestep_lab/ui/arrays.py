"""Arrays shared read-only by every session, in caches bounded by bytes (not only by entries).

``st.cache_data`` hands every run a fresh *copy* of what it cached: a 4000 × 1024 float64
matrix is 33 MB per run, and with Streamlit's collection after each run turned off
(``runner.postScriptGC``, see ``memory.py``) holding an arrow key on ``/encoding`` grew the
server by ~31 MB a move. ``shared_arrays`` instead keeps one copy per argument tuple,
marks every NumPy array in the result read-only (``setflags(write=False)``: a page that tried
to change one would raise instead of corrupting another session's view), and drops the least
recently used results once they hold more than ``max_bytes`` or number more than
``max_entries``. Two sessions asking for the same missing entry compute it once.

``clear_all()`` empties every such cache (the janitor calls it once a class has gone).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

R = TypeVar("R")
_registry: dict[tuple[str, str, bytes], ArrayCache] = {}  # one cache per function, for good
_registry_lock = threading.Lock()


def _arrays(value: Any) -> list[np.ndarray]:
    """The NumPy arrays in a result: itself, in a tuple/list/dict, or fields of a dataclass."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [a for f in dataclasses.fields(value) for a in _arrays(getattr(value, f.name))]
    return []


def freeze(value: R) -> R:
    """Make every array in ``value`` read-only (in place); returns ``value``."""
    for array in _arrays(value):
        array.setflags(write=False)
    return value


def nbytes(value: Any) -> int:
    """Bytes of array data in ``value`` (what the cache's bound counts)."""
    return sum(a.nbytes for a in _arrays(value))


class ArrayCache:
    """A thread-safe least-recently-used map bounded by entries and by bytes of arrays."""

    def __init__(self, *, max_bytes: int, max_entries: int = 64) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(size for _, size in self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get_or_compute(self, key: Hashable, compute: Callable[[], R]) -> R:
        """The value under ``key``, computed (once, however many threads ask) when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._items:  # another thread made it while this one waited
                    self._items.move_to_end(key)
                    return self._items[key][0]
            try:
                value = freeze(compute())
                size = nbytes(value)
                if size > self.max_bytes:  # too big to keep: hand it out, keep nothing
                    return value
                with self._lock:
                    self._items[key] = (value, size)
                    total = sum(s for _, s in self._items.values())
                    while len(self._items) > 1 and (
                        len(self._items) > self.max_entries or total > self.max_bytes
                    ):
                        _, (_, dropped) = self._items.popitem(last=False)
                        total -= dropped
                return value
            finally:
                with self._lock:
                    self._computing.pop(key, None)


def cache_for(function: Callable[..., Any], *, max_bytes: int, max_entries: int) -> ArrayCache:
    """The one cache of ``function``, however often its page script runs again.

    A page file is executed afresh on every rerun, defining its functions anew; like
    ``st.cache_data``, the cache is found by where the function is defined and its code.
    """
    code = function.__code__
    key = (code.co_filename, function.__qualname__, code.co_code)
    with _registry_lock:
        if key not in _registry:
            _registry[key] = ArrayCache(max_bytes=max_bytes, max_entries=max_entries)
        return _registry[key]


def shared_arrays(*, max_bytes: int, max_entries: int = 64):
    """Decorator: cache a function of hashable arguments in an ``ArrayCache`` (read-only)."""

    def wrap(function: Callable[..., R]) -> Callable[..., R]:
        cache = cache_for(function, max_bytes=max_bytes, max_entries=max_entries)

        @functools.wraps(function)
        def cached(*args: Hashable) -> R:
            return cache.get_or_compute(args, lambda: function(*args))

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return wrap


def clear_all() -> None:
    """Empty every ``shared_arrays`` cache of the process."""
    with _registry_lock:
        caches = list(_registry.values())
    for cache in caches:
        cache.clear()
