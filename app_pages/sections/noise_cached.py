"""Noise page: what it draws the same for every k, computed once per setting.

In a module of its own, not in the page script: Streamlit runs a page's file anew on every
rerun, and each cache decorator there reads its function's source again (``inspect``, a few
ms a run under py-spy); here they are made once per process. The figures are
``SharedFigure``s: serialised once, however many students draw them.

The caches the page asks on every run are functools', not ``st.cache_*``: Streamlit hashes
the arguments its own way (the image's pixels included) and ``st.cache_data`` unpickles a copy
of what it returns, ~0.3–0.7 ms a call under py-spy. An image travels as ``Pixels``: its
array, read-only, compared by a digest of its content, so that a cache keys on that cheaply.
What they return is shared across sessions, so read-only (mappings behind
``MappingProxyType``, arrays with their write flag off). They keep bundled images only: an
upload's views are kept in its own session (``app_pages/noise.py``).
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from app_pages.sections.noise_level import sweep_of
from timestep_lab.encodings import (
    SCHEDULES,
    SPACINGS,
    NoiseSchedule,
    noise_schedule,
    sampling_timesteps,
)
from timestep_lab.figures import noise as fig
from timestep_lab.images import bundled_image, resize_pixels, to_signed
from timestep_lab.images.noise_level import NoiseLevelSweep
from timestep_lab.ui import shared_figure
from timestep_lab.ui.arrays import freeze
from timestep_lab.ui.components.noise_views import noise_data, step_arrays
from timestep_lab.ui.memory import cleared_when_idle
from timestep_lab.ui.page import SharedFigure

FILMSTRIP_SIZE = 64  # px per filmstrip tile: 32 tiles stay one small PNG


@dataclass(frozen=True, eq=False)
class Pixels:
    """An image's uint8 pixels, kept read-only, equal to another by content (a digest)."""

    array: np.ndarray
    digest: bytes = field(init=False)

    def __post_init__(self) -> None:
        array = np.array(self.array, dtype=np.uint8)  # a copy of its own, then read-only
        array.setflags(write=False)
        digest = hashlib.blake2b(repr(array.shape).encode(), digest_size=16)
        digest.update(array.tobytes())
        object.__setattr__(self, "array", array)
        object.__setattr__(self, "digest", digest.digest())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pixels) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


@cleared_when_idle
@lru_cache(maxsize=16)
def cached_schedules(num_timesteps: int, zsnr: bool) -> Mapping[str, NoiseSchedule]:
    """Every schedule at this T (rescaled to zero terminal SNR or not), by name, built once.

    Raises ValueError (not kept) when one cannot be built.
    """
    return MappingProxyType(
        {name: noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr) for name in SCHEDULES}
    )


@cleared_when_idle
@lru_cache(maxsize=16)
def cached_bundled_image(name: str, size: int) -> np.ndarray:
    """A bundled image at ``size`` px, read-only (the walkthrough shares it)."""
    return bundled_pixels(name, size).array


@cleared_when_idle
@lru_cache(maxsize=16)
def bundled_pixels(name: str, size: int) -> Pixels:
    return Pixels(bundled_image(name, size))


class NoiseViews(NamedTuple):
    """What the step view and §4 (σ̂ read off x_k) need of one image, noise draw and schedule."""

    data: Mapping  # the step view's data at k = 0 (noise_views.noise_data); at_step sets k
    sent: bytes  # the same as it travels, without k and the presenter flag (step_arrays)
    mean_square: float  # E[x₀²] of this image, for its actual share of x_k
    std: float  # the standard deviation of x₀
    sweep: NoiseLevelSweep | str  # §4's σ̂ and k̂ (sweep_of), or why this image has none


