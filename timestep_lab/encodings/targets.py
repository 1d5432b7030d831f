"""Prediction targets: ε, x₀ and v, and how to turn a prediction of one into the others.

Notation (see shared NOTATION.md):

| code name    | symbol | meaning                                                            |
|--------------|--------|--------------------------------------------------------------------|
| `xk`         | x_k    | √ᾱ_k·x₀ + √(1−ᾱ_k)·ε                                               |
| `eps`        | ε      | the noise (``epsilon`` prediction, Ho et al. 2020)                 |
| `x0`         | x₀     | the clean sample (``sample`` prediction)                           |
| `v`          | v      | √ᾱ_k·ε − √(1−ᾱ_k)·x₀ (``v_prediction``, Salimans & Ho 2022, §4)    |
| `alpha_bar`  | ᾱ_k    | the signal variance left at step k                                 |

Given x_k, any one of the three determines the other two (the names are diffusers'
``prediction_type`` values). The conversions divide by √ᾱ or √(1−ᾱ), so an error in the
network's output is scaled on its way to x̂₀ (``x0_error_gain``): by 1/√SNR for ε, by √(1−ᾱ)
for v. With zero terminal SNR (ᾱ = 0 at the last step) ε-prediction cannot give x̂₀ at all
(x̂₀ = (x_k − ε̂)/0); Lin et al. 2024 (§3.2) switch to v-prediction for that reason.

Pure NumPy: nothing here imports Streamlit or torch.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Target = Literal["epsilon", "sample", "v_prediction"]
TARGETS: tuple[Target, ...] = ("epsilon", "sample", "v_prediction")


def _coefficients(alpha_bar: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    alpha_bar = np.asarray(alpha_bar, dtype=np.float64)
    if np.any((alpha_bar < 0) | (alpha_bar > 1)) or not np.all(np.isfinite(alpha_bar)):
        raise ValueError("alpha_bar must lie in [0, 1]")
    return np.sqrt(alpha_bar), np.sqrt(1.0 - alpha_bar)


def velocity(x0: ArrayLike, eps: ArrayLike, alpha_bar: ArrayLike) -> NDArray[np.float64]:
    """v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans & Ho 2022, §4; diffusers ``get_velocity``)."""
    signal, noise = _coefficients(alpha_bar)
    return signal * np.asarray(eps, dtype=np.float64) - noise * np.asarray(x0, dtype=np.float64)


def convert(
    prediction: ArrayLike, source: Target, goal: Target, xk: ArrayLike, alpha_bar: ArrayLike
) -> NDArray[np.float64]:
    """A prediction of ``source`` turned into ``goal``, given x_k and ᾱ_k (a scalar or broadcast).

    Where the conversion divides by zero (ε → x₀ at ᾱ = 0, x₀ → ε at ᾱ = 1) the result is
    ±inf or nan: that target cannot give the other there.
    """
    for name in (source, goal):
        if name not in TARGETS:
            raise ValueError(f"target={name!r} is not one of {', '.join(TARGETS)}")
    signal, noise = _coefficients(alpha_bar)
    xk = np.asarray(xk, dtype=np.float64)
    p = np.asarray(prediction, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # first x₀ (Ho et al. eq. 15; for v: x₀ = √ᾱ·x_k − √(1−ᾱ)·v, Salimans & Ho §4)
        if source == "sample":
            x0 = p
        elif source == "epsilon":
            x0 = (xk - noise * p) / signal
        else:
            x0 = signal * xk - noise * p
        if goal == "sample":
            return x0
        if source == "epsilon":
            eps = p
        elif source == "v_prediction":
            eps = noise * xk + signal * p  # ε = √(1−ᾱ)·x_k + √ᾱ·v
        else:
            eps = (xk - signal * x0) / noise
        if goal == "epsilon":
            return eps
        return signal * eps - noise * x0


def x0_error_gain(target: Target, alpha_bar: ArrayLike) -> NDArray[np.float64]:
    """How much an error of size 1 in the network's output moves x̂₀ = convert(…, "sample").

    ε: √(1−ᾱ)/√ᾱ = 1/√SNR (infinite at ᾱ = 0); x₀: 1; v: √(1−ᾱ).
    """
    if target not in TARGETS:
        raise ValueError(f"target={target!r} is not one of {', '.join(TARGETS)}")
    signal, noise = _coefficients(alpha_bar)
    if target == "sample":
        return np.ones_like(signal)
    if target == "v_prediction":
        return noise
    with np.errstate(divide="ignore"):
        return noise / signal
