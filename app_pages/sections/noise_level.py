"""Noise page section: can you tell the step from the image? σ̂ from x_k alone, against σ_k."""

from __future__ import annotations

import numpy as np
import streamlit as st

from timestep_lab.encodings import NoiseSchedule, noise_schedule
from timestep_lab.encodings.display import evenly_spaced
from timestep_lab.images import to_signed
from timestep_lab.images.noise_level import (
    NoiseLevelSweep,
    estimate_sigma,
    haar_diagonal,
    noise_level_sweep,
    timestep_from_sigma,
)
from timestep_lab.lesson.evidence import blind_model_sentence
from timestep_lab.ui import show_code
from timestep_lab.ui.components.noise_views import noise_panel

SWEEP_POINTS = 120  # timesteps in the sweep (every one when T is smaller)
TOLERANCE = 0.10  # "within 10 %" of the true σ


@st.cache_data(max_entries=16, show_spinner=False)
def cached_sweep(
    pixels: np.ndarray, seed: int, name: str, num_timesteps: int, zsnr: bool
) -> NoiseLevelSweep:
    """``sweep_of``, cached (the walkthrough's σ̂ step; the noise page keeps it with its other
    per-image data, ``noise_cached.cached_noise_views``)."""
    return sweep_of(pixels, seed, name, num_timesteps, zsnr)


def sweep_of(pixels: np.ndarray, seed: int, name: str, num_timesteps: int, zsnr: bool):
    """σ̂ and k̂ at evenly spaced timesteps for this image and noise draw (the same for every
    k: a k move reads only x_k itself). Raises ValueError for an image without 2 × 2 blocks."""
    schedule = noise_schedule(name, num_timesteps, zero_terminal_snr=zsnr)
    x0 = to_signed(pixels)
    noise = np.random.default_rng(seed).standard_normal(x0.shape)
    timesteps = evenly_spaced(num_timesteps, SWEEP_POINTS)
    return noise_level_sweep(
        x0, noise, schedule.sqrt_alpha_bar, schedule.sqrt_one_minus_alpha_bar, timesteps
    )


def flat_from(schedule: NoiseSchedule) -> int:
    """The first k from which σ_k stays within 1% of its last value σ_{T−1}."""
    sigma = schedule.sqrt_one_minus_alpha_bar
    return int(np.flatnonzero(sigma >= 0.99 * sigma[-1])[0])


def noise_level_section(sweep: NoiseLevelSweep | str, schedule: NoiseSchedule, step: dict) -> None:
    """σ̂ from x_k alone against the true σ_k across k, and what our k-blind twin scored.

    ``sweep`` (``sweep_of``; the reason it could not be made, if it could not) is the same for
    every k; the browser marks k on it and reads σ̂ off x_k at k from the arrays of ``step``
    (the step view's data, ``noise_views.noise_panel``).
    """
    st.markdown(
        "### 4 · Can you tell the step from the image?\n\n"
        "The network is told k, but x_k carries its own noise level. Fine detail in a photo "
        "is rare, while noise is in every pixel, so the image's finest-scale wavelet "
        "coefficients are mostly noise once the noise outweighs the photo's fine texture; "
        "their median size gives the noise's σ (Donoho & "
        "Johnstone 1994, σ̂ = median|HH| / 0.6745). σ_k = √(1−ᾱ_k) then names the step. "
        "No network here: one line of arithmetic on x_k."
    )
    if isinstance(sweep, str):  # e.g. an upload one pixel high has no 2 × 2 blocks
        st.info(f"This view cannot read this image: {sweep}.", icon=":material/info:")
        return
    noise_panel("level", step, key="noise_level", sweep=sweep)
    within = sweep.first_within(TOLERANCE)
    first = int(sweep.timesteps[0])
    if within is None:
        where = f"σ̂ is not within {TOLERANCE:.0%} of σ_k up to the last step shown."
    elif within == first:
        where = f"σ̂ is within {TOLERANCE:.0%} of σ_k at every step shown, k = {first} included."
    else:
        ratio = sweep.sigma_hat[0] / sweep.sigma[0]
        where = (
            f"σ̂ is within {TOLERANCE:.0%} of σ_k from k = {within} on; before that the "
            f"image's own fine texture is read as noise (at k = {first}: σ̂ = "
            f"{sweep.sigma_hat[0]:.4f}, {ratio:.1f}× the true {sweep.sigma[0]:.4f})."
        )
    last = schedule.num_timesteps - 1
    flat = flat_from(schedule)
    st.caption(
        f"Over {sweep.timesteps.size} timesteps: {where} "
        + (
            f"From k = {flat} to {last}, σ_k changes by less than 1%, so there σ̂ cannot "
            "tell the steps apart and k̂ may land anywhere in that range."
            if flat < last
            else ""
        )
    )
    blind = blind_model_sentence()
    if blind is not None:
        st.markdown(f"**A network can learn this too.** {blind}")
    show_code(haar_diagonal, estimate_sigma, timestep_from_sigma, noise_level_sweep)


def noise_level_links() -> None:
    """Where to go from §4: the k-blind twin, and the dimension view of the training lab.

    Apart from ``noise_level_section``, so that the section can be drawn without them
    (a page link needs a run that has the app's page list).
    """
    left, right = st.columns(2)
    with left:
        st.page_link(
            "app_pages/denoiser.py",
            label="Watch the k-blind twin denoise",
            icon=":material/auto_fix_high:",
            query_params={"model": "digits-none"},
        )
    with right:
        st.page_link(
            "app_pages/train.py",
            label="How well k can be read from x_k as the dimension grows (Train)",
            icon=":material/model_training:",
        )
