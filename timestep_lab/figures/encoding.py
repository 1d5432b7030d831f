"""Interactive figures of the sinusoidal encoding: each takes arrays and returns a plotly figure.

Pages, the walkthrough and tests all call these, so a figure is drawn one way only. Arrays are
sent to the browser as float32 (plotly encodes NumPy arrays as compact base64).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.encodings.display import HeatmapGrid
from timestep_lab.figures.style import (
    DIVERGING,
    KIND_COLOURS,
    OKABE_ITO,
    ROLE_COLOURS,
    axis,
    figure,
    hline,
    vline,
)


def _f32(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def column_labels(columns: ArrayLike, freq_index: ArrayLike, kind: ArrayLike) -> list[str]:
    """Hover labels for columns: 'j=5 · cos · i=2'."""
    return [
        f"j={j} · {kd}" + (f" · i={i}" if i >= 0 else "")
        for j, i, kd in zip(columns, freq_index, kind, strict=True)
    ]


def _signed_heatmap(z: ArrayLike, x: ArrayLike, y: ArrayLike, title: str, hover: str) -> go.Heatmap:
    """Values in [−1, 1] on the diverging map, white at 0, with a titled colour bar."""
    return go.Heatmap(
        z=_f32(z),
        x=x,
        y=y,
        zmin=-1,
        zmax=1,
        colorscale=DIVERGING,
        colorbar=dict(title=dict(text=title), thickness=12),
        hovertemplate=hover + "<extra></extra>",
    )


def heatmap_figure(grid: HeatmapGrid, labels: list[str], k: int, *, height: int = 460) -> go.Figure:
    """The T × d matrix P as a heatmap of exact entries, row k outlined."""
    tick_every = max(1, len(labels) // 8)
    heatmap = _signed_heatmap(
        grid.values, labels, grid.rows, "P(k, j)", "k=%{y}<br>%{x}<br>P=%{z:.6f}"
    )
    return figure(
        [heatmap],
        height=height,
        xaxis=axis(
            "column j of the vector",
            tickmode="array",
            tickvals=labels[::tick_every],
            ticktext=[lab.split(" · ")[0] for lab in labels[::tick_every]],
        ),
        yaxis=axis("timestep k", autorange="reversed"),
        shapes=[hline(k, color="black", width=2)],
        annotations=[
            dict(
                text=f"k = {k}",
                bgcolor="white",
                font=dict(color="black"),
                x=0,
                xref="x domain",
                xanchor="left",
                y=k,
                yref="y",
                yanchor="bottom",
                showarrow=False,
            )
        ],
    )


def vector_figure(row: ArrayLike, kind: ArrayLike, k: int, *, height: int = 280) -> go.Figure:
    """The vector P(k) the network receives, one point per column, coloured sin / cos."""
    row, kind = np.asarray(row), np.asarray(kind)
    traces = [
        go.Scatter(
            x=columns,
            y=_f32(row[columns]),
            mode="markers",
            marker=dict(color=KIND_COLOURS[name], size=5),
            name=name,
            hovertemplate="j=%{x}<br>P=%{y:.6f}<extra>" + name + "</extra>",
        )
        for name in ("sin", "cos", "pad")
        if (columns := np.flatnonzero(kind == name)).size
    ]
    return figure(
        traces,
        height=height,
        xaxis=axis("column j"),
        yaxis=axis(f"P({k}, j)", range=[-1.1, 1.1]),
    )


def wavelength_figure(
    wavelengths: ArrayLike, roles: ArrayLike, num_timesteps: int, *, height: int = 320
) -> go.Figure:
    """Wavelength λ_i of each frequency against T, log scale, with the role of each marked."""
    lam, roles = np.asarray(wavelengths), np.asarray(roles)
    traces = [
        go.Scatter(
            x=idx,
            y=_f32(lam[idx]),
            mode="markers",
            marker=dict(color=ROLE_COLOURS[role], size=6),
            name=label,
            hovertemplate="i=%{x}<br>λ=%{y:.4g} steps<extra></extra>",
        )
        for role, label in (
            ("informative", "changes across 0…T−1"),
            ("still", "barely changes (< 5% of a turn)"),
            ("aliased", "λ < 2: aliases at integer k"),
        )
        if (idx := np.flatnonzero(roles == role)).size
    ]
    return figure(
        traces,
        height=height,
        xaxis=axis("frequency index i"),
        yaxis=axis("wavelength λ_i (timesteps)", type="log"),
        shapes=[
            hline(num_timesteps, dash="dash", color="black"),
            hline(2, dash="dot", color=OKABE_ITO["vermillion"]),
        ],
        annotations=[
            dict(
                x=0,
                y=np.log10(num_timesteps),  # a log axis places annotations by log10(y)
                text=f"T = {num_timesteps}",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
            )
        ],
    )


def similarity_figure(matrix: ArrayLike, rows: ArrayLike, *, height: int = 380) -> go.Figure:
    """Cosine similarity cos∠(P(a), P(b)) for a subset of timesteps a, b."""
    heatmap = _signed_heatmap(matrix, rows, rows, "cos∠", "a=%{y}, b=%{x}<br>similarity=%{z:.4f}")
    return figure(
        [heatmap],
        height=height,
        xaxis=axis("timestep b"),
        yaxis=axis("timestep a", autorange="reversed", scaleanchor="x"),
    )


def shift_figure(
    deltas: ArrayLike,
    similarity: ArrayLike,
    k: int,
    *,
    reference: tuple[ArrayLike, ArrayLike] | None = None,
    half_shift: float | None = None,
    height: int = 320,
) -> go.Figure:
    """Similarity of P(k) and P(k + Δ) against Δ, with the same curve from k = 0 for reference."""
    traces = [
        go.Scatter(
            x=_f32(deltas),
            y=_f32(similarity),
            mode="lines",
            name=f"from k = {k}",
            line=dict(color=OKABE_ITO["blue"], width=2),
            hovertemplate="Δ=%{x}<br>similarity=%{y:.4f}<extra></extra>",
        )
    ]
    if reference is not None:
        traces.append(
            go.Scatter(
                x=_f32(reference[0]),
                y=_f32(reference[1]),
                mode="lines",
                name="from k = 0",
                line=dict(color=OKABE_ITO["orange"], width=2, dash="dash"),
                hoverinfo="skip",
            )
        )
    shapes = (
        [vline(sign * half_shift, dash="dot", color="grey") for sign in (-1, 1)]
        if half_shift is not None
        else []
    )
    return figure(
        traces,
        height=height,
        xaxis=axis("shift Δ (timesteps)"),
        yaxis=axis("cos∠(P(k), P(k+Δ))", range=[-1.05, 1.05]),
        shapes=shapes,
    )


def phase_circle_figure(
    freq: float, starts: ArrayLike, delta: int, i: int, *, height: int = 380
) -> go.Figure:
    """The (sin, cos) pair of frequency i as a point on the unit circle, for several k.

    Each arrow goes from k to k + Δ: the turn ω_i·Δ is the same wherever k starts.
    """
    theta = np.linspace(0, 2 * np.pi, 181)
    traces = [
        go.Scatter(
            x=_f32(np.cos(theta)),
            y=_f32(np.sin(theta)),
            mode="lines",
            line=dict(color="lightgrey"),
            hoverinfo="skip",
            showlegend=False,
        )
    ]
    colours = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "purple")]
    for start, colour in zip(np.asarray(starts), colours, strict=False):
        arc = np.linspace(start, start + delta, 40) * freq
        ends = np.array([start, start + delta]) * freq
        traces += [
            go.Scatter(
                x=np.cos(arc),
                y=np.sin(arc),
                mode="lines",
                line=dict(color=colour, width=3),
                name=f"k = {start} → {start + delta}",
                hoverinfo="skip",
            ),
            go.Scatter(
                x=np.cos(ends),
                y=np.sin(ends),
                mode="markers+text",
                marker=dict(color=colour, size=[8, 12], symbol=["circle", "diamond"]),
                text=[f"k={start}", f"k={start + delta}"],
                textposition="top center",
                showlegend=False,
                hovertemplate="cos=%{x:.4f}<br>sin=%{y:.4f}<extra></extra>",
            ),
        ]
    return figure(
        traces,
        height=height,
        xaxis=axis(f"cos(ω_{i}·k)", range=[-1.35, 1.35]),
        yaxis=axis(f"sin(ω_{i}·k)", range=[-1.35, 1.35], scaleanchor="x"),
    )


def naive_figure(
    k_values: ArrayLike, series: dict[str, ArrayLike], *, y_title: str, height: int = 260
) -> go.Figure:
    """One encoding value against k for several named series (the naive alternatives)."""
    colours = list(OKABE_ITO.values())
    traces = [
        go.Scatter(
            x=_f32(k_values),
            y=_f32(values),
            mode="lines",
            name=name,
            line=dict(color=colour, width=2),
        )
        for (name, values), colour in zip(series.items(), colours, strict=False)
    ]
    return figure(traces, height=height, xaxis=axis("timestep k"), yaxis=axis(y_title))


def layout_figure(
    freqs_by_convention: dict[str, tuple[ArrayLike, ArrayLike]], *, height: int = 320
) -> go.Figure:
    """The frequency ω each column j carries, for each convention, marked sin or cos.

    ``freqs_by_convention[name] = (omega_per_column, kind_per_column)``.
    """
    symbols = {"sin": "circle", "cos": "x", "pad": "square"}
    colours = dict(
        zip(freqs_by_convention, (OKABE_ITO[c] for c in ("blue", "orange", "green")), strict=False)
    )
    traces = []
    for name, (omega, kind) in freqs_by_convention.items():
        omega, kind = np.asarray(omega), np.asarray(kind)
        for part in ("sin", "cos"):
            idx = np.flatnonzero(kind == part)
            traces.append(
                go.Scatter(
                    x=idx,
                    y=_f32(omega[idx]),
                    mode="markers",
                    marker=dict(color=colours[name], symbol=symbols[part], size=5),
                    name=f"{name} · {part}",
                    legendgroup=name,
                    hovertemplate="j=%{x}<br>ω=%{y:.4g}<extra>" + f"{name} {part}</extra>",
                )
            )
    return figure(
        traces,
        height=height,
        xaxis=axis("column j"),
        yaxis=axis("frequency ω of column j", type="log"),
    )
