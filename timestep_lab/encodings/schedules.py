"""Noise schedules of the forward process q(x_k | x_0), in float64.

Notation (see shared NOTATION.md; diffusers' index convention: k = 0 is the first noising
step, k = T − 1 the last):

| code name                  | symbol        | meaning                                       |
|----------------------------|---------------|-----------------------------------------------|
| `num_timesteps`            | T             | number of training timesteps                  |
| `betas`                    | β_k           | variance added at step k                      |
| `alphas`                   | α_k           | 1 − β_k                                       |
| `alpha_bar`                | ᾱ_k           | ∏_{s≤k} α_s, the signal variance left         |
| `sqrt_alpha_bar`           | √ᾱ_k          | signal coefficient                            |
| `sqrt_one_minus_alpha_bar` | √(1−ᾱ_k)      | noise coefficient                             |
| `snr`                      | SNR_k         | ᾱ_k / (1 − ᾱ_k)                               |
| `x0`, `xk`, `noise`        | x_0, x_k, ε   | clean sample, noised sample, Gaussian noise   |

Schedules match diffusers' ``DDPMScheduler(beta_schedule=...)``: ``linear`` (Ho et al.
2020), ``scaled_linear`` (Stable Diffusion), ``cosine`` (``squaredcos_cap_v2``, Nichol &
Dhariwal 2021) and ``sigmoid`` (GeoDiff). ``zero_terminal_snr`` is Lin et al. 2023
(arXiv 2305.08891), Algorithm 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

ScheduleName = Literal["linear", "scaled_linear", "cosine", "sigmoid"]
SCHEDULES: tuple[ScheduleName, ...] = ("linear", "scaled_linear", "cosine", "sigmoid")
MIN_TIMESTEPS, MAX_TIMESTEPS = 2, 100_000

# β range of each schedule, as in the papers and diffusers' defaults.
LINEAR_BETAS = (1e-4, 0.02)  # Ho et al. 2020, §4
SCALED_LINEAR_BETAS = (0.00085, 0.012)  # Stable Diffusion v1 config
COSINE_OFFSET, COSINE_MAX_BETA = 0.008, 0.999  # Nichol & Dhariwal 2021, eq. (17)


def _frozen(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.setflags(write=False)
    return a


def _cosine_alpha_bar(t: NDArray[np.float64]) -> NDArray[np.float64]:
    # f(t) = cos²(((t/T + s) / (1 + s)) · π/2), Nichol & Dhariwal eq. (17)
    return np.cos((t + COSINE_OFFSET) / (1 + COSINE_OFFSET) * np.pi / 2) ** 2


def make_betas(name: ScheduleName, num_timesteps: int) -> NDArray[np.float64]:
    """β_k for k = 0 … T−1 of a named schedule (before any zero-terminal-SNR rescale)."""
    if name not in SCHEDULES:
        raise ValueError(f"schedule={name!r} is not one of {', '.join(SCHEDULES)}")
    if isinstance(num_timesteps, bool) or not isinstance(num_timesteps, (int, np.integer)):
        raise ValueError(f"num_timesteps={num_timesteps!r} must be a whole number")
    if not MIN_TIMESTEPS <= num_timesteps <= MAX_TIMESTEPS:
        raise ValueError(
            f"num_timesteps={num_timesteps} is outside {MIN_TIMESTEPS} … {MAX_TIMESTEPS}"
        )
    T = int(num_timesteps)
    if name == "linear":
        return np.linspace(*LINEAR_BETAS, T)
    if name == "scaled_linear":
        lo, hi = SCALED_LINEAR_BETAS
        return np.linspace(lo**0.5, hi**0.5, T) ** 2  # linear in √β
    if name == "cosine":
        t = np.arange(T, dtype=np.float64) / T
        # β_k = 1 − ᾱ(t_{k+1}) / ᾱ(t_k), capped to avoid a singularity at t = T
        betas = 1.0 - _cosine_alpha_bar(t + 1.0 / T) / _cosine_alpha_bar(t)
        return np.minimum(betas, COSINE_MAX_BETA)
    lo, hi = LINEAR_BETAS
    x = np.linspace(-6.0, 6.0, T)
    return 1.0 / (1.0 + np.exp(-x)) * (hi - lo) + lo  # sigmoid(x) stretched to [β_1, β_T]


def rescale_zero_terminal_snr(betas: ArrayLike) -> NDArray[np.float64]:
    """Betas rescaled so ᾱ_{T−1} = 0 while ᾱ_0 is kept (Lin et al. 2023, Algorithm 1)."""
    betas = np.asarray(betas, dtype=np.float64)
    sqrt_alpha_bar = np.sqrt(np.cumprod(1.0 - betas))
    first, last = sqrt_alpha_bar[0], sqrt_alpha_bar[-1]
    sqrt_alpha_bar = (sqrt_alpha_bar - last) * first / (first - last)  # shift, then rescale
    alpha_bar = sqrt_alpha_bar**2
    alphas = np.concatenate([alpha_bar[:1], alpha_bar[1:] / alpha_bar[:-1]])
    return 1.0 - alphas


@dataclass(frozen=True)
class NoiseSchedule:
    """Coefficient tables of one schedule, each of length T, computed once in float64."""

    name: ScheduleName
    num_timesteps: int
    zero_terminal_snr: bool
    betas: NDArray[np.float64] = field(repr=False)

    @cached_property
    def alphas(self) -> NDArray[np.float64]:
        return _frozen(1.0 - self.betas)

    @cached_property
    def alpha_bar(self) -> NDArray[np.float64]:
        return _frozen(np.cumprod(self.alphas))

    @cached_property
    def sqrt_alpha_bar(self) -> NDArray[np.float64]:
        return _frozen(np.sqrt(self.alpha_bar))

    @cached_property
    def sqrt_one_minus_alpha_bar(self) -> NDArray[np.float64]:
        return _frozen(np.sqrt(1.0 - self.alpha_bar))

    @cached_property
    def snr(self) -> NDArray[np.float64]:
        """SNR_k = ᾱ_k / (1 − ᾱ_k); 0 where ᾱ_k = 0 (zero terminal SNR)."""
        alpha_bar = self.alpha_bar
        return _frozen(alpha_bar / (1.0 - alpha_bar))

    @cached_property
    def snr_db(self) -> NDArray[np.float64]:
        """10·log10 SNR_k; −inf where the SNR is exactly zero."""
        with np.errstate(divide="ignore"):
            return _frozen(10.0 * np.log10(self.snr))

    def check_timesteps(self, t: ArrayLike) -> NDArray[np.int64]:
        """Validate integer timesteps t in [0, T) and return them as an int64 array."""
        t_arr = np.asarray(t)
        whole = t_arr.dtype.kind in "iu" or (
            t_arr.dtype.kind == "f" and np.all(np.isfinite(t_arr)) and not np.any(t_arr % 1)
        )
        if not whole:
            raise ValueError(f"timesteps must be whole numbers in [0, {self.num_timesteps})")
        t_arr = t_arr.astype(np.int64)
        if np.any((t_arr < 0) | (t_arr >= self.num_timesteps)):
            raise ValueError(f"timesteps must lie in [0, {self.num_timesteps}), got {t}")
        return t_arr

    def q_sample(self, x0: ArrayLike, t: ArrayLike, noise: ArrayLike) -> NDArray[np.float64]:
        """Sample q(x_t | x_0): x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (Ho et al. eq. 4).

        x0, noise: arrays of the same shape (N, …) or (…); t: an int or N ints in [0, T).
        """
        x0 = np.asarray(x0, dtype=np.float64)
        noise = np.asarray(noise, dtype=np.float64)
        if x0.shape != noise.shape:
            raise ValueError(f"x0 {x0.shape} and noise {noise.shape} must have the same shape")
        t_arr = self.check_timesteps(t)
        extra = (1,) * (x0.ndim - t_arr.ndim)  # broadcast one coefficient per sample
        signal = self.sqrt_alpha_bar[t_arr].reshape(t_arr.shape + extra)
        noise_scale = self.sqrt_one_minus_alpha_bar[t_arr].reshape(t_arr.shape + extra)
        return signal * x0 + noise_scale * noise

    def predict_x0_from_eps(
        self, xt: ArrayLike, t: ArrayLike, eps: ArrayLike
    ) -> NDArray[np.float64]:
        """x̂_0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t, the inverse of ``q_sample`` (Ho et al. eq. 15)."""
        xt = np.asarray(xt, dtype=np.float64)
        t_arr = self.check_timesteps(t)
        extra = (1,) * (xt.ndim - t_arr.ndim)
        signal = self.sqrt_alpha_bar[t_arr].reshape(t_arr.shape + extra)
        noise_scale = self.sqrt_one_minus_alpha_bar[t_arr].reshape(t_arr.shape + extra)
        return (xt - noise_scale * np.asarray(eps, dtype=np.float64)) / signal


def signal_fraction(alpha_bar: ArrayLike, data_mean_square: float) -> NDArray[np.float64]:
    """The share of x_k's expected energy that comes from the image: ᾱ·E[x₀²] / (ᾱ·E[x₀²] + 1 − ᾱ).

    The nominal SNR ᾱ/(1 − ᾱ) assumes data of unit variance; real data rarely has it (EDM
    builds σ_data = 0.5 into its preconditioning, Karras et al. 2022, Table 1). With ε
    independent of x₀, E[x_k²] = ᾱ·E[x₀²] + (1 − ᾱ), so this is the image's actual share.
    alpha_bar: ᾱ_k in [0, 1]; data_mean_square: E[x₀²] > 0, the image's mean square.
    """
    if not (np.isfinite(data_mean_square) and data_mean_square > 0):
        raise ValueError(f"data_mean_square={data_mean_square!r} must be a positive number")
    alpha_bar = np.asarray(alpha_bar, dtype=np.float64)
    signal = alpha_bar * data_mean_square
    return signal / (signal + 1.0 - alpha_bar)


def noise_schedule(
    name: ScheduleName, num_timesteps: int = 1000, *, zero_terminal_snr: bool = False
) -> NoiseSchedule:
    """The noise schedule ``name`` over T = ``num_timesteps`` steps.

    name: one of ``linear``, ``scaled_linear``, ``cosine``, ``sigmoid``.
    num_timesteps: T in [2, 100000]. zero_terminal_snr: rescale so ᾱ_{T−1} = 0.
    """
    betas = make_betas(name, num_timesteps)
    if zero_terminal_snr:
        betas = rescale_zero_terminal_snr(betas)
    betas.setflags(write=False)
    return NoiseSchedule(name, int(num_timesteps), bool(zero_terminal_snr), betas)
