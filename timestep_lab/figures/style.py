"""Shared look of every figure: colour-blind-safe colours (Okabe & Ito 2008) and a calm layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

#: The Okabe–Ito palette, distinguishable under the common forms of colour blindness.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Diverging map for values in [−1, 1]; ColorBrewer's RdBu is colour-blind safe.
DIVERGING = "RdBu"
#: Matplotlib's name for the same map (for static exports).
DIVERGING_MPL = "RdBu"

KIND_COLOURS = {"sin": OKABE_ITO["blue"], "cos": OKABE_ITO["vermillion"], "pad": "#999999"}
ROLE_COLOURS = {
    "informative": OKABE_ITO["blue"],
    "still": OKABE_ITO["orange"],
    "aliased": OKABE_ITO["vermillion"],
}


AXIS = dict(gridcolor="#EBEBEB", zeroline=False, linecolor="#BBBBBB", automargin=True)


def base_layout(*, height: int) -> dict[str, Any]:
    """Layout settings every interactive figure shares."""
    # template="none" plus a few axis settings looks like plotly_white without sending its
    # 7 kB template with every figure (ten figures a rerun on the encoding page).
    return dict(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=AXIS,
        yaxis=AXIS,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font=dict(size=13),
    )


def axis(title: str | None = None, **settings: Any) -> dict[str, Any]:
    """One axis: the shared look, an optional title, then this axis's own settings."""
    return {**AXIS, **({"title": {"text": title}} if title is not None else {}), **settings}


def hline(y: float, *, axes: str = "", **line: Any) -> dict[str, Any]:
    """A horizontal line across a plot at y (what ``add_hline`` adds), as a layout shape.

    axes: the subplot's axis suffix ("" for the first, "2", "3" …).
    """
    return dict(
        type="line", xref=f"x{axes} domain", x0=0, x1=1, yref=f"y{axes}", y0=y, y1=y, line=line
    )


def vline(x: float, *, axes: str = "", **line: Any) -> dict[str, Any]:
    """A vertical line across a plot at x (what ``add_vline`` adds), as a layout shape."""
    return dict(
        type="line", yref=f"y{axes} domain", y0=0, y1=1, xref=f"x{axes}", x0=x, x1=x, line=line
    )


def domains(count: int, spacing: float) -> list[list[float]]:
    """Equal [start, end] paper fractions for ``count`` subplots side by side (or stacked)."""
    width = (1 - spacing * (count - 1)) / count
    return [[n * (width + spacing), n * (width + spacing) + width] for n in range(count)]


def subplots(
    rows: int,
    cols: int,
    *,
    titles: Sequence[str] = (),
    horizontal_spacing: float = 0.2,
    vertical_spacing: float = 0.3,
    shared_x: bool = False,
    title_size: int = 16,
) -> tuple[list[str], dict[str, Any]]:
    """A grid of subplots as plain layout settings (what ``make_subplots`` builds, cheaply).

    Returns the axis suffix of each cell ("", "2", … row by row from the top; a trace goes to
    cell n with ``xaxis="x" + suffix, yaxis="y" + suffix``) and the layout entries: every
    axis, and one title annotation above each cell. shared_x: each column's x axes zoom
    together and only the bottom row shows tick labels.
    """
    x_domains = domains(cols, horizontal_spacing)
    y_domains = domains(rows, vertical_spacing)[::-1]  # row 1 is the top one
    suffixes, layout, annotations = [], {}, []
    for n in range(rows * cols):
        row, col = divmod(n, cols)
        suffix = "" if n == 0 else str(n + 1)
        suffixes.append(suffix)
        bottom = (rows - 1) * cols + col + 1
        x = {**AXIS, "anchor": f"y{suffix}", "domain": x_domains[col]}
        if shared_x and row < rows - 1:
            x.update(matches=f"x{bottom}", showticklabels=False)
        layout[f"xaxis{suffix}"] = x
        layout[f"yaxis{suffix}"] = {**AXIS, "anchor": f"x{suffix}", "domain": y_domains[row]}
        if n < len(titles):
            annotations.append(
                dict(
                    text=titles[n],
                    font=dict(size=title_size),
                    showarrow=False,
                    x=sum(x_domains[col]) / 2,
                    xanchor="center",
                    xref="paper",
                    y=y_domains[row][1],
                    yanchor="bottom",
                    yref="paper",
                )
            )
    layout["annotations"] = annotations
    return suffixes, layout


def figure(traces: Sequence[Any] | Any, *, height: int, **layout: Any) -> go.Figure:
    """A plotly figure built in one step from its traces and its whole layout.

    ``layout`` overrides ``base_layout``'s keys. Building the figure once is about five times
    cheaper than ``update_layout`` / ``add_hline`` / ``update_xaxes`` calls one after another
    (py-spy under the classroom load test: those calls were a third of the server's CPU), and
    every interaction rebuilds the figures that show k.
    """
    return go.Figure(data=traces, layout={**base_layout(height=height), **layout})
