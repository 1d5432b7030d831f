"""Encoding page section: spectral bias, seen live (why sinusoids help a small MLP)."""

from __future__ import annotations

from collections import OrderedDict

import streamlit as st

from timestep_lab.jobs import Work
from timestep_lab.lesson.evidence import scalar_twin_sentence
from timestep_lab.ui import plot, show_code

FIT_STATE = "_spectral_fit_asked"  # session-only: the learner asked for the fit once
SUBMITTED = "_spectral_fit_submitted"  # session-only: the setting whose job this session started
STORE_ENTRIES = 16
# The library cuts d to its MAX_DIM (128) itself; the key uses the same cut so that d = 200
# and d = 300 share one fit. Kept here to key the store without importing torch.
FIT_MAX_DIM = 128


@st.cache_data(max_entries=16, show_spinner="Fitting two small networks…")
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


@st.cache_resource(show_spinner=False)
def fit_store() -> OrderedDict:
    """Finished fits of this process, newest last, at most STORE_ENTRIES (read-only results)."""
    return OrderedDict()


def fit_work(key: tuple) -> Work:
    """The scheduler job: both fits a chunk at a time, reporting how far they have got."""

    def work(ctx):
        import torch

        from timestep_lab.models.spectral_bias import spectral_bias_steps

        torch.set_num_threads(1)  # one core: a class shares the server
        num_timesteps, dim, base, layout = key
        run = spectral_bias_steps(num_timesteps, dim=dim, base=base, convention=layout)
        while True:
            try:
                fraction = next(run)
            except StopIteration as finished:
                return finished.value
            ctx.progress(fraction, f"Training the two networks: {fraction:.0%}")
            yield fraction

    return work


def scheduled_fit(key: tuple):
    """This setting's fit from the store, or run through the scheduler; None if not done."""
    store = fit_store()
    if key in store:
        return store[key]
    from timestep_lab.models.spectral_bias import fit_cost
    from timestep_lab.ui.jobs import JobCancelled, run_job, status_text

    start = st.session_state.get(SUBMITTED) != key
    st.session_state[SUBMITTED] = key
    note = st.empty()
    try:
        result = run_job(
            "encoding:spectral_fit",
            fit_work(key),
            cost=fit_cost(),
            key=key,
            label="The fit",
            start=start,
            draw=lambda job: note.progress(job.progress[0], text=status_text(job)),
        )
    except JobCancelled:
        st.session_state.pop(SUBMITTED, None)
        note.info("The fit was stopped; move a control to ask again.", icon=":material/stop:")
        return None
    except ValueError as error:  # a refused job or a bad setting
        st.session_state.pop(SUBMITTED, None)
        note.error(f"The fit cannot run with these settings: {error}", icon=":material/error:")
        return None
    note.empty()
    if result is None:
        st.session_state.pop(SUBMITTED, None)  # nothing in flight: ask again on the next run
        return None
    store[key] = result
    while len(store) > STORE_ENTRIES:
        store.popitem(last=False)
    return result


def spectral_bias_section(num_timesteps: int, dim: int, base: float, layout: str) -> None:
    """Fit one small MLP to a sharp target from k/T and from P(k), on request, and compare."""
    st.markdown(  # the heading and its paragraph as one element: one message, not two
        "### Why sines? A small network learns slow functions of one number first\n\n"
        "A small MLP fed one number learns smooth, slowly varying functions of it quickly "
        "and sharp detail late or never: its *spectral bias* (Rahaman et al. 2019, "
        "“On the spectral bias of neural networks”). Feed it sin and cos of that number at "
        "many frequencies and the fast detail is within its reach (Tancik et al. 2020, "
        "“Fourier features let networks learn high frequency functions in low dimensional "
        "domains”). That matters when the function of k has fine detail; a denoiser's best "
        "answer changes smoothly with k (it follows ᾱ_k), so this shows one property of "
        "the code, not that a denoiser needs it. "
        + (scalar_twin_sentence() or "")
        + " Below, the same network (same width, same training steps, same seed) learns the "
        f"same target with sharp jumps in k: once from k/T, once from P(k) with this page's "
        f"n = {base:g} and {layout} layout."
    )
    asked = st.session_state.get(FIT_STATE, False)
    if not asked and st.button(
        "Predict, then fit: which one draws the jumps?",
        key="spectral_fit",
        icon=":material/model_training:",
        help="Trains two tiny networks on the server; the result is kept for these settings.",
    ):
        st.session_state[FIT_STATE] = asked = True
    if not asked:
        return
    result = scheduled_fit((num_timesteps, min(dim, FIT_MAX_DIM), float(base), layout))
    if result is None:
        return
    plot(sb_figure(result), key="spectral_bias")
    st.caption(
        f"Target: sin(2π·k/T) plus a square wave of {result.cycles} periods (±½), "
        f"T = {num_timesteps}. Both networks: {result.width} units wide, two hidden layers, "
        f"{result.steps} full-batch Adam steps, seed 0; P(k) with d = {result.dim}. "
        + fit_summary(result)
    )
    from timestep_lab.models import spectral_bias as sb

    show_code(sb.sharp_target, sb.small_mlp, sb.fit_mlp_steps)


def sb_figure(result):
    from timestep_lab.figures.spectral_bias import spectral_bias_figure

    return spectral_bias_figure(
        result.timesteps,
        result.target,
        {kind: fit.prediction for kind, fit in result.fits.items()},
        {kind: fit.loss_curve for kind, fit in result.fits.items()},
    )
