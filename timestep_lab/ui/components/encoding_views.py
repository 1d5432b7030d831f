"""The encoding explorer's views of row k, drawn by the browser (``encoding_views.js``).

Python sends the setting once (d, n, T, the layout, the pair i and shift Δ of the rotation
view) and the browser computes P(k, j) itself, float64 and exact, for every cell of the
T × d matrix, so moving k costs no server round trip. The JavaScript mirrors
``timestep_lab.encodings.sinusoidal`` name for name; ``tests/ui/components`` runs it in
Chromium against the library.
"""

from __future__ import annotations

from typing import Literal

from timestep_lab.ui.components import define
from timestep_lab.ui.page import presenter_mode

_mount = define("encoding_views", css="views.css")

View = Literal["heatmap", "vector", "shift", "phase", "formula"]
VIEWS: tuple[View, ...] = ("heatmap", "vector", "shift", "phase", "formula")


def encoding_data(
    view: View,
    *,
    k: int,
    num_timesteps: int,
    dim: int,
    base: float,
    layout: str,
    i: int = 0,
    delta: int = 1,
) -> dict:
    """What the browser needs to draw ``view``: a handful of numbers, never the matrix."""
    if view not in VIEWS:
        raise ValueError(f"view={view!r} is not one of {', '.join(VIEWS)}")
    if not 0 <= k < num_timesteps:
        raise ValueError(f"k={k} must be in 0 … {num_timesteps - 1}")
    return {
        "view": view,
        "k": int(k),
        "T": int(num_timesteps),
        "d": int(dim),
        "n": float(base),
        "layout": layout,
        "i": int(i),
        "delta": int(delta),
        "presenter": presenter_mode(),
    }


def encoding_view(view: View, *, key: str, **setting) -> None:
    """Mount one view (``heatmap``, ``vector``, ``shift``, ``phase`` or ``formula``)."""
    _mount(key=key, data=encoding_data(view, **setting))
