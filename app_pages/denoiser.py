"""Watch it denoise: a trained denoiser turns noise into digits (or points into a shape)."""

import math
import time

import numpy as np
import streamlit as st

from app_pages.sections.denoiser_cached import (
    SETTLED,
    cached_animation,
    cached_description,
    cached_run_views,
    cached_step_data,
    cached_truth,
    picture,
    trajectory_store,
)
from app_pages.sections.time_mlp import time_mlp_section
from timestep_lab import models
from timestep_lab.encodings import SPACINGS, sampling_timesteps
from timestep_lab.figures import denoiser as fig
from timestep_lab.figures.denoiser_static import samples_png_figure, trajectory_gif
from timestep_lab.jobs import Work
from timestep_lab.models import sampling
from timestep_lab.models.cards import TWINS, card_row, card_sentence, score, twins_summary
from timestep_lab.models.data import DATASETS_2D, sample_2d
from timestep_lab.models.embedding import TimeEmbedding, timestep_encoding
from timestep_lab.models.evaluate import energy_distance
from timestep_lab.models.measures import run_measures
from timestep_lab.models.pretrained import SCHEDULE
from timestep_lab.ui import (
    choice_control,
    grid_control,
    int_control,
    link_to_view,
    plot,
    png_download,
    show_code,
)
from timestep_lab.ui.components import fragment_run
from timestep_lab.ui.components.denoise_views import denoise_step_view
from timestep_lab.ui.jobs import MAX_COST, JobCancelled, run_job, status_text
from timestep_lab.ui.models import cached_model, weights_stamp  # imports torch
from timestep_lab.ui.pictures import show_picture
from timestep_lab.ui.trajectories import Trajectory, kept_steps, record_steps

PAGE_MODELS = ("digits", "toy2d")
LABELS = ("all", "none", *map(str, range(10)))
W_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
ETA_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
NUM_RANGES = {"digits": (1, 64, 16), "toy2d": (100, 4000, 2000)}  # lo, hi, default
T = SCHEDULE["num_timesteps"]
EXPERIMENT_POINTS = 1000  # toy2d experiments sample at most this many points (5 runs a strip)
BIG, SMALL, STRIP = 300, 230, 180  # px: the widest a picture of samples is drawn
MAX_KEPT = 60  # steps kept per run for the step view, the animation and the GIF
LIVE_EVERY_S = 0.25  # the live pictures are redrawn at most this often while a run goes
STRIP_W = (0.0, 1.0, 2.0, 4.0, 8.0)
STOPPED = "Stopped: a newer request replaced this one. Press the button again to run it."
POINTS_PER_UNIT = 20  # a 2D point costs ~1/21 of an 8×8 digit per pass (benchmarks/resilience.py)
SHOWN = "_denoiser_shown"  # session-only: keys of the runs this session asked for
# The URL keys that shape a Generate run: a first visit whose link sets none of them gets the
# default run at once. It is sampled once per server process (the first visitor starts it) and
# kept in the shared trajectory store, so every later learner's first view is a finished run.
GENERATE_KEYS = {"model", "dataset", "label", "sampler", "steps", "eta", "spacing", "w", "num"}
GENERATE_KEYS |= {"seed"}
LAST_MODEL = "_denoiser_model"
STEP_VIEW = "step_view"  # the step-by-step view's component state (session-only)
FRAME = "_denoiser_frame"  # session-only: the sampler step the step view committed last
NETWORK = "denoiser:network"  # the fragment of the network diagram, rerun when a step is chosen
STEP = "denoiser:step"  # the step view's fragment
RUN = "denoiser:run"  # section 1: Generate and the finished samples


def model_controls() -> tuple[str, str | None, str | None]:
    """Which denoiser, and what it is asked for: a digit class or a 2D shape."""
    st.header("Model")
    name = choice_control(
        "Denoiser",
        "model",
        PAGE_MODELS,
        "digits",
        widget="segmented",
        help="digits: a small UNet trained on 8×8 handwritten digits. "
        "toy2d: an MLP trained on 2D point clouds.",
    )
    if name == "digits":
        label = choice_control(
            "c, the digit to draw",
            "label",
            LABELS,
            "all",
            help="all: sample i is asked for digit i mod 10. none: no class "
            "(∅), so w has nothing to push towards.",
        )
        return name, None, label
    return name, choice_control("c, the shape to draw", "dataset", DATASETS_2D, "moons"), None


