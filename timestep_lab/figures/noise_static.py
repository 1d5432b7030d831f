"""Static (matplotlib) versions of the noise figures, for PNG downloads and slides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from timestep_lab.images.pixels import to_uint8


def filmstrip_png_figure(
    frames: ArrayLike,
    row_labels: Sequence[str],
    timesteps: ArrayLike,
    *,
    title: str,
    tile_in: float = 1.1,
) -> Figure:
    """The filmstrip, one small image per (schedule, timestep), pixels shown unsmoothed.

    frames: (rows, columns, H, W, 3) in [−1, 1], as from ``filmstrip_frames``.
    """
    tiles = to_uint8(frames)
    rows, columns = tiles.shape[:2]
    figure = Figure(
        figsize=(1.4 + columns * tile_in, 0.6 + rows * tile_in * tiles.shape[2] / tiles.shape[3]),
        layout="constrained",
    )
    axes = figure.subplots(rows, columns, squeeze=False)
    for r in range(rows):
        for c in range(columns):
            ax = axes[r, c]
            ax.imshow(tiles[r, c], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"k = {np.asarray(timesteps)[c]}", fontsize=9)
            if c == 0:
                ax.set_ylabel(row_labels[r], fontsize=9)
    figure.suptitle(title, fontsize=10)
    return figure
