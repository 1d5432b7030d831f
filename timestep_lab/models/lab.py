"""The training lab: train a small denoiser live, then measure it against the exact answer.

Notation (see shared NOTATION.md): x_0 from the data, k ~ U{0 … T−1}, ε ~ N(0, I),
x_k = √ᾱ_k·x_0 + √(1−ᾱ_k)·ε (Ho et al. eq. 4); the loss is ‖ε − ε̂(x_k, k)‖²/D (Ho et al.
eq. 14, "simple" loss, averaged over the D coordinates). ε* and ε*_∅ are the exact optimum with
and without k (``exact.py``).

- Deterministic: one seed draws the initial weights (torch) and every batch, timestep and noise
  (NumPy), and the work is a fixed number of steps, so the same settings give the same weights
  on the same machine. ``torch.set_num_threads(1)`` inside the job: a class shares the CPU.
- ``train_lab`` calls ``report(progress)`` every ``REPORT_EVERY`` steps (loss curve, loss per
  band of k, samples every ``snapshot_every`` steps) and stops early when ``cancelled()``.
- The result is measured on one fixed set of noised draws (``Reference``) shared by every
  conditioning, so differences between conditionings are paired, not noise between draws.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from numpy.typing import NDArray
from safetensors.torch import save

from timestep_lab.encodings import NoiseSchedule, noise_schedule, sampling_timesteps
from timestep_lab.encodings.sinusoidal import CONVENTIONS, Convention
from timestep_lab.models import exact
from timestep_lab.models.evaluate import energy_distance
from timestep_lab.models.labdata import LabData, fresh_draws
from timestep_lab.models.sampling import ddim_step
from timestep_lab.models.timecond import CONDITIONINGS, Conditioning, LabMLP, TimeConditioning

LabSchedule = Literal["cosine", "linear"]
LAB_SCHEDULES: tuple[LabSchedule, ...] = ("cosine", "linear")
NUM_TIMESTEPS = 1000
STEPS_RANGE, STEPS_DEFAULT = (100, 10_000), 2000
WIDTH_RANGE, WIDTH_DEFAULT = (8, 256), 64
DIM_RANGE, DIM_DEFAULT = (2, 128), 16
DEPTH, BATCH, LR = 3, 256, 3e-3
REPORT_EVERY, SNAPSHOT_EVERY = 50, 500
NUM_BANDS = 10
SAMPLE_NUM, SAMPLE_STEPS, TRAJECTORIES = 500, 50, 24
EVAL_NUM, EVAL_SEED = 4000, 12345
BLIND_WORK = 40_000_000  # points × timesteps × components for the k-blind floor
QUALITY_SEEDS = (1001, 2002)  # fresh draws of the data, never the training stream
FIELD_K, FIELD_X = 50, 121  # the (k, x) grid of the 1D field view


@dataclass(frozen=True)
class LabSettings:
    """What one training run does; every number bounded (``check`` says which is not)."""

    cond: Conditioning = "sinusoidal"
    steps: int = STEPS_DEFAULT
    width: int = WIDTH_DEFAULT
    dim: int = DIM_DEFAULT
    base: float = 10000.0
    layout: Convention = "transformer"
    schedule: LabSchedule = "cosine"
    seed: int = 0

    def check(self) -> None:
        """Raise ValueError naming the first value outside its range."""
        if self.cond not in CONDITIONINGS:
            raise ValueError(f"cond={self.cond!r} is not one of {', '.join(CONDITIONINGS)}")
        for name, (lo, hi) in (("steps", STEPS_RANGE), ("width", WIDTH_RANGE), ("dim", DIM_RANGE)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{name}={value!r} must be a whole number in {lo} … {hi}")
        if not (math.isfinite(self.base) and 1.0 < self.base <= 1e6):
            raise ValueError(f"base={self.base!r} must lie in (1, 1000000]")
        if self.layout not in CONVENTIONS:
            raise ValueError(f"layout={self.layout!r} is not one of {', '.join(CONVENTIONS)}")
        if self.schedule not in LAB_SCHEDULES:
            raise ValueError(f"schedule={self.schedule!r} is not one of {', '.join(LAB_SCHEDULES)}")
        if not 0 <= self.seed < 2**31:
            raise ValueError(f"seed={self.seed!r} must lie in 0 … {2**31 - 1}")

    def make_schedule(self) -> NoiseSchedule:
        return noise_schedule(self.schedule, NUM_TIMESTEPS)


def build_model(settings: LabSettings, data_dim: int) -> LabMLP:
    """The lab's MLP with ``settings``' conditioning; weights drawn from ``settings.seed``."""
    settings.check()
    torch.manual_seed(settings.seed)
    dim = settings.dim + settings.dim % 2 if settings.cond == "fourier" else settings.dim
    time_cond = TimeConditioning(
        settings.cond,
        settings.make_schedule(),
        dim=dim,
        base=settings.base,
        layout=settings.layout,
        seed=settings.seed,
    )
    return LabMLP(data_dim, time_cond, width=settings.width, depth=DEPTH)


@dataclass(frozen=True)
class Reference:
    """Fixed noised draws of one data set with the exact answers on them (shared by all runs).

    xk, k, noise: EVAL_NUM draws. eps_star: ε*(x_k, k). eps_blind: ε*_∅(x_k) on the first
    ``num_blind`` draws, over the timesteps ``blind_grid`` (all of them unless the data has
    many components). field_*: the 1D (k, x) grid and ε* on it (empty for 2D data).
    """

    xk: NDArray[np.float64]
    k: NDArray[np.int64]
    noise: NDArray[np.float64]
    eps_star: NDArray[np.float64]
    eps_blind: NDArray[np.float64]
    num_blind: int
    blind_grid: NDArray[np.int64]
    band_edges: NDArray[np.int64]
    field_k: NDArray[np.int64]
    field_x: NDArray[np.float64]
    field_star: NDArray[np.float64]
    real: NDArray[np.float64]
    quality_floor: float

    def floor(self) -> float:
        """E‖ε − ε*‖²/D on these draws: no network told k does better (up to sampling)."""
        return float(((self.noise - self.eps_star) ** 2).mean())

    def blind_floor(self) -> float:
        """E‖ε − ε*_∅‖²/D on the first ``num_blind`` draws: the floor of a network told nothing."""
        n = self.num_blind
        return float(((self.noise[:n] - self.eps_blind) ** 2).mean())

    def bands(self, per_draw: NDArray[np.float64], n: int | None = None) -> NDArray[np.float64]:
        n = len(per_draw) if n is None else n
        return exact.band_means(per_draw[:n], self.k[:n], self.band_edges)


def reference(data: LabData, schedule: NoiseSchedule) -> Reference:
    """The exact answers on EVAL_NUM fixed draws of ``data`` (a few seconds at most)."""
    m = data.mixture
    xk, k, noise = exact.noised_draws(m, schedule, EVAL_NUM, EVAL_SEED)
    T = schedule.num_timesteps
    grid = np.arange(T) if m.num_components <= 16 else np.arange(2, T, 5)
    num_blind = int(min(EVAL_NUM, max(1, BLIND_WORK // (grid.size * m.num_components))))
    eps_blind = exact.optimal_blind_eps(xk[:num_blind], m, schedule, k_grid=grid)
    if data.dim == 1:
        field_k = np.linspace(0, T - 1, FIELD_K).round().astype(np.int64)
        field_x = np.linspace(-1.3 * data.extent, 1.3 * data.extent, FIELD_X)
        kk, xx = np.meshgrid(field_k, field_x, indexing="ij")
        field_star = exact.optimal_eps(xx.reshape(-1), kk.reshape(-1), m, schedule)
        field_star = field_star.reshape(FIELD_K, FIELD_X)
    else:
        field_k, field_x = np.zeros(0, np.int64), np.zeros(0)
        field_star = np.zeros((0, 0))
    real_a = fresh_draws(data, SAMPLE_NUM, QUALITY_SEEDS[0])
    real_b = fresh_draws(data, SAMPLE_NUM, QUALITY_SEEDS[1])
    return Reference(
        xk=xk,
        k=k,
        noise=noise,
        eps_star=exact.optimal_eps(xk, k, m, schedule),
        eps_blind=eps_blind,
        num_blind=num_blind,
        blind_grid=grid,
        band_edges=exact.band_edges(T, NUM_BANDS),
        field_k=field_k,
        field_x=field_x,
        field_star=field_star,
        real=real_a,
        quality_floor=energy_distance(real_a, real_b),
    )


@dataclass(frozen=True)
class Progress:
    """What a running training shows: steps done, time, loss curve, loss per band, samples."""

    step: int
    steps: int
    elapsed: float
    loss_steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    band_loss: NDArray[np.float64]
    samples: NDArray[np.float32] | None
    samples_step: int

    @property
    def seconds_left(self) -> float:
        return self.elapsed / max(self.step, 1) * (self.steps - self.step)


@dataclass(frozen=True)
class LabResult:
    """A finished (or cancelled) run, measured on the shared ``Reference`` draws."""

    settings: LabSettings
    steps_done: int
    cancelled: bool
    seconds: float
    cpu_seconds: float
    loss_steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    final_loss: float  # E‖ε − ε̂‖²/D on the reference draws
    floor: float  # the same for ε*
    error_to_star: float  # E‖ε̂ − ε*‖²/D
    blind_loss: float  # the model's loss on the draws the k-blind floor used
    blind_floor: float
    band_loss: NDArray[np.float64]
    band_floor: NDArray[np.float64]
    band_error: NDArray[np.float64]
    band_blind_floor: NDArray[np.float64]
    samples: NDArray[np.float32]
    quality: float  # energy distance of the samples to fresh data
    quality_floor: float  # between two fresh draws of the data
    trajectory_k: NDArray[np.int64]
    trajectories: NDArray[np.float32]  # (S + 1, TRAJECTORIES, D): x from noise to x_0
    field_learned: NDArray[np.float64]
    field_k: NDArray[np.int64]  # the reference's 1D grid and ε* on it (empty in 2D)
    field_x: NDArray[np.float64]
    field_star: NDArray[np.float64]
    real: NDArray[np.float64]  # the fresh data the samples were compared with
    num_blind: int  # how many test draws the k-blind floor used
    weights: bytes = field(repr=False)
    params: int = 0

    def row(self) -> dict[str, Any]:
        """The results-table row of this run."""
        return {
            "cond": self.settings.cond,
            "seed": self.settings.seed,
            "steps": self.steps_done,
            "final loss": self.final_loss,
            "error to ε*": self.error_to_star,
            "gap to blind floor": self.blind_loss - self.blind_floor,
            "energy distance": self.quality,
            "real-vs-real": self.quality_floor,
            "seconds": self.seconds,
        }


def sample_lab(
    model: LabMLP,
    schedule: NoiseSchedule,
    data_dim: int,
    *,
    num: int,
    seed: int,
    clip_range: float,
    keep: int = 0,
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.float32]]:
    """DDIM-50 (η = 0, trailing spacing) from N(0, I); (samples, visited k, first ``keep`` paths).

    Uses the app's ``ddim_step`` (Song et al. 2021, eq. 12) with x̂_0 clipped to ±clip_range.
    """
    gen = torch.Generator().manual_seed(seed)
    timesteps = sampling_timesteps(schedule.num_timesteps, SAMPLE_STEPS, "trailing")
    alpha_bar = schedule.alpha_bar
    with torch.inference_mode():
        x = torch.randn((num, data_dim), generator=gen)
        path = [x[:keep].clone()]
        for i, k in enumerate(timesteps.tolist()):
            k_prev = int(timesteps[i + 1]) if i + 1 < len(timesteps) else -1
            eps = model(x, torch.full((num,), k, dtype=torch.int64))
            ab_prev = float(alpha_bar[k_prev]) if k_prev >= 0 else 1.0
            x, _ = ddim_step(eps, x, float(alpha_bar[k]), ab_prev, clip_range=clip_range)
            path.append(x[:keep].clone())
    return x.numpy().copy(), timesteps.astype(np.int64), torch.stack(path).numpy()


def _predict(model: LabMLP, xk: NDArray, k: NDArray) -> NDArray[np.float64]:
    with torch.inference_mode():
        out = model(torch.from_numpy(xk.astype(np.float32)), torch.from_numpy(k.astype(np.int64)))
    return out.numpy().astype(np.float64)


def train_lab(
    settings: LabSettings,
    data: LabData,
    ref: Reference,
    *,
    report: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    snapshot_every: int = SNAPSHOT_EVERY,
) -> LabResult:
    """Train the lab MLP on ``data`` with ``settings``, then measure it against ``ref``.

    report: called with a ``Progress`` every ``REPORT_EVERY`` steps. cancelled: asked before
    every step; when it says True the run stops and is measured as it is.
    """
    steps = train_steps(settings, data, ref, cancelled=cancelled, snapshot_every=snapshot_every)
    last = None
    while True:
        try:
            progress = next(steps)
        except StopIteration as finished:
            return finished.value
        if report is not None and progress is not last:
            report(progress)
        last = progress


def train_steps(
    settings: LabSettings,
    data: LabData,
    ref: Reference,
    *,
    cancelled: Callable[[], bool] | None = None,
    snapshot_every: int = SNAPSHOT_EVERY,
) -> Generator[Progress | None, None, LabResult]:
    """``train_lab`` as a generator for a job scheduler: one optimizer step per ``next``.

    Yields the latest ``Progress`` (a new object every ``REPORT_EVERY`` steps, None before the
    first) and returns the ``LabResult``.
    """
    settings.check()
    torch.set_num_threads(1)  # one core per training: the class shares the machine
    schedule = settings.make_schedule()
    T, D, m = schedule.num_timesteps, data.dim, data.mixture
    model = build_model(settings, D)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=settings.steps)
    rng = np.random.default_rng([settings.seed, 2])
    sqrt_ab, sqrt_1m = schedule.sqrt_alpha_bar, schedule.sqrt_one_minus_alpha_bar
    clip = 1.5 * data.extent
    start, cpu = time.perf_counter(), 0.0  # CPU seconds summed per step: a job may change threads
    loss_steps: list[int] = []
    losses: list[float] = []
    window: list[float] = []
    band_ema = np.full(NUM_BANDS, np.nan)
    samples, samples_step = None, 0
    progress: Progress | None = None
    done_steps = 0
    for step in range(1, settings.steps + 1):
        if cancelled is not None and cancelled():
            break  # checked before a step, so a cancel never waits for one more report
        step_cpu = time.thread_time()
        which = rng.choice(m.num_components, size=BATCH, p=m.weights)
        x0 = m.means[which] + m.stds[which, None] * rng.standard_normal((BATCH, D))
        k = rng.integers(0, T, BATCH)
        noise = rng.standard_normal((BATCH, D))
        xk = sqrt_ab[k, None] * x0 + sqrt_1m[k, None] * noise  # q_sample, Ho et al. eq. 4
        eps_pred = model(torch.from_numpy(xk.astype(np.float32)), torch.from_numpy(k))
        per_draw = ((eps_pred - torch.from_numpy(noise.astype(np.float32))) ** 2).mean(1)
        loss = per_draw.mean()  # ‖ε − ε̂‖²/D, Ho et al. eq. 14
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        window.append(float(loss.detach()))
        batch_bands = exact.band_means(per_draw.detach().numpy(), k, ref.band_edges)
        seen = np.isfinite(batch_bands)
        band_ema[seen] = np.where(
            np.isnan(band_ema[seen]),
            batch_bands[seen],
            0.9 * band_ema[seen] + 0.1 * batch_bands[seen],
        )
        done_steps = step
        done = step == settings.steps
        if step % REPORT_EVERY == 0 or done:
            loss_steps.append(step)
            losses.append(float(np.mean(window)))
            window.clear()
            if step % snapshot_every == 0 or done or samples is None:
                samples, _, _ = sample_lab(
                    model, schedule, D, num=SAMPLE_NUM, seed=settings.seed, clip_range=clip
                )
                samples_step = step
            progress = Progress(
                step=step,
                steps=settings.steps,
                elapsed=time.perf_counter() - start,
                loss_steps=np.asarray(loss_steps),
                loss=np.asarray(losses),
                band_loss=band_ema.copy(),
                samples=samples,
                samples_step=samples_step,
            )
        cpu += time.thread_time() - step_cpu
        yield progress
    return _measure(
        model, settings, data, ref, schedule, done_steps, start, cpu, loss_steps, losses
    )


def _measure(model, settings, data, ref, schedule, step, start, cpu, ls, lv):
    measure_cpu = time.thread_time()
    model.eval()
    pred = _predict(model, ref.xk, ref.k)
    per_loss = ((ref.noise - pred) ** 2).mean(1)
    per_floor = ((ref.noise - ref.eps_star) ** 2).mean(1)
    per_error = ((pred - ref.eps_star) ** 2).mean(1)
    n = ref.num_blind
    per_blind = ((ref.noise[:n] - ref.eps_blind) ** 2).mean(1)
    samples, traj_k, traj = sample_lab(
        model,
        schedule,
        data.dim,
        num=SAMPLE_NUM,
        seed=settings.seed,
        clip_range=1.5 * data.extent,
        keep=TRAJECTORIES,
    )
    if data.dim == 1:
        kk, xx = np.meshgrid(ref.field_k, ref.field_x, indexing="ij")
        field = _predict(model, xx.reshape(-1, 1), kk.reshape(-1))
        field = field.reshape(len(ref.field_k), len(ref.field_x))
    else:
        field = np.zeros((0, 0))
    state = {name: t.detach().contiguous() for name, t in model.state_dict().items()}
    meta = {
        "cond": settings.cond,
        "settings": repr(settings),
        "data": data.name,
        "data_dim": str(data.dim),
        "steps_done": str(step),
    }
    return LabResult(
        settings=settings,
        steps_done=step,
        cancelled=step < settings.steps,
        seconds=time.perf_counter() - start,
        cpu_seconds=cpu + time.thread_time() - measure_cpu,
        loss_steps=np.asarray(ls, dtype=np.int64),
        loss=np.asarray(lv),
        final_loss=float(per_loss.mean()),
        floor=float(per_floor.mean()),
        error_to_star=float(per_error.mean()),
        blind_loss=float(per_loss[:n].mean()),
        blind_floor=float(per_blind.mean()),
        band_loss=ref.bands(per_loss),
        band_floor=ref.bands(per_floor),
        band_error=ref.bands(per_error),
        band_blind_floor=ref.bands(per_blind, n),
        samples=samples.astype(np.float32),
        quality=energy_distance(samples, ref.real),
        quality_floor=ref.quality_floor,
        trajectory_k=traj_k,
        trajectories=traj.astype(np.float32),
        field_learned=field,
        field_k=ref.field_k,
        field_x=ref.field_x,
        field_star=ref.field_star,
        real=ref.real,
        num_blind=ref.num_blind,
        weights=save(state, metadata=meta),
        params=sum(p.numel() for p in model.parameters()),
    )


def loss_curves_csv(results: list[LabResult]) -> str:
    """Every run's loss curve as CSV: cond, seed, step, loss."""
    buffer = io.StringIO()
    buffer.write("cond,seed,step,loss\n")
    for r in results:
        for s, v in zip(r.loss_steps.tolist(), r.loss.tolist(), strict=True):
            buffer.write(f"{r.settings.cond},{r.settings.seed},{s},{v:.17g}\n")
    return buffer.getvalue()
