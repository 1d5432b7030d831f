"""The noise level read off x_k alone against the true one, across timesteps."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.figures.style import OKABE_ITO, figure, subplots, vline


def _f32(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def noise_level_figure(
    timesteps: ArrayLike,
    sigma: ArrayLike,
    sigma_hat: ArrayLike,
    k_hat: ArrayLike,
    k: int,
    *,
    height: int = 330,
) -> go.Figure:
    """Left: σ_k = √(1−ᾱ_k) and σ̂ from x_k alone (log scale). Right: k̂ against k."""
    timesteps = _f32(timesteps)
    cells, layout = subplots(
        1,
        2,
        titles=("noise level σ: true and read off x_k", "timestep read off x_k"),
        horizontal_spacing=0.12,
    )
    _, right = cells
    layout["xaxis"].update(title=dict(text="timestep k"))
    layout["yaxis"].update(title=dict(text="σ"), type="log")
    layout["xaxis2"].update(title=dict(text="true timestep k"))
    layout["yaxis2"].update(title=dict(text="k̂ from x_k alone"))
    traces = [
        go.Scatter(
            x=timesteps,
            y=_f32(sigma),
            mode="lines",
            name="true σ_k = √(1−ᾱ_k)",
            line=dict(color="#999999", width=3),
        ),
        go.Scatter(
            x=timesteps,
            y=_f32(sigma_hat),
            mode="lines",
            name="σ̂ = median|HH| / 0.6745",
            line=dict(color=OKABE_ITO["blue"], width=2),
        ),
        go.Scatter(
            x=timesteps,
            y=timesteps,
            mode="lines",
            name="k̂ = k",
            line=dict(color="#999999", width=1, dash="dot"),
            xaxis="x" + right,
            yaxis="y" + right,
        ),
        go.Scatter(
            x=timesteps,
            y=_f32(k_hat),
            mode="markers",
            name="k̂",
            marker=dict(color=OKABE_ITO["vermillion"], size=5),
            xaxis="x" + right,
            yaxis="y" + right,
        ),
    ]
    shapes = [
        vline(k, color="#555555", dash="dot"),
        vline(k, axes=right, color="#555555", dash="dot"),
    ]
    return figure(traces, height=height, shapes=shapes, **layout)
