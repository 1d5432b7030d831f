"""Spectral bias, measured: one small MLP fitted to the same target from k/T and from P(k).

Notation (see shared NOTATION.md):

| code name       | symbol  | meaning                                                      |
|-----------------|---------|--------------------------------------------------------------|
| `num_timesteps` | T       | number of timesteps; the target is defined on k = 0 … T−1    |
| `dim`           | d       | width of the sinusoidal row P(k) fed to the MLP              |
| `base`          | n       | the encoding's base                                          |
| `cycles`        | m       | how many sharp-edged square waves the target holds over 0 … T |
| `width`         | –       | hidden width of the MLP (the same for both inputs)           |
| `steps`         | –       | full-batch Adam steps (the same for both inputs)             |

A small network fed one scalar learns slowly varying functions of it first and fast detail
late or never (spectral bias: Rahaman et al. 2019, "On the spectral bias of neural networks",
§2–3). Feeding sin/cos of the input at many frequencies instead lets the same network reach
fast detail (Tancik et al. 2020, "Fourier features let networks learn high frequency
functions in low dimensional domains", §4–5); and because a shift by Δ turns each (sin, cos)
pair by a fixed angle, a linear layer can apply it (Vaswani et al. 2017, §3.5).

The fit is seeded and deterministic (the app runs it on one CPU thread); its cost is bounded by
``MAX_POINTS`` training points, ``MAX_DIM`` input columns and ``MAX_STEPS`` steps.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from timestep_lab.encodings import timestep_embedding
from timestep_lab.encodings.sinusoidal import Convention

R = TypeVar("R")
InputKind = Literal["scalar", "sinusoidal"]
INPUT_KINDS: tuple[InputKind, ...] = ("scalar", "sinusoidal")
MAX_POINTS, MAX_DIM, MAX_STEPS, MAX_WIDTH = 1000, 128, 2000, 256
DEFAULT_CYCLES, DEFAULT_WIDTH, DEFAULT_STEPS, DEFAULT_LR = 10, 64, 400, 3e-3


def fit_timesteps(num_timesteps: int) -> NDArray[np.int64]:
    """The timesteps the fit trains and is judged on: every k, or MAX_POINTS evenly spaced."""
    if isinstance(num_timesteps, bool) or not isinstance(num_timesteps, (int, np.integer)):
        raise ValueError(f"num_timesteps={num_timesteps!r} must be a whole number")
    if not 10 <= num_timesteps <= 100_000:
        raise ValueError(f"num_timesteps={num_timesteps} is outside 10 … 100000")
    if num_timesteps <= MAX_POINTS:
        return np.arange(num_timesteps)
    return np.unique(np.round(np.linspace(0, num_timesteps - 1, MAX_POINTS)).astype(np.int64))


def sharp_target(
    k: NDArray[np.integer], num_timesteps: int, cycles: int = DEFAULT_CYCLES
) -> NDArray[np.float64]:
    """A target with sharp detail in k: sin(2π·k/T) plus a square wave of m cycles, ±½.

    k: timesteps in [0, T). cycles: m ≥ 1, the number of square-wave periods over 0 … T.
    """
    if not 1 <= cycles <= 100:
        raise ValueError(f"cycles={cycles} is outside 1 … 100")
    t = np.asarray(k, dtype=np.float64) / num_timesteps
    # floor(2·m·t) is even on the first half of each period: +½, then −½ (jumps, no slope)
    square = np.where(np.floor(2 * cycles * t) % 2 == 0, 0.5, -0.5)
    return np.sin(2 * np.pi * t) + square


def fit_inputs(
    kind: InputKind,
    k: NDArray[np.integer],
    num_timesteps: int,
    *,
    dim: int = 32,
    base: float = 10_000.0,
    convention: Convention = "transformer",
) -> NDArray[np.float64]:
    """What the MLP is fed: k/T as one column (``scalar``) or the rows P(k) (``sinusoidal``)."""
    if kind == "scalar":
        return (np.asarray(k, dtype=np.float64) / num_timesteps)[:, None]
    if kind != "sinusoidal":
        raise ValueError(f"kind={kind!r} is not one of {', '.join(INPUT_KINDS)}")
    if not 2 <= dim <= MAX_DIM:
        raise ValueError(f"dim={dim} is outside 2 … {MAX_DIM} for the fit")
    return timestep_embedding(k, dim, base=base, convention=convention)


def small_mlp(in_features: int, width: int, *, seed: int = 0) -> nn.Sequential:
    """in → width → width → 1 with SiLU between: the same shape for both inputs.

    Initialised as torch initialises a Linear (Kaiming-uniform weights, uniform biases), but
    from its own generator seeded with ``seed``: no global random state, so fits running in
    parallel threads stay deterministic.
    """
    # built on the meta device (shapes only: torch's own init would draw from the global
    # generator), then given memory and initialised from this fit's generator
    net = nn.Sequential(
        nn.Linear(in_features, width, device="meta"),
        nn.SiLU(),
        nn.Linear(width, width, device="meta"),
        nn.SiLU(),
        nn.Linear(width, 1, device="meta"),
    ).to_empty(device="cpu")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                bound = 1 / math.sqrt(layer.in_features)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return net


@dataclass(frozen=True)
class Fit:
    """One fitted curve: what the network predicts at each k, and how far it is off."""

    kind: InputKind
    prediction: NDArray[np.float64]
    rms_error: float  # √ mean (f̂(k) − y(k))²
    loss_curve: NDArray[np.float64]  # mean squared error after each step


def fit_mlp_steps(
    inputs: NDArray[np.float64],
    target: NDArray[np.float64],
    kind: InputKind,
    *,
    width: int = DEFAULT_WIDTH,
    steps: int = DEFAULT_STEPS,
    lr: float = DEFAULT_LR,
    seed: int = 0,
    chunk: int = 25,
) -> Generator[int, None, Fit]:
    """``fit_mlp`` a chunk of Adam steps at a time: yields the steps done, returns the Fit."""
    if not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"width={width} is outside 1 … {MAX_WIDTH}")
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} is outside 1 … {MAX_STEPS}")
    if inputs.shape[0] > MAX_POINTS or inputs.shape[1] > MAX_DIM:
        raise ValueError(
            f"inputs of shape {inputs.shape} exceed {MAX_POINTS} points × {MAX_DIM} columns"
        )
    net = small_mlp(inputs.shape[1], width, seed=seed)
    x = torch.from_numpy(inputs.astype(np.float32))
    y = torch.from_numpy(np.asarray(target, dtype=np.float32)[:, None])
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses = np.empty(steps)
    for step in range(steps):
        optimizer.zero_grad()
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        optimizer.step()
        losses[step] = loss.item()
        if (step + 1) % chunk == 0:
            yield step + 1
    with torch.no_grad():
        prediction = net(x)[:, 0].double().numpy()
    rms = float(np.sqrt(np.mean((prediction - target) ** 2)))
    return Fit(kind, prediction, rms, losses)


def fit_mlp(
    inputs: NDArray[np.float64],
    target: NDArray[np.float64],
    kind: InputKind,
    *,
    width: int = DEFAULT_WIDTH,
    steps: int = DEFAULT_STEPS,
    lr: float = DEFAULT_LR,
    seed: int = 0,
) -> Fit:
    """Fit ``small_mlp`` to (inputs, target) by full-batch Adam on mean squared error.

    inputs: (N, F) float; target: (N,). width ≤ MAX_WIDTH, steps ≤ MAX_STEPS. Seeded: the
    same arguments give the same numbers.
    """
    return _drain(fit_mlp_steps(inputs, target, kind, width=width, steps=steps, lr=lr, seed=seed))


def _drain(steps: Generator[Any, None, R]) -> R:
    """Run a generator to its end and return what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@dataclass(frozen=True)