def sampler_controls(name: str) -> dict:
    """Sampler, S, η, spacing, w, seed and the number of samples, each bound to the URL."""
    st.header("Sampler")
    sampler = choice_control(
        "Sampler",
        "sampler",
        models.SAMPLERS,
        "ddim",
        widget="segmented",
        help="ddpm adds fresh noise at every step (Ho et al. 2020, Algorithm 2); ddim "
        "with η = 0 adds none and can skip steps (Song et al. 2021, §4.1–4.2).",
    )
    steps = int_control(
        "S, sampler steps",
        "steps",
        1,
        T,
        50,
        help=f"Denoising steps, each at one of the T = {T} training timesteps.",
    )
    eta = 0.0
    if sampler == "ddim":
        eta = grid_control(
            "η, DDIM noise",
            "eta",
            ETA_GRID,
            0.0,
            help="0: deterministic. 1: fresh noise per step, like DDPM.",
        )
    spacing = choice_control(
        "Spacing",
        "spacing",
        SPACINGS,
        "trailing",
        help="Which timesteps k the S steps land on (see Noise levels, tab “Schedules and "
        "samplers”).",
    )
    w = grid_control(
        "w, guidance",
        "w",
        W_GRID,
        2.0,
        help="ε̂ = ε̂(x_k, ∅) + w·(ε̂(x_k, c) − ε̂(x_k, ∅)): w = 0 ignores c, "
        "w = 1 is the plain conditional model, w > 1 pushes harder towards c.",
    )
    seed = int_control(
        "Seed",
        "seed",
        0,
        9999,
        0,
        help="Picks the starting noise x_{T−1} (and, for DDPM or η > 0, the "
        "noise added at each step).",
    )
    lo, hi, default = NUM_RANGES[name]
    if st.session_state.get(LAST_MODEL, name) != name and "num" in st.session_state:
        st.session_state["num"] = default  # another model starts at its own sample count
    st.session_state[LAST_MODEL] = name
    noun = "Images in the grid" if name == "digits" else "Points"
    num = int_control(noun, "num", lo, hi, default, help="How many samples to draw at once.")
    return dict(
        sampler=sampler, steps=steps, eta=eta, spacing=spacing, guidance=w, seed=seed, num=num
    )


def lie_controls() -> sampling.TimestepLie:
    """What to tell the network instead of k (URL keys ``lie``, ``delta``, ``told``)."""
    mode = choice_control(
        "The lie",
        "lie",
        models.LIE_MODES,
        "offset",
        widget="segmented",
        help="offset: tell k + Δ · fixed: tell one k at every step · zero: "
        "P = 0 · shuffle: P's columns in another order",
    )
    value = 0
    if mode == "offset":
        value = int_control("Δ, added to every k told", "delta", -T + 1, T - 1, 300)
    elif mode == "fixed":
        value = int_control("The k told at every step", "told", 0, T - 1, 500)
    return sampling.TimestepLie(mode, float(value))


def labels_for(label: str | None, dataset: str | None, num: int):
    """The sampler's ``labels``: a shape index, one digit, a digit per sample, or None (∅)."""
    if dataset is not None:
        return DATASETS_2D.index(dataset)
    if label == "all":
        return (np.arange(num) % 10).astype(np.int64)
    return None if label == "none" else int(label)


def run_key(name: str, options: dict, experiment: str) -> tuple:
    labels = options["labels"]
    labels = tuple(labels.tolist()) if isinstance(labels, np.ndarray) else labels
    settings = tuple(sorted({**options, "labels": labels}.items()))  # by name: names differ
    return name, weights_stamp(name), experiment, settings


def run_cost(name: str, options: dict) -> float:
    """The scheduler's units of work for one run: S × samples × network passes per step.

    A pass is one evaluation of the network on every sample; guidance needs two (with and
    without the class) unless w is 0 or 1. A 2D point counts as 1/``POINTS_PER_UNIT`` of a digit.
    """
    passes = 1 if options["labels"] is None or options["guidance"] in (0.0, 1.0) else 2
    per_sample = 1 / POINTS_PER_UNIT if name == "toy2d" else 1
    return options["steps"] * options["num"] * passes * per_sample


