"""Noise page section: what the network predicts (ε, x₀ or v), and which one zero SNR needs."""

from __future__ import annotations

import numpy as np
import streamlit as st

from timestep_lab.encodings import NoiseSchedule
from timestep_lab.encodings import targets as tg
from timestep_lab.figures.noise import png_data_uri
from timestep_lab.figures.targets import TARGET_NAMES, target_gain_figure
from timestep_lab.images import to_uint8
from timestep_lab.ui import plot, show_code
from timestep_lab.ui.components.k_sync import followed_k, k_follower
from timestep_lab.ui.pictures import show_picture


def gain_text(gain: float) -> str:
    return "∞ (no x̂₀ at all)" if not np.isfinite(gain) else f"{gain:.3g}"


def prediction_targets_section(schedule: NoiseSchedule, x0: np.ndarray, noise: np.ndarray) -> None:
    """x₀, ε and v at step k, and how each target's error reaches x̂₀ across k.

    x₀ and ε do not depend on k; v and the gains at k follow k (they rerun alone).
    """
    st.subheader("7 · What the network predicts: ε, x₀ or v")
    st.write(
        "A denoiser can be trained to output the noise ε (Ho et al. 2020), the clean image "
        "x₀, or the velocity v = √ᾱ_k·ε − √(1−ᾱ_k)·x₀ (Salimans & Ho 2022, §4). Given x_k, "
        "any one of them gives the other two, but the conversion scales the network's "
        "error: from ε̂, x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k multiplies it by 1/√SNR_k, which "
        "grows without bound as ᾱ_k → 0; from v̂, x̂₀ = √ᾱ_k·x_k − √(1−ᾱ_k)·v̂ never "
        "multiplies it by more than 1."
    )
    columns = st.columns(3)
    for column, (picture, caption) in zip(
        columns[:2], [(x0, "x₀, the clean image"), (noise, "ε, the noise")], strict=True
    ):
        with column:
            show_picture(png_data_uri(to_uint8(picture)), caption, width=150)
    with columns[2]:
        velocity_at_k(schedule, x0, noise)
    gains = {t: tg.x0_error_gain(t, schedule.alpha_bar) for t in tg.TARGETS}
    gains_at_k(schedule, gains)
    show_code(tg.velocity, tg.convert, tg.x0_error_gain)


@k_follower("noise:velocity")
def velocity_at_k(schedule: NoiseSchedule, x0: np.ndarray, noise: np.ndarray) -> None:
    """v = √ᾱ_k·ε − √(1−ᾱ_k)·x₀ at k."""
    k = followed_k()
    v = tg.velocity(x0, noise, schedule.alpha_bar[k])
    show_picture(png_data_uri(to_uint8(v)), f"v at k = {k}", width=150)


@k_follower("noise:gains")
def gains_at_k(schedule: NoiseSchedule, gains: dict[str, np.ndarray]) -> None:
    """Each target's error gain into x̂₀ against k, marked and read at k."""
    k = followed_k()
    a = schedule.alpha_bar[k]
    plot(target_gain_figure(np.arange(schedule.num_timesteps), gains, k), key="targets")
    last = schedule.num_timesteps - 1
    at_k = "; ".join(f"{TARGET_NAMES[t]} {gain_text(g[k])}" for t, g in gains.items())
    end = gains["epsilon"][last]
    if np.isfinite(end):
        zero_snr = (
            f"At the last step ε̂'s error reaches x̂₀ multiplied by {end:.3g}. With zero "
            "terminal SNR (the sidebar toggle) ᾱ_{T−1} = 0 and ε-prediction gives no x̂₀ "
            "there at all (x̂₀ = (x_k − ε̂)/0)"
        )
    else:
        zero_snr = (
            f"With zero terminal SNR, ᾱ_{last} = 0: ε-prediction gives no x̂₀ at the last "
            "step (x̂₀ = (x_k − ε̂)/0), while v-prediction gives x̂₀ = −v̂"
        )
    st.caption(
        f"v here is {np.sqrt(a):.3f}·ε − {np.sqrt(1 - a):.3f}·x₀: mostly noise while ᾱ_k is "
        f"large, mostly (minus) the image once it is small (values outside [−1, 1] shown "
        f"clipped). Error gain at k = {k}: {at_k}. {zero_snr}; Lin et al. 2024 (§3.2) train "
        "with v-prediction for that reason."
    )
