"""What the class answered: a bar per option, a histogram of guesses (class mode's teacher view).

Arrays in, figures out. The right answer is drawn only when the caller passes it, i.e. after
the reveal: before it, the teacher's screen on the projector must not give it away.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray

from timestep_lab.figures.style import OKABE_ITO, axis, figure, vline

HIDDEN = OKABE_ITO["blue"]  # every bar before the reveal
RIGHT, OTHER = OKABE_ITO["green"], "#BBBBBB"  # after it


def option_counts(values: ArrayLike, options: int) -> NDArray[np.int64]:
    """How many answered each option 0 … options−1 (values are option indices)."""
    return np.bincount(np.asarray(values, dtype=np.int64), minlength=options)[:options]


def guess_bins(values: ArrayLike, lo: int, hi: int, bins: int = 20) -> tuple[NDArray, NDArray]:
    """Histogram of whole-number guesses on [lo, hi]: (bin edges, counts); every guess counts.

    At most one bin per whole number, so a narrow slider gets exact bars.
    """
    bins = max(1, min(bins, hi - lo + 1))
    counts, edges = np.histogram(np.asarray(values, dtype=np.float64), bins, (lo, hi + 1))
    return edges, counts.astype(np.int64)


def _label(text: str, width: int = 28) -> str:
    return "<br>".join(textwrap.wrap(text, width)[:3])


def choice_counts_figure(
    options: Sequence[str], counts: ArrayLike, answer: int | None = None, *, height: int = 260
) -> go.Figure:
    """A horizontal bar per option with its count; the right one green once revealed."""
    counts = np.asarray(counts)
    colours = [
        HIDDEN if answer is None else (RIGHT if i == answer else OTHER) for i in range(len(options))
    ]
    bars = go.Bar(
        x=counts,
        y=[_label(o) for o in options],
        orientation="h",
        marker_color=colours,
        text=[str(int(c)) for c in counts],
        textposition="auto",
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    return figure(
        bars,
        height=height,
        showlegend=False,
        xaxis=axis(
            "answers", rangemode="tozero", dtick=max(1, int(np.ceil(counts.max(initial=1) / 8)))
        ),
        yaxis=axis(autorange="reversed"),
        margin=dict(l=10, r=10, t=10, b=10),
    )


def guess_histogram_figure(
    values: ArrayLike,
    lo: int,
    hi: int,
    answer: int | None = None,
    *,
    unit: str = "",
    height: int = 260,
) -> go.Figure:
    """A histogram of the class's guesses on [lo, hi]; a line at the answer once revealed."""
    edges, counts = guess_bins(values, lo, hi)
    bars = go.Bar(
        x=(edges[:-1] + edges[1:]) / 2,
        y=counts,
        width=np.diff(edges) * 0.95,
        marker_color=HIDDEN,
        hovertemplate="%{x:,.0f}: %{y}<extra></extra>",
    )
    shapes = [] if answer is None else [vline(answer, color=RIGHT, width=3)]
    return figure(
        bars,
        height=height,
        showlegend=False,
        xaxis=axis(f"guess ({unit})" if unit else "guess", range=[lo, hi + 1]),
        yaxis=axis("answers", rangemode="tozero"),
        shapes=shapes,
        margin=dict(l=10, r=10, t=10, b=10),
    )
