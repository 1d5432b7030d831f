"""Walkthrough: a guided lesson on timestep encodings, one predict-then-reveal step at a time."""

import numpy as np
import streamlit as st

from timestep_lab.encodings import (
    CONVENTIONS,
    column_roles,
    frequencies,
    frequency_roles,
    noise_schedule,
    normalized_index_encoding,
    raw_index_encoding,
    timestep_embedding,
    wavelengths,
)
from timestep_lab.figures import encoding as enc_fig
from timestep_lab.figures import noise as noise_fig
from timestep_lab.figures.encoding_static import heatmap_png_figure
from timestep_lab.figures.noise_static import filmstrip_png_figure
from timestep_lab.images import bundled_image, to_signed
from timestep_lab.images.pixels import png_data_url
from timestep_lab.lesson.steps import Choice, Guess, LessonStep, half_signal_timestep, lesson
from timestep_lab.ui import classroom as class_mode
from timestep_lab.ui import int_control, link_to_view, plot, png_download
from timestep_lab.ui.components.encoding_views import encoding_view
from timestep_lab.ui.controls import set_control
from timestep_lab.ui.pictures import show_picture

STEPS = lesson()
K = 250  # the timestep the lesson's encoding figures highlight
SEED = 0  # the lesson's noise and samples: every student sees the same pictures
GUIDANCE_W = (0.0, 1.0, 2.0, 4.0)
LESSON_DIGIT = 3


# ── the live figures, each built by the same functions the pages use ──────────────────
FILM_SCHEDULES = ("linear", "scaled_linear", "cosine")


@st.cache_data(max_entries=4, show_spinner=False)
def film_frames():
    schedules = [noise_schedule(name, 1000) for name in FILM_SCHEDULES]
    x0 = to_signed(bundled_image("hopper", 48))
    noise = np.random.default_rng(SEED).standard_normal(x0.shape)
    timesteps = noise_fig.filmstrip_timesteps(1000, 6)
    return noise_fig.filmstrip_frames(x0, noise, schedules, timesteps), timesteps


def filmstrip_view():
    frames, timesteps = film_frames()
    plot(
        noise_fig.filmstrip_figure(frames, list(FILM_SCHEDULES), timesteps), key="lesson_filmstrip"
    )
    png_download(
        "Filmstrip for slides (PNG)",
        lambda: filmstrip_png_figure(
            frames, FILM_SCHEDULES, timesteps, title="One image, three schedules"
        ),
        "lesson_filmstrip.png",
        key="lesson_filmstrip_png",
    )


def naive():
    ks = np.arange(1000)
    series = {
        f"T = {t}": np.where(ks < t, normalized_index_encoding(ks, 1, t)[:, 0], np.nan)
        for t in (250, 1000, 4000)
    }
    left, right = st.columns(2)
    with left:
        plot(
            enc_fig.naive_figure(
                ks, {"k": raw_index_encoding(ks, 1)[:, 0]}, y_title="value fed in"
            ),
            key="lesson_naive_raw",
        )
    with right:
        plot(enc_fig.naive_figure(ks, series, y_title="k / T"), key="lesson_naive_norm")


def wavelength_view():
    lam = wavelengths(128)
    plot(enc_fig.wavelength_figure(lam, frequency_roles(lam, 1000), 1000), key="lesson_lambda")


def heatmap_view():
    # The encoding page's own browser view: every cell, and k moves without a rerun.
    setting = dict(k=K, num_timesteps=1000, dim=64, base=10_000.0, layout="transformer")
    encoding_view("heatmap", key="lesson_heatmap", **setting)
    png_download(
        "Heatmap for slides (PNG)",
        lambda: heatmap_png_figure(
            timestep_embedding(np.arange(1000), 64), K, title="P, transformer, d=64, n=10000"
        ),
        "lesson_heatmap.png",
        key="lesson_heatmap_png",
    )


def shift_view():
    setting = dict(k=K, num_timesteps=1000, dim=128, base=10_000.0, layout="transformer")
    encoding_view("shift", key="lesson_shift", **setting)


def schedule_view():
    schedules = [
        noise_schedule(name, 1000) for name in ("linear", "scaled_linear", "cosine", "sigmoid")
    ]
    plot(
        noise_fig.schedule_curves_figure(schedules, half_signal_timestep(), "linear"),
        key="lesson_schedules",
    )


def layout_view():
    by_layout = {}
    for name in CONVENTIONS:
        idx, kind = column_roles(16, convention=name)
        omega = frequencies(16, convention=name)
        by_layout[name] = (np.where(idx >= 0, omega[np.maximum(idx, 0)], np.nan), kind)
    plot(enc_fig.layout_figure(by_layout), key="lesson_layouts")


