"""The denoiser's step-by-step view, drawn by the browser (``denoise_views.js``).

Notation (shared NOTATION.md): ``xk`` x_k, ``eps_pred`` ε̂, ``x0_pred`` x̂₀, ``alpha_bar`` ᾱ_k,
``k`` the true timestep, ``k_told`` the timestep the network was told, ``encoding`` the row
P(k told) its time MLP received, ``timesteps`` every k the sampler visits (S of them).

Python sends a finished run's kept frames once: for each kept sampler step its index, k,
k told (exact: int32 and float64), x_k, ε̂, x̂₀ and P(k told) (float32, as the network got
it), the ᾱ table (float64) and the sampler's timesteps. A picture travels as what its PNG
is made of, one byte a value: a digit pixel as its grey level (``to_uint8`` of the value
over its range, ±1 or ±3 for ε̂), which the browser tiles and upscales as
``figures.denoiser.image_grid`` does; a point as the canvas pixel of its dot
(``figures.denoiser.point_pixels``). So every picture equals the PNG the page drew before,
and the payload is a quarter of float32's (its size per run: ``python -m benchmarks.browser
--views``). Scrubbing, the arrow keys and play then cost no server
round trip; when a gesture ends the sampler step goes back to Python (``frame``) and only
the fragments named in ``rerun`` run again.
``tests/ui/components/test_denoise_views.py`` runs the JavaScript against these functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike

from timestep_lab.figures.denoiser import (
    BACKGROUND,
    EPS_RANGE,
    GRID_GAP,
    POINT_BLUE,
    TRUTH_GREY,
    grid_columns,
    point_pixels,
)
from timestep_lab.figures.style import KIND_COLOURS
from timestep_lab.images.pixels import to_uint8
from timestep_lab.ui.components import define, json_bytes, rerun_fragments, typed_array
from timestep_lab.ui.page import presenter_mode

_mount = define("denoise_views", css="views.css")
OUTSIDE = 255  # a point's byte coordinates when its dot is off the canvas (size ≤ 255)


def _dots(points: ArrayLike, size: int) -> np.ndarray:
    """Each point's dot pixel (column, row) as bytes, ``OUTSIDE`` for one off the canvas;
    points (..., 2) of any leading shape (one run's frames at once)."""
    points = np.asarray(points)
    pixels = point_pixels(points.reshape(-1, 2), size=size).reshape(points.shape)
    return np.where(pixels < 0, OUTSIDE, pixels).astype(np.uint8)


def denoise_data(
    steps: Sequence[Any],
    timesteps: ArrayLike,
    alpha_bar: ArrayLike,
    *,
    kind: Sequence[str],
    convention: str,
    emb_dim: int,
    x0_title: str,
    width: int,
    truth: ArrayLike | None = None,
) -> dict:
    """What the browser needs to draw every kept step of a run (sent once per run).

    steps: the run's kept ``Step`` records (index, k, k_told, xk, eps_pred, x0_pred, encoding),
    in sampling order; xk etc. are digits (N, H, W) or points (N, 2). timesteps: every k the
    sampler visits (S,). alpha_bar: ᾱ_k (T,). kind: "sin", "cos" or "pad" for each column of
    P (``encodings.column_roles``). width: the widest a picture is drawn, in pixels (points:
    the canvas side, at most 255). truth: points of the true shape, drawn under x_k and x̂₀.
    """
    if not steps:
        raise ValueError("a run needs at least one kept step")
    alpha_bar = np.asarray(alpha_bar, dtype=np.float64)
    ks = np.array([s.k for s in steps])
    if ks.min() < 0 or ks.max() >= alpha_bar.size:
        raise ValueError(f"every k must be in 0 … {alpha_bar.size - 1}")
    encodings = np.stack([np.asarray(s.encoding) for s in steps])
    if len(kind) != encodings.shape[1]:
        raise ValueError(f"kind has {len(kind)} entries for {encodings.shape[1]} columns of P")
    stacked = {
        name: np.stack([np.asarray(getattr(s, field)) for s in steps])
        for name, field in (("xk", "xk"), ("eps", "eps_pred"), ("x0", "x0_pred"))
    }
    # ε̂ is drawn over ±EPS_RANGE: divided by it first, as sample_picture does
    ranges = {"xk": 1.0, "eps": EPS_RANGE, "x0": 1.0}
    if stacked["xk"].ndim == 4:
        pictures = {  # image_grid's grey levels, before tiling and upscaling
            name: typed_array(to_uint8(np.asarray(v, dtype=np.float64) / ranges[name]), "uint8")
            for name, v in stacked.items()
        }
        picture = {"kind": "digits", "columns": grid_columns(stacked["xk"].shape[1])}
        picture |= {"gap": GRID_GAP, "background": BACKGROUND}
    else:
        if not 2 <= width <= OUTSIDE:
            raise ValueError(f"width={width} must be in 2 … {OUTSIDE} for points")
        pictures = {
            name: typed_array(
                _dots(v.reshape(-1, 2) / ranges[name], width).reshape(v.shape), "uint8"
            )
            for name, v in stacked.items()
        }
        picture = {"kind": "points", "truth": None, "truthColour": TRUTH_GREY.tolist()}
        picture["pointColour"] = POINT_BLUE.tolist()
        picture["background"] = BACKGROUND
        if truth is not None:
            picture["truth"] = typed_array(_dots(truth, width), "uint8")
    arrays = {
        "index": typed_array([s.index for s in steps], "int32"),
        "k": typed_array(ks, "int32"),
        "kTold": typed_array([s.k_told for s in steps], "float64"),
        "encoding": typed_array(encodings, "float32"),
        "timesteps": typed_array(timesteps, "int32"),
        "alphaBar": typed_array(alpha_bar, "float64"),
        **pictures,
    }
    token = hashlib.blake2b(digest_size=8)
    for value in arrays.values():
        token.update(value["b64"].encode("ascii"))
    return {
        **arrays,
        **picture,
        "frames": len(steps),
        "width": int(width),
        "columnKind": list(kind),
        "kindColours": {name: KIND_COLOURS[name] for name in dict.fromkeys(kind)},
        "convention": convention,
        "embDim": int(emb_dim),
        "titles": {"eps": f"ε̂, the noise it predicts (drawn over ±{EPS_RANGE:g})", "x0": x0_title},
        "token": token.hexdigest(),
    }


def committed_frame(key: str) -> int | None:
    """The sampler step the view ``key`` sent last: its state is ``{"frame": {"index": 4,
    "n": "…"}}`` (``n`` makes every commit a new value, so the same step committed again
    still reaches Python). None if there is none, or it is not an int."""
    state = st.session_state.get(key) or {}
    value = state.get("frame") if hasattr(state, "get") else None
    index = value.get("index") if isinstance(value, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def denoise_step_view(
    data: dict,
    *,
    key: str,
    frame: int,
    frame_key: str,
    rerun: Sequence[str],
    encoded: bytes | None = None,
) -> None:
    """Mount the step view on ``data`` (``denoise_data``), showing kept frame ``frame`` first.

    Call it inside a fragment of its own. When a gesture ends, the sampler step shown goes to
    ``st.session_state[frame_key]`` (as sent: the reader checks it) and only the fragments
    keyed ``rerun`` run again, neither the page nor the view's fragment (which would send the
    frames again). When the commit reached a busy server together with a change that reruns
    the whole page (Streamlit merges such requests), the whole page runs, as it must.

    encoded: ``json_bytes(data)``, when the caller keeps it with ``data`` (a run's is written
    once): then a run encodes only the frame and the presenter flag.
    """
    if not 0 <= frame < data["frames"]:
        raise ValueError(f"frame={frame} must be in 0 … {data['frames'] - 1}")

    def committed() -> None:
        sent = committed_frame(key)
        if sent is not None:
            st.session_state[frame_key] = sent
        rerun_fragments(rerun)  # instead of the view's own fragment

    encoded = json_bytes(data) if encoded is None else encoded
    _mount(
        key=key,
        data=json_bytes({"frame": int(frame), "presenter": presenter_mode()}, before=encoded),
        on_frame_change=committed,
    )