def refusal(specs: dict) -> str | None:
    """Why these runs ({id: (model, options, experiment)}) are too much to ask, or None."""
    cost = sum(run_cost(n, o) for n, o, _ in specs.values())
    if cost <= MAX_COST:
        return None
    steps = next(iter(specs.values()))[1]["steps"]
    fits = max(1, math.floor(steps * MAX_COST / cost))  # the cost grows in proportion to S
    runs = "" if len(specs) == 1 else f", summed over its {len(specs)} runs"
    points = (
        f"; a point counts as 1/{POINTS_PER_UNIT} of a digit"
        if specs and any(n == "toy2d" for n, _, _ in specs.values())
        else ""
    )
    return (
        f"This asks for {cost:,.0f} units of work (S × samples × network passes{runs}{points}); "
        f"one request may use at most {MAX_COST:,} here, so that the whole class shares the "
        f"server. Lower S to {fits} or less, or ask for fewer samples."
    )


def sampling_work(specs: dict, loaded: dict, keys: dict) -> Work:
    """The scheduler job for ``specs``: each run from the shared store, or sampled a step a unit.

    loaded: {model name: (model, card)}; keys: {id: run_key}. Returns {id: Trajectory}.
    """
    store = trajectory_store()
    total = sum(o["steps"] for _, o, _ in specs.values())

    def work(ctx):
        done, out = 0, {}
        for number, (i, (name, options, _)) in enumerate(specs.items(), start=1):
            run = store.get(keys[i])
            if run is None:
                model, card = loaded[name]
                schedule = models.model_schedule(card)

                def counted(records, number=number, steps=options["steps"]):
                    nonlocal done
                    for record in records:
                        done += 1
                        where = f"Run {number} of {len(specs)}, step" if len(specs) > 1 else "Step"
                        ctx.progress(
                            done / total, f"{where} {record.index + 1} of {steps}: k = {record.k}"
                        )
                        yield record

                records = counted(models.sample_trajectory(model, schedule, **options))
                timesteps = sampling_timesteps(T, options["steps"], options["spacing"])
                run = yield from record_steps(records, timesteps, max_kept=MAX_KEPT)
                store.put(keys[i], run)
            else:
                done += options["steps"]
            out[i] = run
        return out

    return work


def remembered_run(name: str, options: dict, experiment: str = "") -> Trajectory | None:
    """The run this session already made with these settings, if the store still holds it."""
    key = run_key(name, options, experiment)
    return trajectory_store().get(key) if key in st.session_state.get(SHOWN, ()) else None


def scheduled_runs(slot: str, specs: dict, *, start: bool, draw) -> dict | None:
    """Run ``specs`` as one job of this session in ``slot`` (or pick up the one in flight).

    Returns {id: Trajectory}, or None when nothing was asked or the job was stopped. Raises
    ValueError (a refused job, broken weights, a bad setting) for the caller to explain.
    """
    keys = {i: run_key(*spec) for i, spec in specs.items()}
    loaded = {n: cached_model(n) for n, _, _ in specs.values()} if start else {}
    cost = sum(run_cost(n, o) for n, o, _ in specs.values())
    work = sampling_work(specs, loaded, keys)
    job_key = tuple(keys.values())
    found = run_job(
        slot, work, cost=cost, key=job_key, label="This request", start=start, draw=draw
    )
    if found is not None:
        st.session_state.setdefault(SHOWN, set()).update(keys.values())
    return found


def runs(button: str, label: str, specs: dict) -> dict | None:
    """Runs ``specs`` ({id: (model, options, experiment)}) when the button is pressed, or
    the ones this session made before; None while any is missing. Errors become a message."""
    refused = refusal(specs)
    if refused is not None:
        st.warning(refused, icon=":material/speed:")
    pressed = st.button(label, key=button, icon=":material/science:", disabled=bool(refused))
    found = {i: remembered_run(*spec) for i, spec in specs.items()}
    if not pressed and all(r is not None for r in found.values()):
        return found
    note = st.empty()
    try:
        draw = lambda job: note.progress(job.progress[0], text=status_text(job))  # noqa: E731
        result = scheduled_runs(f"denoiser:{button}", specs, start=pressed, draw=draw)
    except JobCancelled:
        note.info(STOPPED, icon=":material/stop_circle:")
        return None
    except ValueError as error:  # WeightsError and JobRefused included
        note.error(f"This experiment cannot run: {error}", icon=":material/error:")
        return None
    note.empty()
    return result


