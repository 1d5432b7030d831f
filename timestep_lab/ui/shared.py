"""Controls that several pages share, defined once so the same URL key means the same thing.

``T`` and ``k`` appear on the encoding and the noise page: moving between the two keeps the
timestep a learner is looking at.
"""

from __future__ import annotations

import streamlit as st

from timestep_lab.ui.components.k_sync import synced_k_control
from timestep_lab.ui.controls import int_control
from timestep_lab.ui.page import just_arrived

T_RANGE = (10, 4000)
T_DEFAULT = 1000
K_DEFAULT = 250


def timestep_controls() -> tuple[int, int]:
    """Sliders for T (number of timesteps) and k (the selected timestep, 0 … T−1)."""
    remember_across_pages("T", "k")
    num_timesteps = int_control(
        "T, number of timesteps",
        "T",
        *T_RANGE,
        T_DEFAULT,
        help="How many noise levels the diffusion process has (1000 in DDPM and Stable Diffusion).",
    )
    k = synced_k_control(
        lambda on_change: int_control(
            "k, timestep",
            "k",
            0,
            num_timesteps - 1,
            min(K_DEFAULT, num_timesteps - 1),
            help="The timestep being encoded: 0 is the first noising step, T−1 the last.",
            on_change=on_change,
        )
    )
    return num_timesteps, k


def remember_across_pages(*keys: str) -> None:
    """Keep these widget values in session state when the learner switches pages.

    Streamlit drops a widget's state when its page stops rendering it; copying the value
    back under the same key makes the next page's control start where this one left off.
    Only on arrival: on an ordinary rerun the copy would push the server's value back to
    the browser and swallow key presses made while the script was running.
    """
    if not just_arrived():
        return
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
