"""What a sampling run did, in a few numbers: how large ε̂ was, how often x̂₀ hit the clip, and
whether the finished samples have spatial structure. Used to say what a timestep lie changed.

Pure NumPy on the ``Step`` records ``sampling.sample_trajectory`` yields (any objects with
``eps_pred``, ``x0_pred`` and ``x_prev`` arrays), so the pages and the tests measure the same way.

| name                   | measures                                                             |
|------------------------|----------------------------------------------------------------------|
| `eps_rms_first`        | RMS of ε̂ at the first step (the true noise there has RMS ≈ 1)        |
| `eps_rms_last`         | RMS of ε̂ at the last step                                            |
| `x0_clipped_early`     | share of x̂₀ values at the clip (|x̂₀| ≥ 0.999·clip) over the first half |
| `neighbour_correlation`| correlation of horizontally adjacent pixels of the finished images   |
| `mean_abs_pixel`       | mean |x₀| of the finished images (1 = all pure black or white)        |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def rms(x: np.ndarray) -> float:
    """√mean(x²)."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def neighbour_correlation(images: np.ndarray) -> float:
    """Correlation of horizontally adjacent pixels, each image centred on its own mean.

    images: (N, H, W). Digits (strokes a few pixels wide) score ~0.45; white noise ~0.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] < 2:
        raise ValueError(f"images must have shape (N, H, W) with W ≥ 2, got {x.shape}")
    x = x - x.mean(axis=(-1, -2), keepdims=True)
    power = np.mean(x**2)
    return float(np.mean(x[..., 1:] * x[..., :-1]) / power) if power > 0 else 0.0


def run_measures(steps: Sequence[Any], *, clip: float = 1.0) -> dict[str, float]:
    """The measures in this module's table for one run's steps (in sampling order)."""
    if not steps:
        raise ValueError("a run needs at least one step")
    early = steps[: max(1, len(steps) // 2)]
    final = np.asarray(steps[-1].x_prev)
    measures = {
        "eps_rms_first": rms(steps[0].eps_pred),
        "eps_rms_last": rms(steps[-1].eps_pred),
        "x0_clipped_early": float(
            np.mean([np.mean(np.abs(s.x0_pred) >= 0.999 * clip) for s in early])
        ),
        "mean_abs_pixel": float(np.mean(np.abs(final))),
    }
    if final.ndim == 3:  # images; point clouds have no neighbours
        measures["neighbour_correlation"] = neighbour_correlation(final)
    return measures
