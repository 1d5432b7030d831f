"""Encoding page section: spectral bias, seen live (why sinusoids help a small MLP)."""

from __future__ import annotations

import streamlit as st

from timestep_lab.ui import plot, show_code

FIT_STATE = "_spectral_fit_asked"  # session-only: the learner asked for the fit once


@st.cache_data(max_entries=16, show_spinner="Fitting two small networks (about two seconds)…")
def cached_fits(num_timesteps: int, dim: int, base: float, layout: str):
    """Both fits for one setting; torch is imported only when a learner asks for them."""
    import torch

    from timestep_lab.models.spectral_bias import spectral_bias_fits

    torch.set_num_threads(1)  # one core: a class shares the server
    return spectral_bias_fits(num_timesteps, dim=dim, base=base, convention=layout)


def fit_summary(result) -> str:
    """The measured errors, in a sentence whose verdict follows the numbers."""
    scalar, sinusoidal = result.fits["scalar"], result.fits["sinusoidal"]
    numbers = (
        f"RMS error over {result.timesteps.size} timesteps: k/T {scalar.rms_error:.3f}, "
        f"P(k) {sinusoidal.rms_error:.3f}. Share of the jumps' variance reproduced: k/T "
        f"{result.detail_captured('scalar'):.0%}, P(k) {result.detail_captured('sinusoidal'):.0%}."
    )
    if result.error_ratio >= 2:
        verdict = (
            f" The network fed k/T is {result.error_ratio:.1f}× further off: it follows the "
            "slow sine and smooths the jumps away."
        )
    elif result.error_ratio > 1:
        verdict = f" Here P(k) (d = {result.dim}) helps only a little: {result.error_ratio:.2f}×."
    else:
        verdict = (
            f" Here P(k) (d = {result.dim}) does no better than k/T: try a larger d, or an n whose "
            "wavelengths cover the jumps."
        )
    return numbers + verdict


def spectral_bias_section(num_timesteps: int, dim: int, base: float, layout: str) -> None:
    """Fit one small MLP to a sharp target from k/T and from P(k), on request, and compare."""
    st.subheader("Why sines? A small network learns slow functions of one number first")
    st.write(
        "A small MLP fed one number learns smooth, slowly varying functions of it quickly "
        "and sharp detail late or never: its *spectral bias* (Rahaman et al. 2019, "
        "“On the spectral bias of neural networks”). Feed it sin and cos of that number at "
        "many frequencies and the fast detail is within its reach (Tancik et al. 2020, "
        "“Fourier features let networks learn high frequency functions in low dimensional "
        "domains”). A shift by Δ turns every pair by a fixed angle, a rotation one linear "
        "layer can apply (Vaswani et al. 2017, §3.5; view 5 above). Below, the same network "
        "(same width, same training steps, same seed) learns the same target with sharp "
        f"jumps in k: once from k/T, once from P(k) with this page's n = {base:g} and "
        f"{layout} layout."
    )
    asked = st.session_state.get(FIT_STATE, False)
    if not asked and st.button(
        "Predict, then fit: which one draws the jumps?",
        key="spectral_fit",
        icon=":material/model_training:",
        help="Trains two tiny networks on the server (about two seconds); the result is "
        "kept for these settings.",
    ):
        st.session_state[FIT_STATE] = asked = True
    if not asked:
        return
    try:
        result = cached_fits(num_timesteps, dim, base, layout)
    except ValueError as error:
        st.error(f"The fit cannot run with these settings: {error}", icon=":material/error:")
        return
    plot(
        sb_figure(result),
        key="spectral_bias",
    )
    st.caption(
        f"Target: sin(2π·k/T) plus a square wave of {result.cycles} periods (±½), "
        f"T = {num_timesteps}. Both networks: {result.width} units wide, two hidden layers, "
        f"{result.steps} full-batch Adam steps, seed 0; P(k) with d = {result.dim}. "
        + fit_summary(result)
    )
    from timestep_lab.models import spectral_bias as sb

    show_code(sb.sharp_target, sb.small_mlp, sb.fit_mlp)


def sb_figure(result):
    from timestep_lab.figures.spectral_bias import spectral_bias_figure

    return spectral_bias_figure(
        result.timesteps,
        result.target,
        {kind: fit.prediction for kind, fit in result.fits.items()},
        {kind: fit.loss_curve for kind, fit in result.fits.items()},
    )
