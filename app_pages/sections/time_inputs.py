"""Encoding page section: index or noise level? What the sinusoids are fed, and why its scale
matters."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import streamlit as st

from timestep_lab.encodings import SCHEDULES, noise_schedule, timestep_embedding
from timestep_lab.encodings import time_inputs as ti
from timestep_lab.encodings.display import evenly_spaced, paired_columns
from timestep_lab.figures.time_inputs import time_input_figure
from timestep_lab.ui import choice_control, grid_control, plot, shared_figure, show_code
from timestep_lab.ui.arrays import freeze
from timestep_lab.ui.memory import cleared_when_idle

SCALES = [1, 10, 100, 999, 1000, 10_000]
EDM_SIGMA_MIN, EDM_SIGMA_MAX = 0.002, 80.0  # EDM's sampling range of σ (Karras et al. 2022)
INPUT_TITLES = {
    "index": "k",
    "t": "s·t, t = k/T",
    "logsnr": "log-SNR λ_k (raw)",
    "cnoise": "c_noise = ¼·ln σ_k",
}
INPUT_SOURCES = {
    "index": "DDPM and Stable Diffusion feed the index k (Ho et al. 2020).",
    "t": "Continuous-time models feed t ∈ [0, 1]; score-SDE's VP models feed 999·t (Song et "
    "al. 2021, their code).",
    "logsnr": "Raw λ = log(ᾱ/(1−ᾱ)) is an illustration, not VDM's scaling: VDM conditions "
    "on γ = −λ, rescaled to [0, 1] between its γ_min and γ_max and multiplied by 1000 before "
    "the sinusoids (Kingma et al. 2021; google-research/vdm code).",
    "cnoise": "EDM feeds c_noise = ¼·ln σ, with σ² = (1−ᾱ)/ᾱ (Karras et al. 2022, Table 1).",
}


def time_input_controls() -> tuple[str, float, str]:
    """The input kind, the scale s of t and the schedule of the noise level, URL-bound."""
    left, mid, right = st.columns(3)
    with left:
        kind = choice_control(
            "Input to the sinusoids",
            "input",
            ti.TIME_INPUTS,
            "index",
            help="index: k. t: s·k/T. logsnr: raw log(ᾱ/(1−ᾱ)) (VDM rescales it). "
            "cnoise: ¼·ln σ, EDM.",
        )
    with mid:
        scale = grid_control(
            "s, the scale of t",
            "s",
            SCALES,
            1,
            help="What t = k/T is multiplied by before the sinusoids (used by input = t).",
            scale="log",
        )
    with right:
        schedule = choice_control(
            "Schedule",
            "schedule",
            SCHEDULES,
            "linear",
            help="Sets the noise level of each k (used by logsnr and cnoise).",
        )
    return kind, scale, schedule


# functools, not st.cache_resource: asked on every run of the page, where Streamlit's own
# hashing of the arguments costs ~0.3 ms a call; the result is shared read-only either way.
@cleared_when_idle
@lru_cache(maxsize=32)
def cached_measures(
    num_timesteps: int, dim: int, base: float, layout: str, kind: str, scale: float, schedule: str
):
    """The inputs fed, each pair's turns, the end similarity and the figure, once per setting
    (one process serves a class: a full rerun of the page reuses them)."""
    alpha_bar = noise_schedule(schedule, num_timesteps).alpha_bar
    inputs = ti.encoding_input(kind, np.arange(num_timesteps), alpha_bar, scale=scale)
    turns = ti.pair_turns(inputs, dim, base=base, convention=layout)
    rows = evenly_spaced(num_timesteps, 150)
    columns = paired_columns(dim, 64, layout)
    # Only the rows drawn and the two ends compared: each row of P depends on its own input
    # alone, so these equal the same rows of the whole T × d matrix (a d = 1024 matrix took
    # ~40 ms to build, on a page whose other sections are drawn in a few).
    cells = timestep_embedding(inputs[rows], dim, base=base, convention=layout)[:, columns]
    ends = timestep_embedding(inputs[[0, -1]], dim, base=base, convention=layout)
    figure = time_input_figure(rows, inputs[rows], columns, cells, input_title=INPUT_TITLES[kind])
    similarity = float(ti.end_similarity(ends))
    return freeze((inputs, turns, similarity, shared_figure(figure)))  # shared: read-only


def time_input_section(num_timesteps: int, dim: int, base: float, layout: str) -> None:
    """Feed the page's encoding k, s·t, log-SNR or c_noise, and measure how much it moves."""
    unit = ti.pair_turns(np.array([0.0, 1.0]), dim, base=10_000.0, convention=layout)
    st.markdown(  # the heading and its paragraph as one element: one message, not two
        "### Index or noise level? What the sinusoids are fed\n\n"
        "The formula does not care what number it is given: it turns pair i by ω_i times "
        "that number. So the input's *range* decides how much each pair turns across the "
        f"whole process. Feed t = k/T ∈ [0, 1] with n = 10⁴ (and this d = {dim}) and even the "
        f"fastest pair turns {unit.max():.3f} of a circle; {ti.still_pairs(unit)} of "
        f"{unit.size} pairs turn less than {ti.STILL_TURNS:.0%}: nearly constant columns, "
        "nearly the same vector for every timestep. Score-SDE's code scales t by 999 first. "
        "Not every model does: EDM feeds c_noise = ¼·ln σ unscaled, whose range over its "
        f"σ from {EDM_SIGMA_MIN:g} to {EDM_SIGMA_MAX:g} is only "
        f"{0.25 * np.log(EDM_SIGMA_MAX / EDM_SIGMA_MIN):.2f} (Karras et al. 2022, Table 1), "
        "and works: the first Linear layer can amplify small differences, but most columns "
        "are then nearly constant."
    )
    kind, scale, schedule_name = time_input_controls()
    try:
        measured = cached_measures(num_timesteps, dim, base, layout, kind, scale, schedule_name)
    except ValueError as error:
        st.error(f"This input cannot be computed here: {error}", icon=":material/error:")
        return
    inputs, turns, similarity, figure = measured
    plot(figure, key="time_input")
    fed = INPUT_TITLES[kind] + (f" with s = {scale:g}" if kind == "t" else "")
    noise = f" under {schedule_name}" if kind in ("logsnr", "cnoise") else ""
    st.caption(
        f"Fed {fed}{noise}: the input runs from {inputs[0]:.4g} (k = 0) to {inputs[-1]:.4g} "
        f"(k = {num_timesteps - 1}). Across that range the fastest pair turns {turns.max():.3g} "
        f"times; {ti.still_pairs(turns)} of {turns.size} pairs turn less than "
        f"{ti.STILL_TURNS:.0%} of a circle. P at the first and the last step have cosine "
        f"similarity {similarity:.3f} (1 = the same vector). " + INPUT_SOURCES[kind]
    )
    show_code(ti.encoding_input, ti.pair_turns)