@cleared_when_idle
@lru_cache(maxsize=16)
def cached_noise_views(
    image_name: str, size: int, seed: int, name: str, num_timesteps: int, zsnr: bool
) -> NoiseViews:
    """``noise_views`` of a bundled image at ``size`` px, kept for every session.

    Bundled images only: an upload's pixels belong to its session, so the page keeps its
    views there (never in a cache of the process, which would outlive the session)."""
    return noise_views(bundled_pixels(image_name, size), seed, name, num_timesteps, zsnr)


def noise_views(pixels: Pixels, seed: int, name: str, num_timesteps: int, zsnr: bool) -> NoiseViews:
    """The step view's data and §4's sweep for this image, noise draw and schedule: the same
    for every k, so a caller keeps them (ε drawn, the arrays base64-encoded, hashed and
    written as JSON, σ̂ measured) rather than rebuilding them on every rerun."""
    x0 = to_signed(pixels.array)
    mean_square = float(np.mean(x0**2))
    noise = np.random.default_rng(seed).standard_normal(x0.shape)
    schedule = noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr)
    data = noise_data(pixels.array, noise, schedule, 0, mean_square=mean_square)
    try:
        sweep: NoiseLevelSweep | str = sweep_of(pixels.array, seed, name, num_timesteps, zsnr)
    except ValueError as error:  # e.g. an upload one pixel high has no 2 × 2 blocks
        sweep = str(error)
    sent = step_arrays(data)
    # Shared read-only, and so made so: the mappings cannot be changed, nor the arrays.
    data = MappingProxyType(
        {name: MappingProxyType(v) if isinstance(v, dict) else v for name, v in data.items()}
    )
    return NoiseViews(data, sent, mean_square, float(x0.std()), freeze(sweep))


@cleared_when_idle
@lru_cache(maxsize=16)
def cached_filmstrip(
    image_name: str, size: int, seed: int, num_timesteps: int, zsnr: bool, order: tuple
):
    """``filmstrip`` of a bundled image at ``size`` px, kept for every session (bundled
    images only, like ``cached_noise_views``)."""
    return filmstrip(bundled_pixels(image_name, size), seed, num_timesteps, zsnr, order)


def filmstrip(pixels: Pixels, seed: int, num_timesteps: int, zsnr: bool, order: tuple):
    """The filmstrip's frames and figure; they do not depend on k, so a caller keeps them."""
    film_timesteps = fig.filmstrip_timesteps(num_timesteps)
    small = to_signed(resize_pixels(pixels.array, FILMSTRIP_SIZE))
    small_noise = np.random.default_rng(seed).standard_normal(small.shape)
    schedules = [noise_schedule(n, num_timesteps, zero_terminal_snr=zsnr) for n in order]
    frames = fig.filmstrip_frames(small, small_noise, schedules, film_timesteps)
    figure = fig.filmstrip_figure(frames, list(order), film_timesteps)
    return freeze((film_timesteps, frames, shared_figure(figure)))  # its arrays read-only


@cleared_when_idle
@lru_cache(maxsize=16)
def cached_curves(num_timesteps: int, zsnr: bool, schedule_name: str) -> SharedFigure:
    """§1's curves: the same for every k, so built once per setting and sent once (the readout
    at k below them is the browser's; the step view in §2 marks k on ᾱ as you drag)."""
    schedules = [noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr) for name in SCHEDULES]
    return shared_figure(fig.schedule_curves_figure(schedules, None, schedule_name))


@cleared_when_idle
@lru_cache(maxsize=32)
def cached_spacing(num_timesteps: int, steps: int, zsnr: bool, schedule_name: str) -> SharedFigure:
    """§7's timesteps each spacing visits, and the selected schedule's last ᾱ: no k in it."""
    visits = {name: sampling_timesteps(num_timesteps, steps, name) for name in SPACINGS}
    last = noise_schedule(schedule_name, num_timesteps, zero_terminal_snr=zsnr).alpha_bar[-1]
    return shared_figure(fig.spacing_figure(visits, num_timesteps, last_alpha_bar=float(last)))
