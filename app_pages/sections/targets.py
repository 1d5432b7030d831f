"""Noise page section: what the network predicts (ε, x₀ or v), and which one zero SNR needs."""

from __future__ import annotations

import numpy as np
import streamlit as st

from timestep_lab.encodings import NoiseSchedule
from timestep_lab.encodings import targets as tg
from timestep_lab.ui import show_code
from timestep_lab.ui.components.noise_views import noise_panel


def prediction_targets_section(schedule: NoiseSchedule, step: dict) -> None:
    """x₀, ε and v at step k, and how each target's error reaches x̂₀ across k.

    Drawn by the browser from the arrays of ``step`` (the step view's data): v, the gains'
    marker and their values at k follow k there (``noise_views.noise_panel``).
    """
    st.markdown(
        "### 5 · What the network predicts: ε, x₀ or v\n\n"
        "A denoiser can be trained to output the noise ε (Ho et al. 2020), the clean image "
        "x₀, or the velocity v = √ᾱ_k·ε − √(1−ᾱ_k)·x₀ (Salimans & Ho 2022, §4). Given x_k, "
        "any one of them gives the other two, but the conversion scales the network's "
        "error: from ε̂, x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k multiplies it by 1/√SNR_k, which "
        "grows without bound as ᾱ_k → 0; from v̂, x̂₀ = √ᾱ_k·x_k − √(1−ᾱ_k)·v̂ never "
        "multiplies it by more than 1."
    )
    noise_panel("targets", step, key="targets")
    last = schedule.num_timesteps - 1
    end = tg.x0_error_gain("epsilon", schedule.alpha_bar[last])
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
        "v is mostly noise while ᾱ_k is large, mostly (minus) the image once it is small "
        f"(values outside [−1, 1] shown clipped). {zero_snr}; Lin et al. 2024 (§3.2) train "
        "with v-prediction for that reason."
    )
    show_code(tg.velocity, tg.convert, tg.x0_error_gain)
