"""Static (matplotlib) versions of the encoding figures, for PNG downloads and slides."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from timestep_lab.figures.style import DIVERGING_MPL


def heatmap_png_figure(
    embedding: ArrayLike, k: int, *, title: str, width_in: float = 8.0
) -> Figure:
    """The full T × d matrix P as an image (every cell, no subsampling), row k marked."""
    p = np.asarray(embedding)
    figure = Figure(figsize=(width_in, width_in * 0.62), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(
        p, aspect="auto", cmap=DIVERGING_MPL, vmin=-1, vmax=1, interpolation="nearest"
    )
    axes.axhline(k, color="black", linewidth=1.2)
    axes.annotate(f"k = {k}", (p.shape[1] - 1, k), color="black", ha="right", va="bottom")
    axes.set_xlabel("column j of the vector")
    axes.set_ylabel("timestep k")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="P(k, j)")
    return figure
