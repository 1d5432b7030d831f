"""Train it yourself: a small denoiser trained live with the timestep conditioning you pick,
measured against the exact answer."""

import numpy as np
import pandas as pd
import streamlit as st

from timestep_lab.encodings import noise_schedule
from timestep_lab.encodings.sinusoidal import CONVENTIONS
from timestep_lab.figures import train as fig
from timestep_lab.models import exact, lab
from timestep_lab.models.labdata import DATA_NAMES, MIN_DRAWN, custom_1d, drawn, preset
from timestep_lab.models.timecond import CONDITIONINGS, TimeConditioning
from timestep_lab.ui import (
    bool_control,
    choice_control,
    csv_download,
    grid_control,
    int_control,
    link_to_view,
    log_control,
    plot,
    show_code,
)
from timestep_lab.ui.components.point_canvas import point_canvas
from timestep_lab.ui.jobs import JobRefused, status_text
from timestep_lab.ui.training import Request, cancel, finished, max_steps, request_runs

REQUESTS = "_train_requests"  # session-only: the runs this session asked for
ERROR = "_train_error"
OFF = "off"
WIDTHS = (16, 32, 64, 128, 256)
BASES = (10.0, 100.0, 1000.0, 10000.0, 100000.0)
MEAN_GRID = tuple(np.round(np.arange(-2.0, 2.01, 0.1), 1))
STD_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0)
WEIGHT_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
CUSTOM_DEFAULT = ((-1.0, 0.1, 0.5), (1.0, 0.3, 0.5), (0.0, 0.2, 0.5), (1.5, 0.1, 0.5))
SEEDS_SPREAD = 3
DIMS = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
DIM_STDS = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.5, 2.0)
LIVE_S = 1.0  # s: 30 sessions polling share one server


def data_controls():
    """Which data: a preset, the learner's own 1D mixture, or a 2D shape."""
    st.header("Data")
    name = choice_control(
        "Data",
        "data",
        DATA_NAMES,
        "bumps_1d",
        help="1D and 2D Gaussian mixtures (the exact answer is a formula), your own 1D "
        "mixture, or 1,000 points of a 2D shape (exact for those points).",
    )
    if name == "drawn":
        return name  # the canvas is drawn in the page, where it has room
    if name != "custom_1d":
        return preset(name)
    parts = int_control("Components", "parts", 1, 4, 2)
    means, stds, weights = [], [], []
    for i in range(parts):
        mean, std, weight = CUSTOM_DEFAULT[i]
        cols = st.columns(3)
        with cols[0]:
            means.append(grid_control(f"μ{i + 1}", f"m{i + 1}", MEAN_GRID, mean))
        with cols[1]:
            stds.append(log_control(f"σ{i + 1}", f"s{i + 1}", STD_GRID, std))
        with cols[2]:
            weights.append(grid_control(f"π{i + 1}", f"pi{i + 1}", WEIGHT_GRID, weight))
    return custom_1d(means, stds, weights)


