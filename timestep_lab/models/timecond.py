"""Seven ways to tell a denoiser the timestep k, and one small MLP that takes any of them.

Notation (see shared NOTATION.md, "Timestep conditioning"):

| code name       | symbol    | what the network gets                                          |
|-----------------|-----------|----------------------------------------------------------------|
| `sinusoidal`    | P(k)      | ``timestep_embedding(k, d, base=n, convention=layout)``        |
| `scalar`        | k/T       | one number in [0, 1)                                           |
| `raw`           | k         | the bare index, 0 … T−1                                         |
| `none`          | –         | nothing: the network must read the noise level from x_k        |
| `learned`       | E[k]      | a trained table, one d-vector per k (``nn.Embedding(T, d)``)   |
| `fourier`       | γ(k/T)    | [sin 2πBt, cos 2πBt], t = k/T, B ~ N(0, s²) fixed (seeded)      |
| `noise_level`   | λ_k       | log-SNR ln(ᾱ_k / (1−ᾱ_k)), clipped to ±``LOG_SNR_CLIP``        |

``fourier`` follows the Gaussian Fourier projection of NCSN++ (Song et al. 2021, score SDE,
appendix; Tancik et al. 2020, "Fourier features"); ``noise_level`` feeds the noise level instead
of its index, as VDM (Kingma et al. 2021) and EDM (Karras et al. 2022) do.

``LabMLP`` is the same network for every conditioning: [x_k, c(k)] → (Linear, SiLU) × depth →
Linear → ε̂. Only the columns c(k) differ; ``none`` has zero of them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn

from timestep_lab.encodings import NoiseSchedule, timestep_embedding
from timestep_lab.encodings.sinusoidal import Convention

Conditioning = Literal["sinusoidal", "scalar", "raw", "none", "learned", "fourier", "noise_level"]
CONDITIONINGS: tuple[Conditioning, ...] = (
    "sinusoidal",
    "scalar",
    "raw",
    "none",
    "learned",
    "fourier",
    "noise_level",
)
LOG_SNR_CLIP = 20.0  # ᾱ → 0 (zero terminal SNR) would give −∞
MAX_COND_DIM = 256


class TimeConditioning(nn.Module):
    """c(k): the columns a conditioning adds to the MLP's input for timesteps k, (N, out_dim).

    cond: one of ``CONDITIONINGS``. schedule: gives T (and ᾱ for ``noise_level``).
    dim: d in 2 … 256 for ``sinusoidal``, ``learned`` and ``fourier`` (even for ``fourier``).
    base: n > 1 and layout for ``sinusoidal``. fourier_scale: s > 0, the std of the
    frequencies B (cycles per unit of t = k/T). seed: draws B for ``fourier``.
    """

    def __init__(
        self,
        cond: Conditioning,
        schedule: NoiseSchedule,
        *,
        dim: int = 16,
        base: float = 10000.0,
        layout: Convention = "transformer",
        fourier_scale: float = 4.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if cond not in CONDITIONINGS:
            raise ValueError(f"cond={cond!r} is not one of {', '.join(CONDITIONINGS)}")
        if not 2 <= dim <= MAX_COND_DIM:
            raise ValueError(f"dim={dim!r} must lie in 2 … {MAX_COND_DIM}")
        if not fourier_scale > 0:
            raise ValueError(f"fourier_scale={fourier_scale!r} must be > 0")
        T = schedule.num_timesteps
        self.cond, self.num_timesteps = cond, T
        k = np.arange(T, dtype=np.float64)
        if cond == "sinusoidal":
            table = timestep_embedding(k, dim, base=base, convention=layout)  # P(k), (T, d)
        elif cond == "scalar":
            table = (k / T)[:, None]
        elif cond == "raw":
            table = k[:, None]
        elif cond == "none":
            table = np.zeros((T, 0))
        elif cond == "fourier":
            if dim % 2:
                raise ValueError(f"dim={dim} must be even for fourier (sin and cos pairs)")
            freqs = np.random.default_rng(seed).normal(0.0, fourier_scale, dim // 2)  # B
            angle = 2.0 * np.pi * (k / T)[:, None] * freqs[None, :]
            table = np.concatenate([np.sin(angle), np.cos(angle)], axis=1)
        elif cond == "noise_level":
            with np.errstate(divide="ignore"):
                log_snr = np.log(schedule.alpha_bar) - np.log1p(-schedule.alpha_bar)
            table = np.clip(log_snr, -LOG_SNR_CLIP, LOG_SNR_CLIP)[:, None]  # λ_k
        else:  # learned: the table itself is trained
            table = None
        self.embed = nn.Embedding(T, dim) if table is None else None
        fixed = np.zeros((T, 0)) if table is None else table
        # float64 tables, cast to float32 only here at the edge
        self.register_buffer("table", torch.from_numpy(fixed.astype(np.float32)))
        self.out_dim = dim if table is None else int(fixed.shape[1])

    def forward(self, k: torch.Tensor) -> torch.Tensor:
        """c(k) for int64 timesteps k (N,) in [0, T), float32 (N, out_dim)."""
        if self.embed is not None:
            return self.embed(k)
        return self.table[k]


class LabMLP(nn.Module):
    """ε̂(x_k, k) = MLP([x_k, c(k)]): the same network for every conditioning c.

    data_dim: D of the data (1 or 2 here). time: the conditioning. width: hidden units.
    depth: hidden layers ≥ 1.
    """

    def __init__(self, data_dim: int, time: TimeConditioning, *, width: int, depth: int) -> None:
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"width={width} and depth={depth} must be ≥ 1")
        self.time = time
        layers: list[nn.Module] = [nn.Linear(data_dim + time.out_dim, width), nn.SiLU()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.SiLU()]
        layers.append(nn.Linear(width, data_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, xk: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """ε̂ for points x_k (N, D) at int64 timesteps k (N,)."""
        return self.net(torch.cat([xk, self.time(k)], dim=1))
