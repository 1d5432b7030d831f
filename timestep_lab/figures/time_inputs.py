"""What the encoding is fed (index, t·s, log-SNR, c_noise) and the encoding it then gives."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.figures.style import DIVERGING, OKABE_ITO, figure, subplots


def _f32(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def time_input_figure(
    timesteps: ArrayLike,
    inputs: ArrayLike,
    columns: ArrayLike,
    values: ArrayLike,
    *,
    input_title: str,
    height: int = 340,
) -> go.Figure:
    """Left: the number fed to the sinusoids against k. Right: P(that number) as a heatmap.

    timesteps, inputs: (R,). columns: (C,) column indices j. values: (R, C) entries of P.
    """
    cells, layout = subplots(
        1, 2, titles=("what the sinusoids are fed", "the encoding P(input)"), horizontal_spacing=0.1
    )
    _, right = cells
    layout["xaxis"].update(title=dict(text="timestep k"), domain=[0.0, 0.38])
    layout["yaxis"].update(title=dict(text=input_title))
    layout["xaxis2"].update(title=dict(text="column j"), domain=[0.48, 1.0])
    layout["yaxis2"].update(title=dict(text="timestep k"), autorange="reversed")
    layout["annotations"][0]["x"] = 0.19
    layout["annotations"][1]["x"] = 0.74
    traces = [
        go.Scatter(
            x=_f32(timesteps),
            y=_f32(inputs),
            mode="lines",
            name=input_title,
            showlegend=False,
            line=dict(color=OKABE_ITO["blue"], width=2),
        ),
        go.Heatmap(
            z=_f32(values),
            x=np.asarray(columns),
            y=_f32(timesteps),
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            colorbar=dict(title=dict(text="P"), thickness=12),
            xaxis="x" + right,
            yaxis="y" + right,
            hovertemplate="k=%{y}<br>j=%{x}<br>P=%{z:.4f}<extra></extra>",
        ),
    ]
    return figure(traces, height=height, **layout)
