"""Turn the T × d encoding matrix into what a page draws, without averaging anything away.

A browser cannot usefully show 1000 × 1024 cells (a screen has fewer pixels, and sending them
as a chart costs ~14 MB). So a display keeps a *subset* of rows and columns: every value shown
is an exact entry of P, never a blurred average, and the selected row k is always kept.
Columns are kept in whole (sin, cos) pairs so that no frequency loses one of its two halves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from timestep_lab.encodings.sinusoidal import Convention, column_roles, timestep_embedding


def evenly_spaced(count: int, keep: int, *, always: int | None = None) -> NDArray[np.int64]:
    """At most ``keep`` indices evenly spread over 0 … count−1, both ends and ``always`` kept."""
    if count < 1 or keep < 1:
        raise ValueError(f"count={count} and keep={keep} must both be ≥ 1")
    if count <= keep:
        picked = np.arange(count)
    else:
        picked = np.unique(np.linspace(0, count - 1, keep).round().astype(np.int64))
    if always is not None:
        if not 0 <= always < count:
            raise ValueError(f"always={always} is outside 0 … {count - 1}")
        picked = np.union1d(picked, [always])
    return picked.astype(np.int64)


def paired_columns(dim: int, keep: int, convention: Convention) -> NDArray[np.int64]:
    """Columns of P to show: whole frequencies (both sin and cos), evenly spread, in order."""
    freq_index, _ = column_roles(dim, convention=convention)
    freqs_present = np.unique(freq_index[freq_index >= 0])
    chosen = freqs_present[evenly_spaced(freqs_present.size, max(1, keep // 2))]
    columns = np.flatnonzero(np.isin(freq_index, chosen) | (freq_index < 0))
    return columns


@dataclass(frozen=True)
class HeatmapGrid:
    """An exact sub-matrix of P: ``values[r, c] = P(rows[r], columns[c])``."""

    rows: NDArray[np.int64]
    columns: NDArray[np.int64]
    values: NDArray[np.float64]


def heatmap_grid(
    num_timesteps: int,
    dim: int,
    *,
    k: int,
    base: float = 10000.0,
    convention: Convention = "transformer",
    max_cells: int = 52_000,
    max_columns: int = 256,
) -> HeatmapGrid:
    """The rows and columns of the T × d matrix P that a heatmap shows, row k always included.

    num_timesteps: T ≥ 1; dim: d; k in [0, T). Keeps about max_columns columns (whole
    sin/cos pairs), then as many evenly spaced rows as fit in max_cells (plus row k): a
    narrow matrix keeps more of its rows.
    """
    columns = paired_columns(dim, max_columns, convention)
    rows = evenly_spaced(num_timesteps, max(1, max_cells // columns.size), always=k)
    values = timestep_embedding(rows, dim, base=base, convention=convention)[:, columns]
    return HeatmapGrid(rows, columns, values)
