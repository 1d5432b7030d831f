"""Noise page: what it draws the same for every k, computed once per setting.

In a module of its own, not in the page script: Streamlit runs a page's file anew on every
rerun, and each cache decorator there reads its function's source again (``inspect``, a few
ms a run under py-spy); here they are made once per process. The figures are
``SharedFigure``s: serialised once, however many students draw them.
"""

import numpy as np
import streamlit as st

from timestep_lab.encodings import SCHEDULES, SPACINGS, noise_schedule, sampling_timesteps
from timestep_lab.figures import noise as fig
from timestep_lab.images import BUNDLED_IMAGES, bundled_image, resize_pixels, to_signed
from timestep_lab.ui import shared_figure
from timestep_lab.ui.components.noise_views import noise_data, step_arrays
from timestep_lab.ui.page import SharedFigure

FILMSTRIP_SIZE = 64  # px per filmstrip tile: 32 tiles stay one small PNG


@st.cache_data(max_entries=len(BUNDLED_IMAGES) * 2, show_spinner=False)
def cached_bundled_image(name: str, size: int) -> np.ndarray:
    return bundled_image(name, size)


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_noise_data(
    pixels: np.ndarray, seed: int, name: str, num_timesteps: int, zsnr: bool
) -> tuple[dict, bytes, float, float]:
    """The step view's data for this image, noise draw and schedule, as sent (``step_arrays``),
    with E[x₀²] and the standard deviation of x₀: the same for every k, so built once (ε
    drawn, the arrays base64-encoded, hashed and written as JSON), not on every rerun. The
    data is at k = 0; ``noise_views.at_step`` sets k.

    Shared read-only across sessions (a cached resource is not copied): nothing mutates it.
    """
    x0 = to_signed(pixels)
    mean_square = float(np.mean(x0**2))  # E[x₀²] of this image, for its actual share of x_k
    noise = np.random.default_rng(seed).standard_normal(x0.shape)
    schedule = noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr)
    data = noise_data(pixels, noise, schedule, 0, mean_square=mean_square)
    return data, step_arrays(data), mean_square, float(x0.std())


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_filmstrip(pixels: np.ndarray, seed: int, num_timesteps: int, zsnr: bool, order: tuple):
    """The filmstrip's frames and figure; they do not depend on k, so a k change reuses them.

    Shared read-only across sessions (a cached resource is not copied): nothing mutates it.
    """
    film_timesteps = fig.filmstrip_timesteps(num_timesteps)
    small = to_signed(resize_pixels(pixels, FILMSTRIP_SIZE))
    small_noise = np.random.default_rng(seed).standard_normal(small.shape)
    schedules = [noise_schedule(n, num_timesteps, zero_terminal_snr=zsnr) for n in order]
    frames = fig.filmstrip_frames(small, small_noise, schedules, film_timesteps)
    figure = fig.filmstrip_figure(frames, list(order), film_timesteps)
    return film_timesteps, frames, shared_figure(figure)


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_curves(num_timesteps: int, zsnr: bool, schedule_name: str) -> SharedFigure:
    """§1's curves: the same for every k, so built once per setting and sent once (the readout
    at k below them is the browser's; the step view in §2 marks k on ᾱ as you drag)."""
    schedules = [noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr) for name in SCHEDULES]
    return shared_figure(fig.schedule_curves_figure(schedules, None, schedule_name))


@st.cache_resource(show_spinner=False, max_entries=32)
def cached_spacing(num_timesteps: int, steps: int, zsnr: bool, schedule_name: str) -> SharedFigure:
    """§5's timesteps each spacing visits, and the selected schedule's last ᾱ: no k in it."""
    visits = {name: sampling_timesteps(num_timesteps, steps, name) for name in SPACINGS}
    last = noise_schedule(schedule_name, num_timesteps, zero_terminal_snr=zsnr).alpha_bar[-1]
    return shared_figure(fig.spacing_figure(visits, num_timesteps, last_alpha_bar=float(last)))
