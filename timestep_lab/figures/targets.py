"""How much an error in each prediction target moves x̂₀, across timesteps."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.figures.style import OKABE_ITO, axis, figure, vline

TARGET_NAMES = {
    "epsilon": "ε-prediction",
    "sample": "x₀-prediction",
    "v_prediction": "v-prediction",
}
TARGET_COLOURS = {
    "epsilon": OKABE_ITO["vermillion"],
    "sample": OKABE_ITO["green"],
    "v_prediction": OKABE_ITO["blue"],
}


def target_gain_figure(
    timesteps: ArrayLike, gains: dict[str, ArrayLike], k: int, *, height: int = 300
) -> go.Figure:
    """Each target's x̂₀ error gain against k (log scale); infinite gains are left undrawn."""
    traces = []
    for target, gain in gains.items():
        gain = np.asarray(gain, dtype=np.float64)
        shown = np.where(np.isfinite(gain), gain, np.nan).astype(np.float32)
        traces.append(
            go.Scatter(
                x=np.asarray(timesteps, dtype=np.float32),
                y=shown,
                mode="lines",
                name=TARGET_NAMES.get(target, target),
                line=dict(color=TARGET_COLOURS.get(target), width=2),
            )
        )
    return figure(
        traces,
        height=height,
        xaxis=axis("timestep k"),
        yaxis=axis("error in x̂₀ per unit error of the output", type="log"),
        shapes=[vline(k, color="#555555", dash="dot")],
    )
