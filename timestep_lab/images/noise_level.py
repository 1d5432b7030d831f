"""Reading the noise level off a noised image x_k alone, without being told k.

Notation (see shared NOTATION.md):

| code name                  | symbol     | meaning                                          |
|----------------------------|------------|--------------------------------------------------|
| `xk`                       | x_k        | √ᾱ_k·x_0 + √(1−ᾱ_k)·ε, an image in [−1, 1] + noise |
| `sigma`                    | σ_k        | the noise's standard deviation, √(1−ᾱ_k)         |
| `sigma_hat`                | σ̂          | its estimate from x_k alone                      |
| `k_hat`                    | k̂          | the timestep whose σ_k is nearest σ̂              |
| `hh`                       | HH         | finest-scale diagonal Haar wavelet coefficients  |

The estimate is Donoho's: the finest-scale wavelet coefficients of an image are mostly noise,
and their median absolute value over 0.6745 (the median of |N(0, 1)|) estimates σ robustly,
because the few large coefficients from edges barely move a median (Donoho & Johnstone 1994,
"Ideal spatial adaptation by wavelet shrinkage", Biometrika 81(3), §4.2). With the
orthonormal Haar wavelet, HH = (a − b − c + d)/2 over each 2 × 2 block keeps the noise's
standard deviation. Where an image's own fine texture is as strong as the noise (near k = 0)
the estimate reads the texture too and comes out too high.

Pure NumPy: nothing here imports Streamlit or torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The median of |Z| for Z ~ N(0, 1): Φ⁻¹(3/4).
MAD_NORMAL = 0.6744897501960817


def haar_diagonal(x: ArrayLike) -> NDArray[np.float64]:
    """The finest-scale diagonal Haar coefficients (a − b − c + d)/2 of each 2 × 2 block.

    x: an image (H, W) or (H, W, C) with H, W ≥ 2; an odd last row or column is dropped.
    Returns (H//2, W//2) or (H//2, W//2, C).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (2, 3) or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"an image of shape {x.shape} needs (H, W) or (H, W, C) with H, W ≥ 2")
    x = x[: x.shape[0] // 2 * 2, : x.shape[1] // 2 * 2]
    a, b = x[0::2, 0::2], x[0::2, 1::2]
    c, d = x[1::2, 0::2], x[1::2, 1::2]
    return (a - b - c + d) / 2.0  # orthonormal: i.i.d. noise keeps its σ


def estimate_sigma(xk: ArrayLike) -> float:
    """σ̂ = median(|HH|) / 0.6745, Donoho & Johnstone's noise estimate from x_k alone.

    xk: a noised image (H, W) or (H, W, C); all channels' coefficients are pooled.
    """
    hh = haar_diagonal(xk)
    if not np.all(np.isfinite(hh)):
        raise ValueError("the image holds values that are not finite numbers")
    return float(np.median(np.abs(hh)) / MAD_NORMAL)


def timestep_from_sigma(sigma_hat: ArrayLike, sqrt_one_minus_alpha_bar: ArrayLike) -> NDArray:
    """k̂: for each σ̂, the timestep whose noise level √(1−ᾱ_k) is nearest.

    sqrt_one_minus_alpha_bar: the schedule's table, length T (increasing in k).
    """
    table = np.asarray(sqrt_one_minus_alpha_bar, dtype=np.float64)
    sigma_hat = np.asarray(sigma_hat, dtype=np.float64)
    return np.argmin(np.abs(table[None, :] - sigma_hat.reshape(-1, 1)), axis=1).reshape(
        sigma_hat.shape
    )


@dataclass(frozen=True)
class NoiseLevelSweep:
    """True and estimated noise level of one image and one noise draw across timesteps."""

    timesteps: NDArray[np.int64]
    sigma: NDArray[np.float64]  # √(1−ᾱ_k)
    sigma_hat: NDArray[np.float64]  # σ̂ from x_k alone
    k_hat: NDArray[np.int64]

    @property
    def relative_error(self) -> NDArray[np.float64]:
        """σ̂/σ − 1 at each timestep (0 is perfect; +1 means twice too high)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.sigma_hat / self.sigma - 1.0

    def first_within(self, tolerance: float) -> int | None:
        """The first timestep from which σ̂ stays within ±tolerance of σ; None if never."""
        bad = np.flatnonzero(~(np.abs(self.relative_error) <= tolerance))
        if bad.size == 0:
            return int(self.timesteps[0])
        if bad[-1] + 1 >= self.timesteps.size:
            return None
        return int(self.timesteps[bad[-1] + 1])


def noise_level_sweep(
    x0: ArrayLike,
    noise: ArrayLike,
    sqrt_alpha_bar: ArrayLike,
    sqrt_one_minus_alpha_bar: ArrayLike,
    timesteps: ArrayLike,
) -> NoiseLevelSweep:
    """Noise x_0 to each k with the same ε, estimate σ̂ from x_k alone, and invert it to k̂.

    x0, noise: images of the same shape (H, W) or (H, W, C). sqrt_alpha_bar,
    sqrt_one_minus_alpha_bar: the schedule's tables (length T). timesteps: ints in [0, T).
    """
    x0 = np.asarray(x0, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if x0.shape != noise.shape:
        raise ValueError(f"x0 {x0.shape} and noise {noise.shape} must have the same shape")
    signal = np.asarray(sqrt_alpha_bar, dtype=np.float64)
    sigma_table = np.asarray(sqrt_one_minus_alpha_bar, dtype=np.float64)
    k = np.asarray(timesteps, dtype=np.int64)
    if np.any((k < 0) | (k >= sigma_table.size)):
        raise ValueError(f"timesteps must lie in [0, {sigma_table.size})")
    # Haar is linear: HH(x_k) = √ᾱ·HH(x_0) + √(1−ᾱ)·HH(ε), so two transforms serve every k.
    hh_image, hh_noise = haar_diagonal(x0).ravel(), haar_diagonal(noise).ravel()
    sigma_hat = (
        np.array(
            [
                np.median(np.abs(signal[each] * hh_image + sigma_table[each] * hh_noise))
                for each in k
            ]
        )
        / MAD_NORMAL
    )
    return NoiseLevelSweep(
        k, sigma_table[k], sigma_hat, timestep_from_sigma(sigma_hat, sigma_table)
    )