def show(where, samples, caption: str, *, width: int, truth=None) -> None:
    """Samples as a PNG at its own size (Streamlit would blur a shrunk one, or make it a JPEG)."""
    url, shown_width = picture(samples, width=width, truth=truth)
    show_picture(url, caption, width=shown_width, where=where)


def signed(value: float) -> str:
    """+300 or −200, with a true minus sign."""
    return f"{value:+g}".replace("-", "−")


def lie_verdict(lie: sampling.TimestepLie, honest: Trajectory, lying: Trajectory, dataset, d):
    """A sentence on what the lie broke, with numbers measured on these two runs."""
    if lie.mode == "offset":
        more = "more" if lie.value > 0 else "less"
        why = f"at every step it was told k {signed(lie.value)}: {more} noise than x_k holds"
    elif lie.mode == "fixed":
        why = f"it was told k = {lie.value:g} at every step, whatever the true noise level"
    elif lie.mode == "zero":
        why = (
            f"it got P = 0, the code of no timestep (every sinusoidal row has length "
            f"√(d/2) = {math.sqrt(d // 2):.2f})"
        )
    else:
        why = (
            "it got the same values in another column order; each column is a fixed input of "
            "the time MLP, so to the network this is a different code"
        )
    if dataset is None:
        rms = float(np.sqrt(np.mean((honest.final - lying.final) ** 2)))
        crisp = [float(np.mean(np.abs(np.clip(r.final, -1, 1)))) for r in (honest, lying)]
        measured = (
            f"the lying samples differ from the honest ones by RMS {rms:.2f} (pixels "
            f"span −1 … 1), and their mean |pixel| (1 = pure black and white) is "
            f"{crisp[1]:.2f} against {crisp[0]:.2f}"
        )
    else:
        ref = sample_2d(dataset, 1000, seed=2002)
        e = [energy_distance(r.final[:1000], ref) for r in (honest, lying)]
        measured = (
            f"energy distance to fresh {dataset} points (0 = the true shape) is "
            f"{e[1]:.4f} for the lie against {e[0]:.4f} honest"
        )
    m_honest, m_lie = run_measures(honest.steps), run_measures(lying.steps)
    eps = (
        f"; ε̂ at the first step has RMS {m_lie['eps_rms_first']:.2f} against "
        f"{m_honest['eps_rms_first']:.2f} honest, at the last {m_lie['eps_rms_last']:.2f} "
        f"against {m_honest['eps_rms_last']:.2f}"
    )
    return f"What changed: {why}. Measured on these runs: {measured}{eps}."


def kept_ks(run: Trajectory | None) -> dict[int, int]:
    """{sampler step: k} for the run's kept steps, in sampling order ({} without a run)."""
    return {} if run is None else {s.index: s.k for s in run.steps}


def shown_step(kept: dict[int, int]) -> int | None:
    """The sampler step the step view shows: the one it sent last, if this run kept it, else
    the run's first (a new run starts at its first step). None without a run."""
    frame = st.session_state.get(FRAME)
    return frame if frame in kept else next(iter(kept), None)


@st.fragment(key=STEP)
def step_view(run, name, options, description, schedule, truth) -> None:
    """Section 3: every kept step drawn by the browser from data sent once per run.

    A fragment, so that a committed step is a fragment's request and only the diagram reruns.
    """
    x0_title = (
        "x̂₀ ≈ E[x₀ | x_k, c], its estimate"
        if options["guidance"] == 1
        else f"x̂₀, its estimate (guided, w = {options['guidance']:g})"
    )
    key = run_key(name, options, "")
    data, encoded = cached_step_data(
        key, run, schedule.alpha_bar, description, truth, x0_title=x0_title, width=SMALL
    )
    kept = list(kept_ks(run))
    frame = kept.index(shown_step(kept_ks(run)))
    denoise_step_view(
        data, key=STEP_VIEW, frame=frame, frame_key=FRAME, rerun=[NETWORK], encoded=encoded
    )


@st.fragment(key=NETWORK)
def network_diagram(description: dict, dataset: str | None, kept: dict[int, int]) -> None:
    """Section 4's diagram with k of the step shown above; reruns alone when that step moves."""
    step = shown_step(kept)
    k_now = kept[step] if step is not None else None
    label = "c, the class" if dataset is None else "c, the shape"
    st.graphviz_chart(fig.network_dot(description, k=k_now, label=label))


