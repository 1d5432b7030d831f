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
    base_layout,
)


def _f32(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def column_labels(columns: ArrayLike, freq_index: ArrayLike, kind: ArrayLike) -> list[str]:
    """Hover labels for columns: 'j=5 · cos · i=2'."""
    return [
        f"j={j} · {kd}" + (f" · i={i}" if i >= 0 else "")
        for j, i, kd in zip(columns, freq_index, kind, strict=True)
    ]


def heatmap_figure(grid: HeatmapGrid, labels: list[str], k: int, *, height: int = 460) -> go.Figure:
    """The T × d matrix P as a heatmap of exact entries, row k outlined."""
    figure = go.Figure(
        go.Heatmap(
            z=_f32(grid.values),
            x=labels,
            y=grid.rows,
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            colorbar=dict(title="P(k, j)", thickness=12),
            hovertemplate="k=%{y}<br>%{x}<br>P=%{z:.6f}<extra></extra>",
        )
    )
    figure.add_hline(
        y=k,
        line=dict(color="black", width=2),
        annotation=dict(text=f"k = {k}", bgcolor="white", font=dict(color="black")),
        annotation_position="top left",
    )
    tick_every = max(1, len(labels) // 8)
    figure.update_xaxes(
        title="column j of the vector",
        tickmode="array",
        tickvals=labels[::tick_every],
        ticktext=[lab.split(" · ")[0] for lab in labels[::tick_every]],
    )
    figure.update_yaxes(title="timestep k", autorange="reversed")
    return figure.update_layout(**base_layout(height=height))


def vector_figure(row: ArrayLike, kind: ArrayLike, k: int, *, height: int = 280) -> go.Figure:
    """The vector P(k) the network receives, one point per column, coloured sin / cos."""
    row, kind = np.asarray(row), np.asarray(kind)
    figure = go.Figure()
    for name in ("sin", "cos", "pad"):
        columns = np.flatnonzero(kind == name)
        if columns.size == 0:
            continue
        figure.add_trace(
            go.Scatter(
                x=columns,
                y=_f32(row[columns]),
                mode="markers",
                marker=dict(color=KIND_COLOURS[name], size=5),
                name=name,
                hovertemplate="j=%{x}<br>P=%{y:.6f}<extra>" + name + "</extra>",
            )
        )
    figure.update_xaxes(title="column j")
    figure.update_yaxes(title=f"P({k}, j)", range=[-1.1, 1.1])
    return figure.update_layout(**base_layout(height=height))


def wavelength_figure(
    wavelengths: ArrayLike, roles: ArrayLike, num_timesteps: int, *, height: int = 320
) -> go.Figure:
    """Wavelength λ_i of each frequency against T, log scale, with the role of each marked."""
    lam, roles = np.asarray(wavelengths), np.asarray(roles)
    figure = go.Figure()
    for role, label in (
        ("informative", "changes across 0…T−1"),
        ("still", "barely changes (< 5% of a turn)"),
        ("aliased", "λ < 2: aliases at integer k"),
    ):
        idx = np.flatnonzero(roles == role)
        if idx.size:
            figure.add_trace(
                go.Scatter(
                    x=idx,
                    y=_f32(lam[idx]),
                    mode="markers",
                    marker=dict(color=ROLE_COLOURS[role], size=6),
                    name=label,
                    hovertemplate="i=%{x}<br>λ=%{y:.4g} steps<extra></extra>",
                )
            )
    figure.add_hline(y=num_timesteps, line=dict(dash="dash", color="black"))
    figure.add_annotation(
        x=0,
        y=np.log10(num_timesteps),
        text=f"T = {num_timesteps}",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
    )
    figure.add_hline(y=2, line=dict(dash="dot", color=OKABE_ITO["vermillion"]))
    figure.update_xaxes(title="frequency index i")
    figure.update_yaxes(title="wavelength λ_i (timesteps)", type="log")
    return figure.update_layout(**base_layout(height=height))


def similarity_figure(matrix: ArrayLike, rows: ArrayLike, *, height: int = 380) -> go.Figure:
    """Cosine similarity cos∠(P(a), P(b)) for a subset of timesteps a, b."""
    figure = go.Figure(
        go.Heatmap(
            z=_f32(matrix),
            x=rows,
            y=rows,
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            colorbar=dict(title="cos∠", thickness=12),
            hovertemplate="a=%{y}, b=%{x}<br>similarity=%{z:.4f}<extra></extra>",
        )
    )
    figure.update_xaxes(title="timestep b")
    figure.update_yaxes(title="timestep a", autorange="reversed", scaleanchor="x")
    return figure.update_layout(**base_layout(height=height))


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
    figure = go.Figure(
        go.Scatter(
            x=_f32(deltas),
            y=_f32(similarity),
            mode="lines",
            name=f"from k = {k}",
            line=dict(color=OKABE_ITO["blue"], width=2),
            hovertemplate="Δ=%{x}<br>similarity=%{y:.4f}<extra></extra>",
        )
    )
    if reference is not None:
        figure.add_trace(
            go.Scatter(
                x=_f32(reference[0]),
                y=_f32(reference[1]),
                mode="lines",
                name="from k = 0",
                line=dict(color=OKABE_ITO["orange"], width=2, dash="dash"),
                hoverinfo="skip",
            )
        )
    if half_shift is not None:
        for sign in (-1, 1):
            figure.add_vline(x=sign * half_shift, line=dict(dash="dot", color="grey"))
    figure.update_xaxes(title="shift Δ (timesteps)")
    figure.update_yaxes(title="cos∠(P(k), P(k+Δ))", range=[-1.05, 1.05])
    return figure.update_layout(**base_layout(height=height))


def phase_circle_figure(
    freq: float, starts: ArrayLike, delta: int, i: int, *, height: int = 380
) -> go.Figure:
    """The (sin, cos) pair of frequency i as a point on the unit circle, for several k.

    Each arrow goes from k to k + Δ: the turn ω_i·Δ is the same wherever k starts.
    """
    theta = np.linspace(0, 2 * np.pi, 181)
    figure = go.Figure(
        go.Scatter(
            x=np.cos(theta),
            y=np.sin(theta),
            mode="lines",
            line=dict(color="lightgrey"),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    colours = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "purple")]
    for start, colour in zip(np.asarray(starts), colours, strict=False):
        arc = np.linspace(start, start + delta, 40) * freq
        figure.add_trace(
            go.Scatter(
                x=np.cos(arc),
                y=np.sin(arc),
                mode="lines",
                line=dict(color=colour, width=3),
                name=f"k = {start} → {start + delta}",
                hoverinfo="skip",
            )
        )
        ends = np.array([start, start + delta]) * freq
        figure.add_trace(
            go.Scatter(
                x=np.cos(ends),
                y=np.sin(ends),
                mode="markers+text",
                marker=dict(color=colour, size=[8, 12], symbol=["circle", "diamond"]),
                text=[f"k={start}", f"k={start + delta}"],
                textposition="top center",
                showlegend=False,
                hovertemplate="cos=%{x:.4f}<br>sin=%{y:.4f}<extra></extra>",
            )
        )
    figure.update_xaxes(title=f"cos(ω_{i}·k)", range=[-1.35, 1.35])
    figure.update_yaxes(title=f"sin(ω_{i}·k)", range=[-1.35, 1.35], scaleanchor="x")
    return figure.update_layout(**base_layout(height=height))


def naive_figure(
    k_values: ArrayLike, series: dict[str, ArrayLike], *, y_title: str, height: int = 260
) -> go.Figure:
    """One encoding value against k for several named series (the naive alternatives)."""
    colours = list(OKABE_ITO.values())
    figure = go.Figure()
    for (name, values), colour in zip(series.items(), colours, strict=False):
        figure.add_trace(
            go.Scatter(
                x=_f32(k_values),
                y=_f32(values),
                mode="lines",
                name=name,
                line=dict(color=colour, width=2),
            )
        )
    figure.update_xaxes(title="timestep k")
    figure.update_yaxes(title=y_title)
    return figure.update_layout(**base_layout(height=height))


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
    figure = go.Figure()
    for name, (omega, kind) in freqs_by_convention.items():
        omega, kind = np.asarray(omega), np.asarray(kind)
        for part in ("sin", "cos"):
            idx = np.flatnonzero(kind == part)
            figure.add_trace(
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
    figure.update_xaxes(title="column j")
    figure.update_yaxes(title="frequency ω of column j", type="log")
    return figure.update_layout(**base_layout(height=height))
