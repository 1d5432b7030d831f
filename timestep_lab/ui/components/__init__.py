"""Browser components: views drawn by the browser from data sent once (Streamlit components v2).

Why: a view whose only changing input is the timestep k should answer a drag within a frame.
Python sends the arrays the view needs once (d, n, T and the layout; x₀, ε and the ᾱ table;
a run's kept frames) and the browser derives every frame itself, so moving k sends nothing to
the server until the drag ends. Nothing is loaded from outside the app: no CDN, no font, no
iframe, no build step.

How to add a component (one concept per file, the JavaScript beside the Python that mounts it):

1. Write ``timestep_lab/ui/components/NAME.js``: an ES module whose default export is
   ``function ({data, parentElement, setStateValue, setTriggerValue})``. Streamlit calls it
   again, with the same ``parentElement``, whenever ``data`` changes: keep the instance's
   state on the element (a ``WeakMap``), redraw from the new data and return a cleanup that
   stops timers and listeners. Open it with the notation glossary of the Python it mirrors
   and use the same names (``timestepEmbedding``, ``alphaBar``, ``k``, ``d``, ``n``). Build
   the DOM with ``createElement``/``textContent`` (never ``innerHTML`` with data); export
   pure functions by name so tests can run them (``tests/ui/components/``).
2. Optionally ``NAME.css`` beside it (scoped: the component lives in a shadow root), or
   ``define(NAME, css="views.css")`` for the timestep views' shared look.
3. In ``NAME.py``: ``mount = define("NAME")`` once at import, then a function that builds the
   data (float arrays through ``typed_array``) and calls
   ``mount(key=..., data=..., on_<state>_change=...)``.

A view that moves k announces it on the page (``timestep-lab:k`` events, see
``k_sync.js``); ``timestep_lab.ui.components.k_sync`` carries k back to Python when a drag
ends, in a fragment that reruns only the k control.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

HERE = Path(__file__).resolve().parent
PREFIX = "timestep_lab_"  # component names are global to the app: one prefix for ours

_TYPED = {"float64": "<f8", "float32": "<f4", "uint8": "u1", "int32": "<i4"}


@cache
def source(filename: str) -> str | None:
    """The text of a file beside this module, read from disk once per process."""
    path = HERE / filename
    return path.read_text(encoding="utf-8") if path.exists() else None


def define(name: str, *, css: str | None = None, html: str | None = None) -> Any:
    """Register component ``name`` from ``name.js`` and ``css`` (default ``name.css``, if any).

    ``views.css`` is the shared look of the timestep views (toolbar, canvas, readout).
    Returns Streamlit's mounting command. Call once per component, at import time.
    """
    js = source(f"{name}.js")
    if js is None:
        raise ValueError(f"component {name!r} has no {name}.js in {HERE}")
    return st.components.v2.component(
        PREFIX + name, js=js, css=source(css or f"{name}.css"), html=html, isolate_styles=True
    )


def rerun_fragments(keys: Sequence[str]) -> None:
    """From a component's or widget's callback: rerun only the fragments keyed ``keys``.

    Only when the request was a fragment's own (a widget inside it changed): when it was
    merged with a change that reruns the whole page (Streamlit merges requests that arrive
    while a run is busy), return, and the whole page runs, as it must. A key Streamlit does
    not know (a fragment the last full run did not reach) falls back to a whole-page rerun.
    """
    ctx = get_script_run_ctx()
    if not keys or ctx is None or not ctx.fragment_ids_this_run:
        return
    try:
        st.rerun(list(keys))
    except StreamlitAPIException:
        st.rerun()


def typed_array(values: ArrayLike, dtype: str = "float64") -> dict[str, Any]:
    """An array for the browser: base64 of its little-endian bytes, its dtype and shape.

    The JavaScript side reads it with ``new Float64Array(bytes.buffer)`` (or Float32Array,
    Uint8Array, Int32Array): one base64 string instead of one JSON number per value.
    """
    if dtype not in _TYPED:
        raise ValueError(f"dtype={dtype!r} is not one of {', '.join(_TYPED)}")
    array = np.ascontiguousarray(np.asarray(values), dtype=_TYPED[dtype])
    return {
        "dtype": dtype,
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def read_typed_array(payload: dict[str, Any]) -> np.ndarray:
    """The inverse of ``typed_array`` (tests and the benchmarks read payloads back)."""
    raw = base64.b64decode(payload["b64"])
    return np.frombuffer(raw, dtype=_TYPED[payload["dtype"]]).reshape(payload["shape"])