def run_controls() -> tuple[list[str], bool, lab.LabSettings]:
    """Which conditionings side by side, how many seeds, and the network's budget."""
    st.header("Conditioning")
    cond = choice_control(
        "Conditioning", "cond", CONDITIONINGS, "sinusoidal", help="How k enters the network."
    )
    vs = choice_control("Compare with", "vs", (OFF, *CONDITIONINGS), "none")
    vs2 = choice_control("And with", "vs2", (OFF, *CONDITIONINGS), OFF)
    conds = list(dict.fromkeys(c for c in (cond, vs, vs2) if c != OFF))
    spread = bool_control(
        f"{SEEDS_SPREAD} seeds",
        "spread",
        False,
        help="Train each one with 3 seeds to see the noise.",
    )
    seed = int_control("Seed", "seed", 0, 9999, 0)
    st.header("Network")
    width = int(grid_control("Width (hidden units)", "width", WIDTHS, lab.WIDTH_DEFAULT))
    steps_hi = min(lab.STEPS_RANGE[1], max_steps(width) // 100 * 100)
    steps = int_control(
        "Training steps", "train_steps", lab.STEPS_RANGE[0], steps_hi, lab.STEPS_DEFAULT, step=100
    )
    uses = set(conds)
    dim, base, layout = lab.DIM_DEFAULT, 10000.0, "transformer"
    if uses & {"sinusoidal", "learned", "fourier"}:
        dim = int_control("d, encoding width", "d", *lab.DIM_RANGE, lab.DIM_DEFAULT)
    if "sinusoidal" in uses:
        base = log_control("n, base", "n", BASES, 10000.0)
        layout = choice_control("Layout", "layout", CONVENTIONS, "transformer")
    schedule = choice_control("Noise schedule", "schedule", lab.LAB_SCHEDULES, "cosine")
    common = lab.LabSettings(
        steps=steps, width=width, dim=dim, base=base, layout=layout, schedule=schedule, seed=seed
    )
    return conds, spread, common


def settings_for(cond: str, seed: int, common: lab.LabSettings) -> lab.LabSettings:
    """One run's settings, with the values this conditioning ignores set to their defaults
    (so moving the base n does not retrain the `none` model)."""
    dim = common.dim if cond in ("sinusoidal", "learned", "fourier") else lab.DIM_DEFAULT
    sinusoidal = cond == "sinusoidal"
    return lab.LabSettings(
        cond=cond,
        steps=common.steps,
        width=common.width,
        dim=dim,
        base=common.base if sinusoidal else 10000.0,
        layout=common.layout if sinusoidal else "transformer",
        schedule=common.schedule,
        seed=seed,
    )


def live_data_sample(data) -> np.ndarray:
    """Fresh draws of the data beside the live samples (cheap: a mixture draw)."""
    return data.mixture.sample(lab.SAMPLE_NUM, lab.QUALITY_SEEDS[0])


def live_view(requests: list[Request], data) -> None:
    """Progress of this session's runs (loss, loss per band of k, samples every few hundred
    steps), redrawn every ``LIVE_S`` seconds until they finish."""

    @st.fragment(run_every=LIVE_S)
    def draw() -> None:
        jobs = [r.job for r in requests if r.job is not None]
        if all(j.done for j in jobs):
            failed = [j for j in jobs if j.state == "failed"]
            if failed:
                try:
                    failed[0].result()
                except Exception as error:  # shown, never a traceback
                    st.session_state[ERROR] = f"The training stopped with an error: {error}"
            elif any(j.state == "cancelled" for j in jobs):
                st.session_state[ERROR] = "The training was cancelled."
            st.session_state.pop(REQUESTS, None)
            st.rerun()
        curves, bands, snapshots = [], [], []
        for r in requests:
            if r.job is None:
                st.progress(1.0, text=f"{r.settings.cond}, seed {r.settings.seed}: done")
                continue
            st.progress(r.job.progress[0], text=status_text(r.job))
            progress = r.job.latest
            if isinstance(progress, lab.Progress):
                name = (r.settings.cond, r.settings.seed)
                curves.append((*name, progress.loss_steps, progress.loss))
                bands.append((*name, progress.band_loss))
                if progress.samples is not None and r.settings.seed == requests[0].settings.seed:
                    label = f"{r.settings.cond} (step {progress.samples_step:,})"
                    snapshots.append((label, progress.samples))
        if curves:
            cols = st.columns(2)
            with cols[0]:
                plot(fig.loss_curves_figure(curves, floor=None, blind_floor=None), key="live_loss")
            with cols[1]:
                plot(
                    fig.band_figure(
                        first_edges(), bands, blind_excess=None, y_title="training loss in the band"
                    ),
                    key="live_bands",
                )
        trained_on = requests[0].data or data  # the data of the runs, even if it changed since
        if snapshots:
            real = live_data_sample(trained_on)
            plot(fig.samples_figure(real, snapshots, extent=trained_on.extent), key="live_samples")

    draw()


def mean_spread(values: list[float]) -> str:
    """ "m ± s" (s the sample standard deviation) for several seeds, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"


def results_table(results: list[lab.LabResult], spread: bool) -> pd.DataFrame:
    rows = [r.row() for r in results]
    table = pd.DataFrame(rows)
    if not spread:
        return table
    summary = []
    for cond, group in table.groupby("cond", sort=False):
        summary.append(
            {"cond": cond, "seeds": len(group)}
            | {c: mean_spread(group[c].tolist()) for c in table.columns[3:-1]}
        )
    return pd.DataFrame(summary)


def verdict(results: list[lab.LabResult]) -> str:
    """Sentences with the numbers of these runs (nothing typed in)."""
    first = results[0]
    parts = [
        f"The best any network told k can reach on this data is a loss of {first.floor:.4f} "
        f"(ε\\*, on the {lab.EVAL_NUM:,} fixed test draws); told nothing, {first.blind_floor:.4f} "
        "(ε\\*_∅, on "
        + (f"the first {first.num_blind:,} of them)" if first.num_blind < lab.EVAL_NUM else "them)")
        + ". The difference is what knowing k is worth here. (A final loss a hair below ε\\*'s is "
        "the noise of the test draws; the error to ε\\*, on the same draws, cannot go below 0.)"
    ]
    by_cond: dict[str, list[lab.LabResult]] = {}
    for r in results:
        by_cond.setdefault(r.settings.cond, []).append(r)
    for cond, runs in by_cond.items():
        err = [r.error_to_star for r in runs]
        gap = [r.blind_loss - r.blind_floor for r in runs]
        below = "below" if np.mean(gap) < 0 else "above"
        parts.append(
            f"**{cond}**: {mean_spread(err)} from ε\\* (mean ‖ε̂ − ε\\*‖²/D), "
            f"{abs(np.mean(gap)):.4f} {below} the k-blind floor"
            + (f" (mean of {len(runs)} seeds)" if len(runs) > 1 else "")
            + "."
        )
    return " ".join(parts)


def show_results(data, results: list[lab.LabResult], spread: bool) -> None:
    first = results[0]
    st.subheader("Results")
    st.markdown(verdict(results))
    st.dataframe(results_table(results, spread), hide_index=True)
    st.caption(
        "final loss: ‖ε − ε̂‖²/D on fixed test draws · error to ε\\*: ‖ε̂ − ε\\*‖²/D · gap to blind "
        "floor: loss minus the best loss without k on the same draws (below 0: the network uses "
        f"k) · energy distance: {lab.SAMPLE_NUM} DDIM-{lab.SAMPLE_STEPS} samples against "
        f"{lab.SAMPLE_NUM} fresh data points, beside the distance between two fresh draws of the "
        "data (real-vs-real)."
    )
    curves = [(r.settings.cond, r.settings.seed, r.loss_steps, r.loss) for r in results]
    plot(
        fig.loss_curves_figure(curves, floor=first.floor, blind_floor=first.blind_floor),
        key="loss_curves",
    )
    st.markdown("**Where in k each conditioning wins or loses.**")
    blind_excess = first.band_blind_floor - first.band_floor
    bands = [(r.settings.cond, r.settings.seed, r.band_error) for r in results]
    plot(fig.band_figure(first_edges(), bands, blind_excess=blind_excess), key="bands")
    worst = int(np.nanargmax(blind_excess))
    edges = first_edges()
    st.caption(
        f"Grey bars: how much worse the best k-blind prediction is than ε\\*, per band; it is "
        f"largest for k in {edges[worst]}–{edges[worst + 1] - 1} here "
        f"({blind_excess[worst]:.3f}). Averaged over all k, no network told nothing beats ε\\*_∅, "
        "so a `none` run's mean error to ε\\* is at least the bars' mean (up to the noise of the "
        "test draws); within one band it may dip below a bar, paid for in others."
    )
    st.markdown(
        f"**Samples** (DDIM, {lab.SAMPLE_STEPS} steps, η = 0, the same starting noise for every "
        "run)."
    )
    shown = [r for r in results if r.settings.seed == first.settings.seed]
    plot(
        fig.samples_figure(
            first.real, [(r.settings.cond, r.samples) for r in shown], extent=data.extent
        ),
        key="samples",
    )
    if data.dim == 1:
        field_view(results)
    downloads(results)


def first_edges() -> np.ndarray:
    return exact.band_edges(lab.NUM_TIMESTEPS, lab.NUM_BANDS)


def field_view(results: list[lab.LabResult]) -> None:
    st.markdown("**The whole answer in 1D: ε over the (k, x_k) plane.**")
    conds = list(dict.fromkeys(r.settings.cond for r in results))
    which = choice_control("Field of", "field", conds, conds[0], widget="segmented")
    run = next(r for r in results if r.settings.cond == which)
    k, x, star = run.field_k, run.field_x, run.field_star
    plot(
        fig.field_figure(
            k,
            x,
            star,
            run.field_learned,
            trajectory_k=run.trajectory_k,
            trajectories=run.trajectories,
            title=which,
        ),
        key="field_plot",
    )
    diff = run.field_learned - star
    worst_k = int(k[np.argmax(np.abs(diff).max(1))])
    st.caption(
        f"Left: the exact ε\\*(x, k); middle: what `{which}` learned, with "
        f"{run.trajectories.shape[1]} of its sampling paths; right: the difference, largest "
        f"(|{np.abs(diff).max():.2f}|) at k = {worst_k}. k runs from T−1 on the left to 0 on "
        "the right, the direction of sampling."
    )


def downloads(results: list[lab.LabResult]) -> None:
    cols = st.columns(2 + len(results))
    with cols[0]:
        csv_download(
            "Table (CSV)",
            lambda: pd.DataFrame([r.row() for r in results]).to_csv(index=False),
            "train_results.csv",
            key="dl_table",
        )
    with cols[1]:
        csv_download(
            "Loss curves (CSV)",
            lambda: lab.loss_curves_csv(results),
            "train_loss_curves.csv",
            key="dl_curves",
        )
    for i, r in enumerate(results):
        with cols[2 + i]:
            st.download_button(
                f"Weights: {r.settings.cond} s{r.settings.seed}",
                data=r.weights,
                file_name=f"lab_{r.settings.cond}_seed{r.settings.seed}.safetensors",
                mime="application/octet-stream",
                key=f"dl_w{i}",
                icon=":material/download:",
                on_click="ignore",
            )


@st.cache_data(max_entries=16, show_spinner=False)
def dimension_widths(std: float, k_true: int, schedule_name: str) -> np.ndarray:
    schedule = noise_schedule(schedule_name, lab.NUM_TIMESTEPS)
    return exact.k_posterior_width(DIMS, k_true, schedule, std=std, num=200, seed=0)


def dimension_view(schedule_name: str) -> None:
    st.subheader("Why a network without k can work in high dimension")
    std = grid_control(
        "σ of the Gaussian data", "sigma", DIM_STDS, 0.5, help="Data N(0, σ² I) in D dimensions."
    )
    k_true = lab.NUM_TIMESTEPS // 2
    widths = dimension_widths(std, k_true, schedule_name)
    T = lab.NUM_TIMESTEPS
    uniform = float(np.sqrt((T**2 - 1) / 12.0))
    plot(fig.dimension_figure(DIMS, widths, uniform=uniform, k_true=k_true), key="dims")
    st.write(
        f"x_k alone tells k: for Gaussian data N(0, σ² I) with σ = {std:g}, drawn at k = "
        f"{k_true}, the posterior p(k | x_k) has a standard deviation of {widths[0]:.0f} "
        f"timesteps at D = 1 (knowing nothing gives {uniform:.0f}), {widths[6]:.1f} at D = "
        f"{DIMS[6]} (the size of our 8×8 digits; Gaussian data here) and {widths[-1]:.1f} at "
        f"D = {DIMS[-1]} (a 64×64 image). "
        "The squared norm ‖x_k‖²/D averages D coordinates, so its relative spread shrinks like "
        "√(2/D). This is why a network that is never told k can still denoise images (Sun et "
        'al. 2025, "Is noise conditioning necessary for denoising generative models?", '
        "arXiv 2502.13129, §4, make this argument and measure it on images), while on 1D data "
        "the best k-blind prediction can stay far from ε\\* (the floors above)."
        + (
            " At σ = 1 the data has the noise's own variance, so x_k ~ N(0, I) at every k and "
            "nothing can be read, in any dimension."
            if std == 1.0
            else ""
        )
    )
    show_code(exact.k_posterior_width)


st.title("Train it yourself")
st.write(
    "Train a small denoiser here, live, and choose how the timestep k enters it. The network is "
    "the same for every choice; only the columns it receives beside x_k differ. For these data "
    "sets the best possible prediction ε\\*(x, k) = E[ε | x_k = x] is known exactly, so every "
    "run is measured against the true optimum, with k and without it."
)

with st.sidebar:
    try:
        data = data_controls()
    except ValueError as error:
        st.error(f"These data cannot be used: {error}", icon=":material/error:")
        st.stop()
    conds, spread, common = run_controls()

if data == "drawn":
    st.markdown(
        "**Draw your data**: press and drag in the square (it spans −1.5 … 1.5 on both axes). "
        "The drawing stays in this tab; a link does not carry it."
    )
    points = point_canvas()
    if len(points) < MIN_DRAWN:
        st.info(f"Draw at least {MIN_DRAWN} points to train on them.", icon=":material/draw:")
        dimension_view(common.schedule)
        with st.sidebar:
            link_to_view()
        st.stop()
    try:
        data = drawn(points)
    except ValueError as error:
        st.error(f"This drawing cannot be used: {error}", icon=":material/error:")
        st.stop()

seeds = [common.seed + j for j in range(SEEDS_SPREAD if spread else 1)]
runs = [settings_for(c, s, common) for c in conds for s in seeds]
st.caption(
    f"Data: {data.description}. {len(runs)} training run{'s' * (len(runs) != 1)}: "
    + ", ".join(f"{r.cond} (seed {r.seed})" for r in runs)
    + f"; {common.steps:,} steps of {lab.BATCH} points each."
)

cols = st.columns([1, 1, 3])
pressed = cols[0].button("Train", type="primary", icon=":material/play_arrow:", key="train")
in_flight: list[Request] = st.session_state.get(REQUESTS, [])
if pressed:
    st.session_state.pop(ERROR, None)
    try:
        in_flight = request_runs(data, runs)
        st.session_state[REQUESTS] = in_flight
    except JobRefused as refused:
        st.warning(f"{refused}. Lower the steps or the width.", icon=":material/speed:")
# drawn after Train is handled, so it is live in the very run that started a training
if cols[1].button("Cancel", icon=":material/stop_circle:", key="cancel", disabled=not in_flight):
    cancel(in_flight)
    st.session_state.pop(REQUESTS, None)
    st.session_state[ERROR] = "Cancelled."
    in_flight = []

if ERROR in st.session_state:
    st.info(st.session_state[ERROR], icon=":material/info:")

done = finished(data, runs)
if in_flight and not all(r.job is None or r.job.done for r in in_flight):
    live_view(in_flight, data)
elif in_flight:
    st.session_state.pop(REQUESTS, None)
if done is not None:
    show_results(data, done, spread)
elif not in_flight:
    st.info(
        "Press **Train**. Results for settings someone on this server already trained "
        "appear at once.",
        icon=":material/model_training:",
    )

show_code(lab.train_steps, label="Show code: the training loop")
show_code(exact.optimal_eps, exact.optimal_blind_eps, label="Show code: the exact answer")
show_code(TimeConditioning.__init__, label="Show code: the seven conditionings")

dimension_view(common.schedule)

with st.sidebar:
    link_to_view()