@st.fragment(key=RUN)
def generate_section(name, options, asked, dataset, truth) -> None:
    """Section 1: Generate, its progress and the finished samples of this session's run.

    A fragment: pressing Generate again with the same settings reruns only this section (the
    run comes from the shared store), not the whole page, and sends none of the run's frames
    again. When the run shown here appears or changes, the page runs once more, so that the
    playback, the step view and section 4 show it.
    """
    before = remembered_run(name, options)
    # 1 ─ generate ────────────────────────────────────────────────────────────────────
    st.markdown(
        "### 1 · Generate\n\n"
        f"Press Generate to run {options['sampler'].upper()} for S = {options['steps']} steps, "
        f"asking for {asked} with guidance w = {options['guidance']:g}. Left: x_k, the sample now. "
        "Right: x̂₀, the network's estimate of the clean sample from x_k: "
        + (
            "at w = 1, approximately the average E[x₀ | x_k, c] of the clean images of the asked "
            "class c that could have produced x_k (E[x₀ | x_k] with no class), so at high noise "
            "it is a blurry, typical digit, much the same for every sample."
            if options["guidance"] == 1
            else f"at w = {options['guidance']:g} the guided ε̂ mixes two predictions and is no "
            "longer a posterior mean; at w = 1 x̂₀ would approximate E[x₀ | x_k, c], the average "
            "of the clean images of class c that could have produced x_k, a blurry typical digit "
            "at high noise."
        )
        + " (At the very first step √ᾱ_k is "
        "tiny, x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k magnifies every error in ε̂, and x̂₀ is mostly "
        "clipped to ±1.)"
    )
    generate_specs = {"run": (name, options, "")}
    refused = refusal(generate_specs)
    if refused is not None:
        st.warning(refused, icon=":material/speed:")
    pressed = st.button(
        "Generate",
        key="generate",
        type="primary",
        icon=":material/auto_fix_high:",
        disabled=bool(refused),
    )
    status = st.empty()
    left, right = st.columns(2)
    live_left, live_right = left.empty(), right.empty()
    drawn = {"index": None, "at": 0.0}

    def show_live(job) -> None:
        """The job's place in the queue, or its progress and the step it made last."""
        status.progress(job.progress[0], text=status_text(job))
        step = job.latest
        now = time.monotonic()
        if step is None or step.index == drawn["index"] or now - drawn["at"] < LIVE_EVERY_S:
            return
        drawn.update(index=step.index, at=now)
        show(live_left, step.xk, f"x_k at k = {step.k}", width=BIG, truth=truth)
        show(live_right, step.x0_pred, f"x̂₀ at k = {step.k}", width=BIG, truth=truth)

    run = None
    first_view = not st.session_state.get(SHOWN) and not GENERATE_KEYS & set(st.query_params)
    if first_view and trajectory_store().get(run_key(name, options, "")) is not None:
        # The default run is already sampled in this process: show it without queueing a job
        # (the scheduler's workers may be busy with other learners' work).
        st.session_state.setdefault(SHOWN, set()).add(run_key(name, options, ""))
        first_view = False
    try:
        made = scheduled_runs(
            "denoiser:generate",
            generate_specs,
            start=pressed or (first_view and refused is None),
            draw=show_live,
        )
        run = made["run"] if made is not None else remembered_run(name, options)
    except JobCancelled:
        st.info(STOPPED, icon=":material/stop_circle:")
    except ValueError as error:
        st.error(f"Sampling failed: {error}", icon=":material/error:")
    if run is None:
        status.info("Press **Generate** to watch the network denoise.", icon=":material/touch_app:")
    else:
        halfway = run.steps[len(run.steps) // 2]
        status.success(
            f"Done: {run.timesteps.size} steps, k = {run.timesteps[0]} down to "
            f"{run.timesteps[-1]}, in {run.seconds:.2f} s.",
            icon=":material/check_circle:",
        )
        views = cached_run_views(run_key(name, options, ""), run, truth, width=BIG)
        url, width = views["final"]
        show_picture(url, "x₀: the finished samples", width=width, where=live_left)
        url, width = views["halfway"]
        guess = f"x̂₀ halfway, at k = {halfway.k}: the estimate of x₀ there"
        show_picture(url, guess, width=width, where=live_right)
        try:
            st.caption(card_sentence(name, dataset, options["guidance"]))
        except (KeyError, TypeError, ValueError):  # a card from an older evaluate.py
            st.caption("The model card's evaluation could not be read.")
        o = options
        stem = f"{name}_{o['sampler']}{o['steps']}_w{o['guidance']:g}_seed{o['seed']}"
        title = (
            f"{name}: {asked}, {o['sampler']} S={o['steps']}, w={o['guidance']:g}, seed {o['seed']}"
        )
        c1, c2, _ = st.columns([1, 1, 2])
        with c1:
            png_download(
                "Samples (PNG)",
                lambda: samples_png_figure(run.final, truth=truth, title=title),
                f"{stem}.png",
                key="samples_png",
            )
        with c2:
            st.download_button(
                "Trajectory (GIF)",
                lambda: trajectory_gif(run.steps, truth=truth),
                f"{stem}.gif",
                "image/gif",
                key="trajectory_gif",
                icon=":material/animated_images:",
                on_click="ignore",
            )
    show_code(sampling.ddim_step, sampling.ddpm_step)

    if fragment_run() and remembered_run(name, options) is not before:
        st.rerun()  # the whole page: sections 2–4 show the new run


st.title("Watch it denoise")
st.write(
    "A small network trained on 8×8 handwritten digits (or on 2D point clouds) starts from pure "
    "noise and removes a little at each step. At every step it is told the timestep k as the "
    "vector P(k), predicts the noise ε̂ in the sample x_k, and from it guesses the finished "
    "sample x̂₀. Generate a run, scrub through it, then lie to the network about k."
)

with st.sidebar:
    name, dataset, label = model_controls()
    options = sampler_controls(name)
options["labels"] = labels_for(label, dataset, options["num"])
# The experiments run several samplers at once: a point cloud of 1,000 shows the same.
small = options if dataset is None else {**options, "num": min(options["num"], EXPERIMENT_POINTS)}
truth = cached_truth(dataset) if dataset is not None else None

try:
    model, card = cached_model(name)
except ValueError as error:  # WeightsError: missing, corrupt or altered weights
    st.error(
        f"The {name} denoiser cannot be loaded, so this page cannot run. {error} The other "
        "pages do not need it and keep working.",
        icon=":material/error:",
    )
    with st.sidebar:
        link_to_view()
    st.stop()
schedule = models.model_schedule(card)
description = cached_description(model)
asked = {"all": "every digit in turn", "none": "no class (∅)", None: dataset}.get(label)
asked = asked or f"the digit {label}"

generate_section(name, options, asked, dataset, truth)
run = remembered_run(name, options)  # what section 1 shows (it ran just now)

if run is not None:
    # 2 ─ play it back ────────────────────────────────────────────────────────────
    st.markdown(
        "### 2 · Play it back\n\n"
        "The same run, played by your browser: press ▶ or drag the slider. Watch x̂₀ settle "
        "before x_k does: the estimate of x₀ firms up while x_k is still noisy. Each step "
        "builds the next x from x̂₀ and ε̂ with more weight on x̂₀ (DDIM: √ᾱ·x̂₀ + √(1−ᾱ)·ε̂ "
        "at the next, smaller k, Song et al. 2021 eq. 12; DDPM adds fresh noise, Ho et al. "
        "2020, Algorithm 2)."
    )
    shown_key = run_key(name, options, "")
    animation = cached_animation(shown_key, run, schedule.alpha_bar, truth)
    plot(animation, key="animation")
    shown = fig.animation_frame_steps(len(run.steps)).size
    views = cached_run_views(shown_key, run, truth, width=BIG)
    guess_at, sample_at = views["settled"]["x0_pred"], views["settled"]["xk"]
    st.caption(
        f"{shown} of the {run.timesteps.size} steps, evenly spaced; the circle on the "
        f"ᾱ_k curve marks each frame's noise level. Measured on this run: x̂₀ first comes "
        f"within RMS {SETTLED} of the finished samples at k = {guess_at}, x_k only at "
        f"k = {sample_at}."
    )
    show_code(kept_steps, fig.animation_frame_steps)

    # 3 ─ step by step ────────────────────────────────────────────────────────────
    st.markdown(
        "### 3 · Step by step: what the network saw and said\n\n"
        "Pick a step (drag the slider or along the ᾱ_k curve, use the arrow keys, or press ▶): "
        "the sample x_k, the noise ε̂ the network found in it, its guess "
        "x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k, and the exact vector P(k) it was given."
    )
    step_view(run, name, options, description, schedule, truth)
    show_code(timestep_encoding)

# 4 ─ the network ─────────────────────────────────────────────────────────────────
st.markdown(
    "### 4 · Where k enters the network\n\n"
    "P(k) goes through a small MLP; the class vector is **added** to the result, and the sum "
    "enters every block (dashed arrows), where it shifts each channel. Sizes are the live model's."
)
network_diagram(description, dataset, kept_ks(run))
st.caption(
    f"{description['params']:,} parameters; {description['params_time_embedding']:,} in the time "
    f"MLP and {description['params_class_embedding']:,} in the class table. The embedding "
    f"({description['emb_dim']} values) reaches all {description['residual_blocks']} blocks"
    + (
        ". Dotted: the UNet's skips, which carry each down block's output across to the up block "
        "of the same size."
        if dataset is None
        else "."
    )
)
show_code(type(model).forward)

# 5 ─ lie about the timestep ──────────────────────────────────────────────────────
st.markdown(
    "### 5 · Lie about the timestep\n\n"
    "Same seed, same sampler, same noise levels: only what the network is *told* changes. "
    "The honest run is on the left, the lie on the right."
)
lie = lie_controls()
pair = runs(
    "lie_run",
    "Run the lie",
    {"honest": (name, small, ""), "lie": (name, {**small, "lie": lie}, "lie")},
)
if pair is not None:
    told = {
        "offset": f"k {signed(lie.value)}",
        "fixed": f"k = {lie.value:g} always",
        "zero": "P = 0",
        "shuffle": "P with shuffled columns",
    }[lie.mode]
    c1, c2 = st.columns(2)
    show(c1, pair["honest"].final, "Honest: told the true k", width=BIG, truth=truth)
    show(c2, pair["lie"].final, f"Lie: told {told}", width=BIG, truth=truth)
    verdict = lie_verdict(lie, pair["honest"], pair["lie"], dataset, description["enc_dim"])
    st.info(verdict, icon=":material/science:")
show_code(sampling.sample_trajectory)

# 6 ─ ablation twins ──────────────────────────────────────────────────────────────
st.markdown(
    "### 6 · Twins: four ways to tell the network k\n\n"
    "Four digit models trained identically except for how k enters: the sinusoidal P(k), k/T in "
    "every column, the bare k, or nothing. Same seed and settings, side by side, with the "
    "numbers their model cards measured (one training run per model)."
)
if dataset is not None:
    st.info(
        "The twins are digit models: switch the denoiser to digits to run them.",
        icon=":material/info:",
    )
else:
    rows = {n: card_row(n, options["guidance"]) for n in TWINS}
    twins = runs("twins_run", "Run the four twins", {n: (n, options, "twins") for n in TWINS})
    if twins is not None:
        for column, (n, twin) in zip(st.columns(len(TWINS)), twins.items(), strict=True):
            r = rows[n][0]
            measured = score(r) if r else "not measured"
            show(column, twin.final, f"{TWINS[n]} ({n}): {measured}", width=SMALL)
    w_eval = next((w for _, w in rows.values() if w is not None), None)
    st.info(
        twins_summary({n: r for n, (r, _) in rows.items()}, w_eval), icon=":material/analytics:"
    )
    show_code(TimeEmbedding)

# 7 ─ guidance strip ──────────────────────────────────────────────────────────────
st.markdown(
    "### 7 · Guidance: the same seed at several w\n\n"
    "w = 0 ignores the class, w = 1 is the plain conditional model, and a larger w pushes every "
    "step harder towards the class."
)
if options["labels"] is None:
    st.info(
        "Guidance needs a class to push towards: pick a digit (or all) for c.",
        icon=":material/info:",
    )
else:
    specs = {w: (name, {**small, "guidance": w}, "strip") for w in STRIP_W}
    strip = runs("strip_run", "Run the strip", specs)
    if strip is not None:
        for column, (w, run_w) in zip(st.columns(len(STRIP_W)), strip.items(), strict=True):
            r, w_eval = card_row(name, w) if dataset is None else (None, None)
            measured = f": {score(r)}" if w_eval == w else ""
            show(column, run_w.final, f"w = {w:g}{measured}", width=STRIP, truth=truth)
        if dataset is None:
            st.caption(
                "Accuracy / Fréchet distance from the model card (brackets: 95% bootstrap "
                "intervals over its samples), for the w it evaluated; the other w were not "
                "measured."
            )
    show_code(sampling.sample_trajectory)

time_mlp_section(model, name)

with st.sidebar:
    link_to_view()
