"""Figures of the training lab: arrays in, plotly figures out.

Notation (shared NOTATION.md): k the timestep, ε* = E[ε | x_k] the exact optimum, ε*_∅ the best
prediction without k, D the data's dimension.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from timestep_lab.figures.style import DIVERGING, OKABE_ITO, axis, figure, subplots

COND_COLOURS = {
    "sinusoidal": OKABE_ITO["blue"],
    "scalar": OKABE_ITO["orange"],
    "raw": OKABE_ITO["vermillion"],
    "none": OKABE_ITO["black"],
    "learned": OKABE_ITO["green"],
    "fourier": OKABE_ITO["purple"],
    "noise_level": OKABE_ITO["sky"],
}
DASHES = ("solid", "dot", "dash")


def _colour(cond: str) -> str:
    return COND_COLOURS.get(cond, "#777777")


def loss_curves_figure(
    curves: Sequence[tuple[str, int, ArrayLike, ArrayLike]],
    *,
    floor: float | None,
    blind_floor: float | None,
    height: int = 320,
) -> go.Figure:
    """Training loss against step for each (cond, seed, steps, losses), with both floors
    (None while they are not known yet)."""
    traces = []
    seeds = sorted({seed for _, seed, _, _ in curves})
    for cond, seed, steps, losses in curves:
        traces.append(
            go.Scatter(
                x=np.asarray(steps),
                y=np.asarray(losses),
                name=f"{cond} (seed {seed})" if len(seeds) > 1 else cond,
                line=dict(color=_colour(cond), dash=DASHES[seeds.index(seed) % len(DASHES)]),
            )
        )
    for y, text, dash in (
        (floor, "ε* (told k)", "dash"),
        (blind_floor, "ε*_∅ (told nothing)", "dot"),
    ):
        traces.append(
            go.Scatter(
                x=[0, max((int(np.max(s)) for _, _, s, _ in curves), default=1)],
                y=[y, y],
                name=f"best possible: {text}",
                mode="lines",
                line=dict(color="#888888", dash=dash),
            )
        )
    return figure(
        traces,
        height=height,
        xaxis=axis("training step"),
        yaxis=axis("loss ‖ε − ε̂‖²/D (batch mean)"),
    )


def band_figure(
    edges: ArrayLike,
    runs: Sequence[tuple[str, int, ArrayLike]],
    *,
    blind_excess: ArrayLike | None,
    height: int = 320,
    y_title: str = "‖ε̂ − ε*‖²/D, mean in the band",
) -> go.Figure:
    """Error to ε* per band of k for each run, beside the k-blind floor's excess over ε*'s.

    runs: (cond, seed, error per band). blind_excess: floor(ε*_∅) − floor(ε*) per band; no
    network told nothing can go below it.
    """
    edges = np.asarray(edges)
    centres = (edges[:-1] + edges[1:]) / 2
    labels = [f"{a}–{b - 1}" for a, b in itertools.pairwise(edges.tolist())]
    seeds = sorted({seed for _, seed, _ in runs})
    traces = [
        go.Scatter(
            x=centres,
            y=np.asarray(err),
            name=f"{cond} (seed {seed})" if len(seeds) > 1 else cond,
            mode="lines+markers",
            line=dict(color=_colour(cond), dash=DASHES[seeds.index(seed) % len(DASHES)]),
            customdata=labels,
            hovertemplate="k in %{customdata}: %{y:.4f}<extra>%{fullData.name}</extra>",
        )
        for cond, seed, err in runs
    ]
    if blind_excess is not None:
        traces.append(
            go.Bar(
                x=centres,
                y=np.asarray(blind_excess),
                name="what not knowing k costs at best (ε*_∅ − ε*)",
                marker_color="#DDDDDD",
                width=(edges[1] - edges[0]) * 0.9,
            )
        )
    return figure(
        traces,
        height=height,
        xaxis=axis("timestep k (band centre)"),
        yaxis=axis(y_title),
        barmode="overlay",
    )


def samples_figure(
    real: ArrayLike,
    runs: Sequence[tuple[str, ArrayLike]],
    *,
    extent: float,
    height: int = 320,
) -> go.Figure:
    """Samples of each run beside fresh data: histograms in 1D, scatter plots in 2D."""
    real = np.asarray(real)
    dim = real.shape[1]
    panels = [("data", real), *runs]
    suffixes, layout = subplots(
        1, len(panels), titles=[name for name, _ in panels], horizontal_spacing=0.04
    )
    traces = []
    lim = 1.3 * extent
    for (name, pts), s in zip(panels, suffixes, strict=True):
        pts = np.asarray(pts)
        colour = "#555555" if name == "data" else _colour(name.split(" ")[0])
        if dim == 1:
            traces.append(
                go.Histogram(
                    x=pts[:, 0],
                    xbins=dict(start=-lim, end=lim, size=2 * lim / 60),
                    marker_color=colour,
                    xaxis="x" + s,
                    yaxis="y" + s,
                    showlegend=False,
                )
            )
        else:
            traces.append(
                go.Scattergl(
                    x=pts[:, 0],
                    y=pts[:, 1],
                    mode="markers",
                    marker=dict(size=3, color=colour),
                    xaxis="x" + s,
                    yaxis="y" + s,
                    showlegend=False,
                )
            )
        layout[f"xaxis{s}"]["range"] = [-lim, lim]
        if dim == 2:
            layout[f"yaxis{s}"]["range"] = [-lim, lim]
            layout[f"yaxis{s}"]["scaleanchor"] = f"x{s}"
    return figure(traces, height=height, **layout)


def field_figure(
    field_k: ArrayLike,
    field_x: ArrayLike,
    exact: ArrayLike,
    learned: ArrayLike,
    *,
    trajectory_k: ArrayLike,
    trajectories: ArrayLike,
    title: str,
    height: int = 360,
) -> go.Figure:
    """ε over the (k, x) plane: exact ε*, learned ε̂ and ε̂ − ε*, with sampled paths on top.

    exact, learned: (len(field_k), len(field_x)). trajectories: (S + 1, n, 1), x from pure noise
    (k = T−1) to x_0, at the timesteps ``trajectory_k`` then 0.
    """
    exact, learned = np.asarray(exact), np.asarray(learned)
    limit = float(np.max(np.abs(exact)))
    diff = learned - exact
    suffixes, layout = subplots(
        1,
        3,
        titles=["exact ε*(x, k)", f"learned ε̂ ({title})", "learned − exact"],
        horizontal_spacing=0.06,
    )
    traces = []
    k = np.asarray(field_k)
    x = np.asarray(field_x)
    path_k = np.append(np.asarray(trajectory_k), 0)  # the last point is the sample x_0
    paths = np.asarray(trajectories)[:, :, 0]
    for z, s, zmax, bar_x in (
        (exact, suffixes[0], limit, 0.29),
        (learned, suffixes[1], limit, 0.645),
        (diff, suffixes[2], max(float(np.max(np.abs(diff))), 1e-6), 1.0),
    ):
        traces.append(
            go.Heatmap(
                x=k,
                y=x,
                z=z.T,
                zmin=-zmax,
                zmax=zmax,
                colorscale=DIVERGING,
                colorbar=dict(x=bar_x, len=0.9, thickness=10),
                xaxis="x" + s,
                yaxis="y" + s,
                hovertemplate="k %{x}, x %{y:.2f}: %{z:.3f}<extra></extra>",
            )
        )
    for i in range(paths.shape[1]):
        traces.append(
            go.Scatter(
                x=path_k,
                y=paths[:, i],
                mode="lines",
                line=dict(color="rgba(0,0,0,0.45)", width=1),
                xaxis="x" + suffixes[1],
                yaxis="y" + suffixes[1],
                showlegend=False,
                hoverinfo="skip",
            )
        )
    for s in suffixes:
        layout[f"xaxis{s}"].update(title={"text": "k"}, autorange="reversed")
        layout[f"yaxis{s}"]["range"] = [float(x[0]), float(x[-1])]
    layout["yaxis"]["title"] = {"text": "x_k"}
    return figure(traces, height=height, **layout)


def dimension_figure(
    dims: ArrayLike, widths: ArrayLike, *, uniform: float, k_true: int, height: int = 300
) -> go.Figure:
    """Width (std) of p(k | x_k) against the dimension D, on log axes, with 'no information'."""
    dims = np.asarray(dims)
    traces = [
        go.Scatter(
            x=dims,
            y=np.asarray(widths),
            mode="lines+markers",
            name=f"std of p(k | x_k), true k = {k_true}",
            line=dict(color=OKABE_ITO["blue"]),
        ),
        go.Scatter(
            x=[dims[0], dims[-1]],
            y=[uniform, uniform],
            mode="lines",
            name="x_k says nothing (uniform over k)",
            line=dict(color="#888888", dash="dot"),
        ),
    ]
    return figure(
        traces,
        height=height,
        xaxis=axis("data dimension D", type="log"),
        yaxis=axis("timesteps", type="log"),
    )