class SpectralBiasResult:
    """Both fits of one setting, on the same timesteps and target."""

    num_timesteps: int
    dim: int  # d of P(k) actually fed (at most MAX_DIM)
    cycles: int
    width: int
    steps: int
    timesteps: NDArray[np.int64]
    target: NDArray[np.float64]
    fits: dict[str, Fit]

    def detail_captured(self, kind: InputKind) -> float:
        """Share of the square wave's variance a fit reproduces: 1 − MSE / Var(square wave).

        1 means every jump is drawn; 0 means the fit is no closer than the sine alone.
        """
        square = self.target - np.sin(2 * np.pi * self.timesteps / self.num_timesteps)
        mse = np.mean((self.fits[kind].prediction - self.target) ** 2)
        return float(1.0 - mse / np.var(square))

    @property
    def error_ratio(self) -> float:
        """How many times larger the scalar fit's RMS error is than the sinusoidal one's."""
        return self.fits["scalar"].rms_error / self.fits["sinusoidal"].rms_error


def spectral_bias_steps(
    num_timesteps: int = 1000,
    *,
    dim: int = 32,
    base: float = 10_000.0,
    convention: Convention = "transformer",
    cycles: int = DEFAULT_CYCLES,
    width: int = DEFAULT_WIDTH,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
) -> Generator[float, None, SpectralBiasResult]:
    """``spectral_bias_fits`` a chunk at a time: yields the fraction done, returns the result.

    For a job scheduler (``timestep_lab.jobs``): each yield is a point where it may stop or
    switch to another job.
    """
    dim = min(int(dim), MAX_DIM)
    k = fit_timesteps(num_timesteps)
    target = sharp_target(k, num_timesteps, cycles)
    fits = {}
    for number, kind in enumerate(INPUT_KINDS):
        inputs = fit_inputs(kind, k, num_timesteps, dim=dim, base=base, convention=convention)
        run = fit_mlp_steps(inputs, target, kind, width=width, steps=steps, seed=seed)
        while True:
            try:
                done = next(run)
            except StopIteration as finished:
                fits[kind] = finished.value
                break
            yield (number * steps + done) / (len(INPUT_KINDS) * steps)
    return SpectralBiasResult(int(num_timesteps), dim, cycles, width, steps, k, target, fits)


def fit_cost(steps: int = DEFAULT_STEPS) -> int:
    """The fits' work in the scheduler's unit (~0.6 ms of one core, timestep_lab.ui.jobs).

    One Adam step of either network on 1000 points costs about 4 units (measured: both fits,
    400 steps each, take ≈ 2 s of one core).
    """
    return 4 * len(INPUT_KINDS) * steps


def spectral_bias_fits(
    num_timesteps: int = 1000,
    *,
    dim: int = 32,
    base: float = 10_000.0,
    convention: Convention = "transformer",
    cycles: int = DEFAULT_CYCLES,
    width: int = DEFAULT_WIDTH,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
) -> SpectralBiasResult:
    """Fit the same MLP (same width, steps, seed) to ``sharp_target`` from k/T and from P(k).

    num_timesteps: T in [10, 100000] (at most MAX_POINTS evenly spaced k are used).
    dim: d of P(k), ≥ 2; a larger d is cut to MAX_DIM to bound the work. base: n.
    cycles: m of the target's square wave.
    """
    return _drain(
        spectral_bias_steps(
            num_timesteps,
            dim=dim,
            base=base,
            convention=convention,
            cycles=cycles,
            width=width,
            steps=steps,
            seed=seed,
        )
    )
