"""Give the memory a class used back to the operating system once the students have gone.

Three facts of CPython and glibc, each seen with ``python -m benchmarks.classroom`` (30 students
for a minute, then nobody):

1. A finished session is a web of objects that refer to one another, so only the cyclic
   garbage collector frees it. Streamlit's collection after every run is off here
   (``runner.postScriptGC``: with torch loaded it cost ~115 ms a run), and Python's own full
   collections are rare and never happen on an idle server: 480 MB stayed after the class.
2. A full collection walks every tracked object: ~370 000 once torch and the pages are loaded.
   Those live as long as the process, so ``gc.freeze()`` moves them out of the collector's
   sight and a full collection then walks only what sessions made (115 ms → a few ms).
3. glibc keeps freed heap pages for reuse; ``malloc_trim(0)`` hands them back.

So the app freezes what is loaded whenever new modules have been imported, and one
background thread per process collects and trims every ``JANITOR_PERIOD_S`` seconds. Once
no page has run for ``IDLE_S`` seconds (the class has gone) it also empties the
``st.cache_data`` caches, the shared array caches (``arrays.py``: embeddings, heatmap
grids: ~80 MB after a class) and the functools-style caches the page modules register
(``cleared_when_idle``: figures, step views, run pictures), which the next class refills in
milliseconds; the loaded models and shared runs stay. Streamlit keeps a
disconnected session ``server.disconnectedSessionTTL`` (120 s) for a student whose Wi-Fi
drops, so memory returns a little after that.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from timestep_lab.lesson import evidence
from timestep_lab.ui.arrays import clear_all

JANITOR_PERIOD_S = 30.0
IDLE_S = 120.0

_lock = threading.Lock()
_frozen_at_modules = 0  # len(sys.modules) when everything alive was last frozen
_janitor: Janitor | None = None
_thread: threading.Thread | None = None
_idle_caches: dict[str, Any] = {}  # by the cached function's module and name
C = TypeVar("C")


def _find_malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


_malloc_trim = _find_malloc_trim()


def freeze_loaded_modules() -> bool:
    """If modules were imported since the last call: collect, then ``gc.freeze()`` the rest.

    What is alive then (libraries, page modules, loaded models) lives for the whole process;
    frozen, the collector no longer walks it. Returns whether it froze.
    """
    global _frozen_at_modules
    if len(sys.modules) == _frozen_at_modules:
        return False
    with _lock:
        if len(sys.modules) == _frozen_at_modules:
            return False
        gc.collect()
        gc.freeze()
        _frozen_at_modules = len(sys.modules)
    return True


def release_memory() -> tuple[int, bool]:
    """Collect cyclic garbage and hand freed heap pages back to the OS.

    Returns (objects the collector found unreachable, whether ``malloc_trim`` was available).
    """
    unreachable = gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)
    return unreachable, _malloc_trim is not None


class Janitor:
    """Releases memory every round; after ``idle_s`` without a page run, calls ``on_idle`` once.

    ``note_activity`` (every page run) re-arms it. Rounds are driven by ``sweep`` (the thread
    started by ``start_janitor`` calls it every ``period_s``; tests call it directly).
    """

    def __init__(self, *, idle_s: float, on_idle: Callable[[], None]) -> None:
        self.idle_s = idle_s
        self.on_idle = on_idle
        self.last_activity = time.monotonic()
        self.idle_handled = False

    def note_activity(self) -> None:
        self.last_activity = time.monotonic()
        self.idle_handled = False

    def sweep(self, now: float | None = None) -> bool:
        """One round; returns whether ``on_idle`` was called in it."""
        now = time.monotonic() if now is None else now
        went_idle = not self.idle_handled and now - self.last_activity >= self.idle_s
        if went_idle:
            self.idle_handled = True
            self.on_idle()
        release_memory()
        return went_idle


def _sweep_forever(janitor: Janitor, period_s: float) -> None:
    while True:
        time.sleep(period_s)
        janitor.sweep()


def cleared_when_idle(cached: C) -> C:
    """Decorator: let ``clear_caches`` empty this process-wide cache (a ``functools.lru_cache``,
    or anything with its ``cache_clear()``, e.g. ``per_run``); returns ``cached`` itself.

    Registered by its module and name, so a module imported again replaces its entry."""
    with _lock:
        _idle_caches[f"{cached.__module__}.{cached.__qualname__}"] = cached
    return cached


# The lesson's layer imports nothing of the UI, so its cache of the model cards is named here.
cleared_when_idle(evidence.card_file_evaluation)


def idle_caches() -> dict[str, Any]:
    """The caches ``clear_caches`` empties besides Streamlit's and ``arrays.py``'s, by name."""
    with _lock:
        return dict(_idle_caches)


def clear_caches() -> None:
    """Empty the ``st.cache_data`` caches, the shared read-only array caches and every cache
    registered with ``cleared_when_idle``."""
    st.cache_data.clear()
    clear_all()
    for cached in idle_caches().values():
        cached.cache_clear()


def start_janitor(
    period_s: float = JANITOR_PERIOD_S,
    idle_s: float = IDLE_S,
    on_idle: Callable[[], None] = clear_caches,
) -> Janitor:
    """Start, once per process, the daemon thread that sweeps every ``period_s`` seconds."""
    global _janitor, _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _janitor = Janitor(idle_s=idle_s, on_idle=on_idle)
            _thread = threading.Thread(
                target=_sweep_forever,
                args=(_janitor, period_s),
                name="timestep-lab-janitor",
                daemon=True,
            )
            _thread.start()
        return _janitor


def note_activity() -> None:
    """A page is running: the class is here (re-arms the janitor's idle clean-up)."""
    if _janitor is not None:
        _janitor.note_activity()
