"""URL-bound controls: every control that shapes a view lives in the URL under one key.

Each helper validates what the URL brought *before* the widget exists: a tampered, odd or
out-of-range value becomes the nearest valid one, and the learner sees a short note saying
so instead of a traceback. The widget itself is bound with ``bind="query-params"`` so moving
it updates the address bar, and a copied link reproduces the view.

The same key means the same thing on every page (shared NOTATION.md: ``d``, ``n``, ``T``,
``k``, ``layout``, ``schedule``, …).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def _raw_url_value(key: str) -> str | None:
    """The value the URL carried for ``key`` when this session first met the control."""
    if key in st.session_state:
        return None  # already validated in this session; the widget owns the value now
    raw = st.query_params.get_all(key)
    if not raw:
        return None
    return raw[-1]


def _note(label: str, key: str, raw: str, reason: str, used: Any) -> None:
    shown = raw if len(raw) <= 40 else raw[:37] + "…"
    st.warning(
        f"The link asked for **{label}** `{key}={shown}`, {reason}. Showing {used} instead.",
        icon=":material/link_off:",
    )


def parse_int(raw: str) -> tuple[int | None, bool]:
    """Read a whole number from a URL string: (value, whether it was written as one).

    ``12`` and ``1e3`` are whole; ``12.9`` reads as 12, not whole (Streamlit's own URL
    parser truncates the same way, so the note and the slider agree); text is (None, False).
    """
    text = raw.strip()
    try:
        return int(text), True
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None, False
    if not math.isfinite(value):
        return None, False
    return int(value), value == int(value)


def int_control(
    label: str,
    key: str,
    lo: int,
    hi: int,
    default: int,
    *,
    help: str | None = None,
    step: int = 1,
) -> int:
    """A URL-bound integer slider on [lo, hi]; bad URL values become the nearest valid one."""
    default = min(max(default, lo), hi)
    raw = _raw_url_value(key)
    if raw is not None:
        value, whole = parse_int(raw)
        if value is None:
            _note(label, key, raw, "which is not a number", f"the default {default}")
            st.session_state[key] = default
        elif not lo <= value <= hi:
            nearest = min(max(value, lo), hi)
            _note(label, key, raw, f"outside the valid range {lo} … {hi}", nearest)
            st.session_state[key] = nearest
        else:
            if not whole:
                _note(label, key, raw, "which is not a whole number", value)
            st.session_state[key] = value
    elif key in st.session_state:
        current = st.session_state[key]
        # another control moved the range (e.g. T shrank below k): follow silently
        if not isinstance(current, int) or not lo <= current <= hi:
            st.session_state[key] = min(max(int(current), lo), hi)
    if lo == hi:  # a slider needs a range; there is only one valid value
        st.session_state.pop(key, None)
        st.caption(f"{label}: {lo} (the only valid value here)")
        return lo
    return int(
        st.slider(label, lo, hi, default, step=step, key=key, help=help, bind="query-params")
    )


def choice_control(
    label: str,
    key: str,
    options: Sequence[T],
    default: T,
    *,
    help: str | None = None,
    format_func: Callable[[T], str] = str,
    widget: str = "selectbox",
) -> T:
    """A URL-bound choice among ``options`` (``selectbox``, ``radio`` or ``segmented``)."""
    options = list(options)
    raw = _raw_url_value(key)
    if raw is not None:
        by_text = {str(o): o for o in options}
        if raw in by_text:
            st.session_state[key] = by_text[raw]
        else:
            valid = ", ".join(str(o) for o in options)
            _note(label, key, raw, f"which is not one of {valid}", f"the default {default}")
            st.session_state[key] = default
    index = options.index(default)
    common = dict(key=key, help=help, format_func=format_func, bind="query-params")
    if widget == "radio":
        return st.radio(label, options, index=index, horizontal=True, **common)
    if widget == "segmented":
        value = st.segmented_control(label, options, default=default, required=True, **common)
        return default if value is None else value
    return st.selectbox(label, options, index=index, **common)


def bool_control(label: str, key: str, default: bool, *, help: str | None = None) -> bool:
    """A URL-bound on/off toggle; the URL may say true/false, 1/0, yes/no, on/off."""
    raw = _raw_url_value(key)
    if raw is not None:
        text = raw.strip().lower()
        if text in {"true", "1", "yes", "on"}:
            st.session_state[key] = True
        elif text in {"false", "0", "no", "off"}:
            st.session_state[key] = False
        else:
            _note(label, key, raw, "which is neither on nor off", f"the default ({default})")
            st.session_state[key] = default
    return bool(st.toggle(label, value=default, key=key, help=help, bind="query-params"))


def log_control(
    label: str,
    key: str,
    options: Sequence[float],
    default: float,
    *,
    help: str | None = None,
    format_func: Callable[[float], str] = lambda v: f"{v:g}",
) -> float:
    """A URL-bound slider over a log-spaced grid; a URL value snaps to the nearest grid point."""
    options = sorted(options)
    raw = _raw_url_value(key)
    if raw is not None:
        try:
            value = float(raw.strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            _note(label, key, raw, "which is not a positive number", f"the default {default:g}")
            st.session_state[key] = default
        else:
            nearest = min(options, key=lambda o: abs(math.log(o) - math.log(value)))
            if not math.isclose(nearest, value, rel_tol=1e-9):
                _note(label, key, raw, "which is not on this control's grid", f"{nearest:g}")
            st.session_state[key] = nearest
    return float(
        st.select_slider(
            label,
            options=options,
            value=default,
            key=key,
            help=help,
            format_func=format_func,
            bind="query-params",
        )
    )
