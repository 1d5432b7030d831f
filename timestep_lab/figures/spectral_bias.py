"""Spectral bias: the same target fitted from k/T and from P(k), and how the losses fell."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.figures.style import OKABE_ITO, figure, subplots

FIT_COLOURS = {"scalar": OKABE_ITO["vermillion"], "sinusoidal": OKABE_ITO["blue"]}
FIT_NAMES = {"scalar": "MLP fed k/T", "sinusoidal": "MLP fed P(k)"}


def _f32(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def spectral_bias_figure(
    timesteps: ArrayLike,
    target: ArrayLike,
    predictions: dict[str, ArrayLike],
    losses: dict[str, ArrayLike],
    *,
    height: int = 340,
) -> go.Figure:
    """Left: the target and each fit against k. Right: each fit's training loss per step.

    predictions, losses: keyed by input kind (``scalar``, ``sinusoidal``).
    """
    cells, layout = subplots(
        1, 2, titles=("fit against k", "training loss"), horizontal_spacing=0.1
    )
    left, right = cells
    layout["xaxis"].update(title=dict(text="timestep k"), domain=[0.0, 0.62])
    layout["yaxis"].update(title=dict(text="value"))
    layout["xaxis2"].update(title=dict(text="Adam step"), domain=[0.72, 1.0])
    layout["yaxis2"].update(title=dict(text="mean squared error"), type="log")
    layout["annotations"][0]["x"] = 0.31
    layout["annotations"][1]["x"] = 0.86
    traces = [
        go.Scatter(
            x=_f32(timesteps),
            y=_f32(target),
            mode="lines",
            name="target",
            line=dict(color="#999999", width=3),
            xaxis="x" + left,
            yaxis="y" + left,
        )
    ]
    for kind, prediction in predictions.items():
        traces.append(
            go.Scatter(
                x=_f32(timesteps),
                y=_f32(prediction),
                mode="lines",
                name=FIT_NAMES.get(kind, kind),
                legendgroup=kind,
                line=dict(color=FIT_COLOURS.get(kind), width=2),
                xaxis="x" + left,
                yaxis="y" + left,
            )
        )
    for kind, loss in losses.items():
        loss = np.asarray(loss)
        traces.append(
            go.Scatter(
                x=np.arange(1, loss.size + 1),
                y=_f32(loss),
                mode="lines",
                name=FIT_NAMES.get(kind, kind),
                legendgroup=kind,
                showlegend=False,
                line=dict(color=FIT_COLOURS.get(kind), width=2),
                xaxis="x" + right,
                yaxis="y" + right,
            )
        )
    return figure(traces, height=height, **layout)