def network_view():
    from timestep_lab.figures.denoiser import network_dot
    from timestep_lab.ui.models import cached_model

    model, _ = cached_model("digits")
    st.graphviz_chart(network_dot(model.describe(), label=f"c = {LESSON_DIGIT}"))


@st.cache_data(max_entries=8, show_spinner="Sampling…")
def lesson_samples(guidance: float, lie: str) -> np.ndarray:
    from timestep_lab import models
    from timestep_lab.ui.models import cached_model

    model, card = cached_model("digits")
    told = models.TimestepLie("fixed", 0.0) if lie == "k=0" else None
    return models.sample(
        model,
        models.model_schedule(card),
        sampler="ddim",
        steps=25,
        spacing="trailing",
        guidance=guidance,
        labels=LESSON_DIGIT,
        num=8,
        seed=SEED,
        lie=told,
    )


def samples_row(samples: np.ndarray, caption: str, key: str) -> None:
    from timestep_lab.figures.denoiser import png_bytes, sample_picture
    from timestep_lab.figures.denoiser_static import samples_png_figure

    pixels = sample_picture(samples, width=300)
    # At its own width and as PNG: Streamlit would otherwise blur a shrunk picture or
    # re-encode it as JPEG.
    show_picture(png_data_url(png_bytes(pixels)), caption, width=pixels.shape[1])
    png_download(
        "For slides (PNG)",
        lambda: samples_png_figure(samples, title=caption),
        f"lesson_{key}.png",
        key=f"lesson_{key}_png",
    )


def guidance_view():
    columns = st.columns(len(GUIDANCE_W))
    for column, w in zip(columns, GUIDANCE_W, strict=True):
        with column:
            samples_row(lesson_samples(w, ""), f"w = {w:g}", f"guidance_w{w:g}")


@st.cache_data(max_entries=2, show_spinner="Measuring…")
def lesson_lie_measures() -> dict[str, dict[str, float]]:
    """The lesson's runs measured (``models.measures``): honest, told k = 0, told k = T − 1."""
    from timestep_lab import models
    from timestep_lab.models.measures import run_measures
    from timestep_lab.ui.models import cached_model

    model, card = cached_model("digits")
    schedule = models.model_schedule(card)
    last = float(schedule.num_timesteps - 1)
    lies = {"honest": None, "k=0": models.TimestepLie("fixed", 0.0)}
    lies["k=T-1"] = models.TimestepLie("fixed", last)
    options = dict(sampler="ddim", steps=25, spacing="trailing", guidance=1.0)
    return {
        name: run_measures(
            list(
                models.sample_trajectory(
                    model, schedule, labels=LESSON_DIGIT, num=8, seed=SEED, lie=lie, **options
                )
            )
        )
        for name, lie in lies.items()
    }


def lie_view():
    honest, lying = st.columns(2)
    with honest:
        samples_row(lesson_samples(1.0, ""), "honest: told the true k", "honest")
    with lying:
        samples_row(lesson_samples(1.0, "k=0"), "told k = 0 at every step", "told_k0")
    m = lesson_lie_measures()
    h, z, t = m["honest"], m["k=0"], m["k=T-1"]
    st.caption(
        f"Measured on these runs: at the first step ε̂ has RMS {z['eps_rms_first']:.2f} told "
        f"k = 0 against {h['eps_rms_first']:.2f} honest (the noise it faces is a standard "
        f"Gaussian, RMS ≈ 1); over the first half of the steps x̂₀ sits at the clip (±1) in "
        f"{z['x0_clipped_early']:.0%} of its values against {h['x0_clipped_early']:.0%}. Told "
        f"k = T−1 instead (not shown), ε̂ ends at RMS {t['eps_rms_last']:.2f} against "
        f"{h['eps_rms_last']:.2f}, and neighbouring pixels of its samples correlate "
        f"{t['neighbour_correlation']:+.2f} (speckle) against {h['neighbour_correlation']:+.2f} "
        "for the honest digits."
    )


def spectral_bias_view():
    from app_pages.sections.spectral_bias import cached_fits, fit_summary, sb_figure

    result = cached_fits(1000, 32, 10_000.0, "transformer")
    plot(sb_figure(result), key="lesson_spectral_bias")
    st.caption(fit_summary(result))


