"""A canvas on which a learner draws 2D training points (``point_canvas.js``).

The browser keeps the drawing while the pointer moves and sends it once a stroke ends (a flat
[x0, y0, x1, y1, …] list in data units). Python checks it (``labdata.drawn``: 3 … 1000 points
in [−1.5, 1.5]²) and keeps it for the session; a drawing is not part of the link.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from timestep_lab.models.labdata import DRAW_BOX, MAX_DRAWN
from timestep_lab.ui.components import define

_mount = define("point_canvas")
CANVAS_KEY = "_tl_point_canvas"  # the component's state (session-only)
DRAWN = "_tl_drawn_points"  # the last drawing, (N, 2) as nested lists (session-only)


def points_from_browser(flat: object) -> list[list[float]] | None:
    """A flat list from the browser as [[x, y], …]; None if it is not one (never trusted)."""
    if not isinstance(flat, list) or len(flat) % 2 or len(flat) > 2 * MAX_DRAWN:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in flat):
        return None
    if not all(math.isfinite(v) for v in flat):
        return None
    pairs = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
    return pairs.tolist()


def _stroke_ended() -> None:
    state = st.session_state.get(CANVAS_KEY) or {}
    flat = state.get("points") if hasattr(state, "get") else None
    points = points_from_browser(flat)
    if points is not None:
        st.session_state[DRAWN] = points


def point_canvas() -> list[list[float]]:
    """Mount the canvas; returns the session's drawing so far (possibly empty)."""
    points = st.session_state.get(DRAWN, [])
    flat = [round(float(v), 3) for pair in points for v in pair]
    _mount(
        key=CANVAS_KEY,
        data={"points": flat, "box": DRAW_BOX, "max": MAX_DRAWN},
        on_points_change=_stroke_ended,
    )
    return st.session_state.get(DRAWN, [])
