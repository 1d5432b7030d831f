"""Returning memory after a class: the collector finds session-like cycles, freezing is lazy."""

import gc
import sys
import threading
import types
import weakref

import pytest

from timestep_lab.ui import memory


class Node:
    """An object in a reference cycle, like a finished session's objects."""

    def __init__(self):
        self.me = self


@pytest.fixture
def automatic_gc_off():
    """Without the automatic collector, only ``release_memory`` can free a cycle."""
    gc.disable()
    yield
    gc.enable()


def test_release_memory_frees_cyclic_garbage(automatic_gc_off):
    node = Node()
    alive = weakref.ref(node)
    del node
    assert alive() is not None  # a cycle: reference counting alone does not free it
    unreachable, trimmed = memory.release_memory()
    assert alive() is None and unreachable >= 1
    assert trimmed == sys.platform.startswith("linux")  # glibc on the machines we run on


def test_freezing_happens_once_per_new_import():
    memory.freeze_loaded_modules()
    try:
        assert memory.freeze_loaded_modules() is False  # nothing new imported
        sys.modules["timestep_lab_fake_import"] = types.ModuleType("timestep_lab_fake_import")
        assert memory.freeze_loaded_modules() is True
        assert gc.get_freeze_count() > 0
        assert memory.freeze_loaded_modules() is False
    finally:
        sys.modules.pop("timestep_lab_fake_import", None)
        gc.unfreeze()  # the rest of the test session collects as usual


def test_one_janitor_per_process():
    first = memory.start_janitor(period_s=3600)
    assert memory.start_janitor(period_s=3600) is first
    threads = [t for t in threading.enumerate() if t.name == "timestep-lab-janitor"]
    assert len(threads) == 1 and threads[0].daemon


def test_the_janitor_empties_caches_once_per_idle_spell():
    calls = []
    janitor = memory.Janitor(idle_s=120, on_idle=lambda: calls.append("cleared"))
    start = janitor.last_activity
    assert janitor.sweep(now=start + 60) is False  # a pause while the teacher talks
    assert janitor.sweep(now=start + 121) is True
    assert janitor.sweep(now=start + 500) is False  # once, not every round
    assert calls == ["cleared"]
    janitor.note_activity()  # the next class arrives
    assert janitor.sweep(now=janitor.last_activity + 121) is True
    assert calls == ["cleared", "cleared"]
