"""Denoiser page: what it keeps across runs and sessions, made once per process.

In a module of its own, not in the page script: Streamlit runs a page's file anew on every
rerun, and each cache decorator there reads its function's source again (``inspect``, a few
ms a run under py-spy); here they are made once per process.

What a run asks for on every rerun is cached with functools or ``per_run``, not ``st.cache_*``:
Streamlit binds each call's signature with ``inspect`` and hashes its arguments its own way,
~0.3–0.9 ms a call under py-spy, several calls a run.
"""

import threading
from collections.abc import Callable, Hashable
from functools import cache, lru_cache, wraps
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

import numpy as np

from timestep_lab.encodings import column_roles
from timestep_lab.figures import denoiser as fig
from timestep_lab.images.pixels import png_data_url
from timestep_lab.models.data import sample_2d
from timestep_lab.ui import shared_figure
from timestep_lab.ui.arrays import ArrayCache
from timestep_lab.ui.components import json_bytes
from timestep_lab.ui.components.denoise_views import denoise_data
from timestep_lab.ui.memory import cleared_when_idle
from timestep_lab.ui.page import SharedFigure
from timestep_lab.ui.trajectories import Trajectory, TrajectoryStore

SETTLED = 0.1  # RMS distance to the finished samples that counts as "already there"
F = TypeVar("F", bound=Callable[..., Any])


class CacheInfo(NamedTuple):
    """What ``cache_info()`` tells of a cache here, as ``functools.lru_cache``'s does."""

    maxsize: int | None
    currsize: int


# A bound in bytes for ``per_run``: what it keeps is mostly figures and text, which
# ``ArrayCache`` does not count; the entries bound it.
PER_RUN_MAX_BYTES = 256 * 2**20


def per_run(maxsize: int) -> Callable[[F], F]:
    """Cache a function's results by its first argument (a run's key, ``run_key``) and its
    keyword arguments, keeping the ``maxsize`` most recently used, in the project's
    ``ArrayCache`` (thread-safe; two sessions missing the same run compute it once; arrays in
    a result made read-only).

    The positional arguments after the key follow from it (the run itself, its model's
    schedule), so they are neither hashed nor compared. What is kept is shared read-only
    between sessions, like the run.
    """

    def decorate(function: F) -> F:
        kept = ArrayCache(max_bytes=PER_RUN_MAX_BYTES, max_entries=maxsize)

        @wraps(function)
        def cached(key: Hashable, *args: Any, **kwargs: Any) -> Any:
            slot = (key, *sorted(kwargs.items()))
            return kept.get_or_compute(slot, lambda: function(key, *args, **kwargs))

        cached.cache_clear = kept.clear  # type: ignore[attr-defined]
        cached.cache_info = lambda: CacheInfo(maxsize, len(kept))  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return decorate


def per_model(function: F) -> F:
    """Cache a function of a model by the model object itself, for as long as it is loaded:
    the key is weak, so what is kept never keeps a model alive that ``_load`` has dropped
    (e.g. after a retrain), and goes with it (thread-safe)."""
    kept: WeakKeyDictionary[Any, Any] = WeakKeyDictionary()
    lock = threading.Lock()

    @wraps(function)
    def cached(model: Any) -> Any:
        with lock:
            if model in kept:
                return kept[model]
        value = function(model)
        with lock:
            kept[model] = value
        return value

    def cache_clear() -> None:
        with lock:
            kept.clear()

    cached.cache_clear = cache_clear  # type: ignore[attr-defined]
    cached.cache_info = lambda: CacheInfo(None, len(kept))  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


@cleared_when_idle
@per_model
def cached_description(model: Any) -> dict[str, Any]:
    """``model.describe()`` (its layer sizes and parameter counts), once per loaded model:
    counting the parameters costs ~0.5 ms a run. Shared read-only."""
    return model.describe()


@cache
def trajectory_store() -> TrajectoryStore:
    """The process's one store of finished runs, shared by every session."""
    return TrajectoryStore(max_entries=32, max_bytes=128 * 2**20)


@cleared_when_idle
@lru_cache(maxsize=8)
def cached_truth(dataset: str) -> np.ndarray:
    """1,500 points of the shape (read-only): a fresh draw, not the training points."""
    truth = sample_2d(dataset, 1500, seed=1001)
    truth.setflags(write=False)
    return truth


@cleared_when_idle
@per_run(maxsize=16)
def cached_animation(key: tuple, _run: Trajectory, _alpha_bar: np.ndarray, _truth) -> SharedFigure:
    """The playback animation of the run stored under ``key`` (what ``run_key`` returns).

    Built once per run, not on every rerun: 40 frames cost ~40 ms of the server's time.
    The arguments after ``key`` follow from it (model, settings), so only ``key`` is hashed.
    Shared read-only between sessions, like the run itself.
    """
    return shared_figure(fig.trajectory_animation_figure(_run.steps, _alpha_bar, truth=_truth))


@cleared_when_idle
@per_run(maxsize=8)
def cached_step_data(
    key: tuple, _run: Trajectory, _alpha_bar, _description, _truth, *, x0_title: str, width: int
) -> tuple[dict, bytes]:
    """What the step view is sent for the run stored under ``key`` (``run_key``), and the same
    as it travels (``json_bytes``): built once.

    Shared read-only between sessions, like the run; the arguments after ``key`` follow from it.
    """
    _, kind = column_roles(_description["enc_dim"], convention=_description["convention"])
    data = denoise_data(
        _run.steps,
        _run.timesteps,
        _alpha_bar,
        kind=kind.tolist(),
        convention=_description["convention"],
        emb_dim=_description["emb_dim"],
        x0_title=x0_title,
        width=width,
        truth=_truth,
    )
    return data, json_bytes(data)


def settled(run: Trajectory, field: str) -> int:
    """The first kept timestep k at which ``field`` (xk or x0_pred) is within RMS ``SETTLED``
    of the finished samples."""
    for step in run.steps:
        if np.sqrt(np.mean((getattr(step, field) - run.final) ** 2)) <= SETTLED:
            return step.k
    return run.steps[-1].k


def picture(samples, *, width: int, truth=None) -> tuple[str, int]:
    """Samples as a PNG data URL drawn at most ``width`` px wide, and its width in px."""
    pixels = fig.sample_picture(samples, width=width, truth=truth)
    return png_data_url(fig.png_bytes(pixels)), int(pixels.shape[1])


@cleared_when_idle
@per_run(maxsize=16)
def cached_run_views(key: tuple, _run: Trajectory, _truth, *, width: int) -> dict:
    """What the page draws of the finished run stored under ``key`` (``run_key``), built once
    (a whole-page rerun would otherwise encode two PNGs and measure every kept step again).

    ``final``, ``halfway``: (PNG data URL, width) of the samples and of x̂₀ at the middle kept
    step; ``settled``: the first k at which x̂₀ and x_k come within RMS ``SETTLED`` of the
    samples. Shared read-only between sessions, like the run; ``_run``, ``_truth`` follow from
    ``key``.
    """
    halfway = _run.steps[len(_run.steps) // 2]
    return {
        "final": picture(_run.final, width=width, truth=_truth),
        "halfway": picture(halfway.x0_pred, width=width, truth=_truth),
        "settled": {field: settled(_run, field) for field in ("x0_pred", "xk")},
    }
