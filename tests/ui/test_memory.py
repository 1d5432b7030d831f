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


def test_clear_caches_empties_every_registered_cache_and_keeps_the_shared_runs():
    from app_pages.sections import denoiser_cached, k_free, noise_cached, time_inputs
    from timestep_lab.lesson import evidence

    registered = memory.idle_caches()
    for module, names in [
        (
            noise_cached,
            "cached_schedules cached_bundled_image bundled_pixels cached_noise_views "
            "cached_filmstrip cached_curves cached_spacing",
        ),
        (
            denoiser_cached,
            "cached_description cached_truth cached_animation cached_step_data cached_run_views",
        ),
        (k_free, "encoding_figures naive_figures layouts_figure layout_reorder_gap"),
        (time_inputs, "cached_measures"),
        (evidence, "card_file_evaluation"),
    ]:
        for name in names.split():
            assert registered[f"{module.__name__}.{name}"] is getattr(module, name)

    class Model:
        def describe(self):
            return {"params": 1}

    model = Model()  # alive while the test runs: a loaded model's description is kept
    filled = [
        lambda: noise_cached.cached_schedules(10, False),
        lambda: noise_cached.cached_noise_views("digit", 16, 3, "cosine", 10, False),
        lambda: denoiser_cached.cached_truth("moons"),
        lambda: denoiser_cached.cached_description(model),
        lambda: k_free.encoding_figures(20, 8, 10_000.0, "transformer"),
        lambda: k_free.naive_figures(20, 8, 10_000.0, "transformer"),
        lambda: k_free.layouts_figure(8, 10_000.0),
        lambda: k_free.layout_reorder_gap(20, 8, 10_000.0),
        lambda: time_inputs.cached_measures(20, 8, 10_000.0, "transformer", "t", 1000, "linear"),
        lambda: evidence.card_evaluation("digits"),
    ]
    for fill in filled:
        fill()
    sizes = {name: cached.cache_info().currsize for name, cached in registered.items()}
    assert sum(size > 0 for size in sizes.values()) >= len(filled)
    store = denoiser_cached.trajectory_store()
    memory.clear_caches()
    sizes = {name: cached.cache_info().currsize for name, cached in registered.items()}
    assert sizes == dict.fromkeys(registered, 0)
    assert denoiser_cached.trajectory_store() is store  # the shared runs stay
