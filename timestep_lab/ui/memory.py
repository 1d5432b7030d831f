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
background thread per process collects and trims every ``JANITOR_PERIOD_S`` seconds.
Streamlit keeps a disconnected session ``server.disconnectedSessionTTL`` (120 s) for a
student whose Wi-Fi drops, so memory returns a little after that.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
import time

JANITOR_PERIOD_S = 30.0

_lock = threading.Lock()
_frozen_at_modules = 0  # len(sys.modules) when everything alive was last frozen
_janitor: threading.Thread | None = None


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


def _sweep_forever(period_s: float) -> None:
    while True:
        time.sleep(period_s)
        release_memory()


def start_janitor(period_s: float = JANITOR_PERIOD_S) -> threading.Thread:
    """Start, once per process, the daemon thread that calls ``release_memory`` periodically."""
    global _janitor
    with _lock:
        if _janitor is None or not _janitor.is_alive():
            _janitor = threading.Thread(
                target=_sweep_forever, args=(period_s,), name="timestep-lab-janitor", daemon=True
            )
            _janitor.start()
        return _janitor