def noise_level_view():
    # The noise page's own browser views: §2's step view (x₀, ε and x_k, with the arrays the
    # panel reads) and §4's level panel (σ̂ read off x_k at k, over the k-free sweep).
    from app_pages.sections.noise_cached import cached_bundled_image
    from app_pages.sections.noise_level import TOLERANCE, cached_sweep
    from timestep_lab.images import WORKING_SIZE
    from timestep_lab.ui.components.noise_views import noise_data, noise_panel, noise_step_view

    schedule = noise_schedule("linear", 1000)
    pixels = cached_bundled_image("hopper", WORKING_SIZE)
    x0 = to_signed(pixels)
    noise = np.random.default_rng(SEED).standard_normal(x0.shape)
    step = noise_data(pixels, noise, schedule, K, mean_square=float(np.mean(x0**2)))
    noise_step_view(step, key="lesson_noise_step")
    sweep = cached_sweep(pixels, SEED, schedule.name, schedule.num_timesteps, False)
    noise_panel("level", step, key="lesson_noise_level", sweep=sweep)
    within = sweep.first_within(TOLERANCE)
    last = schedule.num_timesteps - 1
    if within is not None:
        st.caption(
            f"Within {TOLERANCE:.0%} of the true σ from k = {within} on (the photo, "
            f"{schedule.name}, seed {SEED}); σ_k = {schedule.sqrt_one_minus_alpha_bar[last]:.4f} "
            f"at k = {last}. Drag k, use the arrow keys or press Play: your browser reads σ̂ "
            "off each x_k."
        )


FIGURES = {
    "filmstrip": filmstrip_view,
    "naive": naive,
    "wavelengths": wavelength_view,
    "heatmap": heatmap_view,
    "shift": shift_view,
    "schedules": schedule_view,
    "layouts": layout_view,
    "network": network_view,
    "guidance": guidance_view,
    "lie": lie_view,
    "spectral_bias": spectral_bias_view,
    "noise_level": noise_level_view,
    "summary": network_view,
}


# ── questions: commit first, then see feedback and the figure ────────────────────────
def ask(question: Choice | Guess, key: str) -> bool:
    """Draw a question; returns whether the learner has committed an answer to it."""
    answered = f"{key}_answer"
    st.markdown(f"**{question.prompt}**")
    if isinstance(question, Choice):
        picked = st.radio(
            question.prompt, question.options, index=None, key=key, label_visibility="collapsed"
        )
    else:
        picked = st.slider(
            question.prompt,
            question.lo,
            question.hi,
            question.lo,
            key=key,
            label_visibility="collapsed",
        )
    if st.button("Check my answer", key=f"{key}_check", disabled=picked is None):
        st.session_state[answered] = picked
    if answered not in st.session_state:
        return False
    feedback(question, st.session_state[answered])
    return True


def feedback(question: Choice | Guess, committed) -> None:
    """Right or wrong, and why: a committed answer (an option's text or a guessed number)."""
    unit = f" {question.unit}" if isinstance(question, Guess) and question.unit else ""
    if question.is_right(committed):
        st.success(f"Right. {question.why}", icon=":material/check_circle:")
    elif isinstance(question, Guess):
        st.error(
            f"You guessed {committed:,}{unit}; the answer is {question.answer:,}{unit}. "
            f"{question.why}",
            icon=":material/cancel:",
        )
    else:
        right = question.options[question.answer]
        st.error(f"Not quite: the answer is “{right}”. {question.why}", icon=":material/cancel:")


def go_to(step: int) -> None:
    set_control("step", step)


def draw_figure(name: str) -> None:
    try:
        FIGURES[name]()
    except ValueError as error:  # e.g. missing or corrupt weights
        st.error(f"This figure cannot be drawn here: {error}", icon=":material/error:")


def show_step(number: int, step: LessonStep) -> None:
    st.subheader(f"{number} · {step.title}")
    st.write(step.text)
    if number == 1:
        class_mode.explain()
    committed = [ask(q, f"q{number}_{i}") for i, q in enumerate(step.questions)]
    if all(committed):
        draw_figure(step.figure)
        st.caption(step.after)
    else:
        st.info("Answer first, then the figure appears.", icon=":material/visibility_off:")


st.title("Walkthrough: how a diffusion model knows when it is")
st.write(
    f"A lesson in {len(STEPS)} steps. Each one asks you to predict before it shows: commit to "
    "an answer, then see whether you were right and the figure that explains why. A teacher "
    "can send the class to any step with a link."
)
# Class mode (a link with ?room=…, or this session teaches): the teacher's step for everyone.
if not class_mode.run(STEPS, draw_figure, feedback):
    with st.sidebar:
        number = int_control(
            "Step", "step", 1, len(STEPS), 1, help="Which step of the lesson; part of the link."
        )
    st.progress(number / len(STEPS), text=f"Step {number} of {len(STEPS)}")
    show_step(number, STEPS[number - 1])
    class_mode.offer(STEPS, number)
    previous, _, following = st.columns([1, 3, 1])
    previous.button(
        "← Previous", on_click=go_to, args=(number - 1,), disabled=number == 1, width="stretch"
    )
    following.button(
        "Next →",
        on_click=go_to,
        args=(number + 1,),
        disabled=number == len(STEPS),
        width="stretch",
    )
    with st.sidebar:
        link_to_view()
