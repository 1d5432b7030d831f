"""URL-bound controls: every control that shapes a view lives in the URL under one key.

Each helper validates what the URL brought *before* the widget exists: a tampered, odd or
out-of-range value becomes the nearest valid one, and the learner sees a short note saying
so instead of a traceback. The widget itself is bound with ``bind="query-params"`` so moving
it updates the address bar, and a copied link reproduces the view.

A teacher can hide controls with ``hide=d,n``: a hidden control draws nothing and keeps the
value the link gave it (or its default).

The same key means the same thing on every page (shared NOTATION.md: ``d``, ``n``, ``T``,
``k``, ``layout``, ``schedule``, …).

The address bar always holds what the page shows: a corrected value is written back into the
URL before the widget binds to it (a value equal to the default leaves the URL, as Streamlit
does for defaults), so reloading or copying the link shows the same view. Numbers are read
strictly: ASCII digits, an optional sign, decimal point and exponent (no ``٣``, no ``1_0``,
no ``inf``); a value that rounds to something else (``1e-400`` → 0) gets a note, and so does
a key the link repeats (``?k=abc&k=5``: the last one is used).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Literal, TypeVar

import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from timestep_lab.ui.page import is_hidden, register_control, shown_text, url_text

T = TypeVar("T")
_UNSET = object()


def _store(key: str, hidden: bool) -> str:
    """Where a control's value lives: the widget's own key, or a slot for a hidden control."""
    return f"_hidden_{key}" if hidden else key


def set_control(key: str, value: Any) -> None:
    """Change a control's value from code (e.g. a Next button's callback), hidden or not."""
    st.session_state[_store(key, is_hidden(key))] = value


def _raw_url_value(key: str, *, hidden: bool, label: str) -> str | None:
    """The value the URL carried for ``key`` when this session first met the control.

    A key given more than once gets a note; the last value is the one read.
    """
    if _store(key, hidden) in st.session_state:
        return None  # already read in this session; the widget (or the slot) owns it now
    raw = st.query_params.get_all(key)
    if not raw:
        return None
    if len(raw) > 1:
        given = ", ".join(f"`{key}={shown_text(r, 16)}`" for r in raw[:4])
        more = " …" if len(raw) > 4 else ""
        st.warning(
            f"The link gives **{label}** {len(raw)} times ({given}{more}); using the last one.",
            icon=":material/link_off:",
        )
    return raw[-1]


def _rewrite_url(key: str, raw: str, value: Any) -> None:
    """Put the value shown into the address bar when the link said something else.

    Streamlit seeds a bound widget from the link as it first arrived (its own parser reads
    ``٣`` as 3 and ``1_0`` as 10, and it drops a key it clamps), so the corrected text
    replaces both that first snapshot and the current query before the widget binds to
    ``key``; the widget then takes the corrected value from the URL and keeps it there
    (or drops it when it is the default, as Streamlit does for defaults).
    """
    text = url_text(value)
    if text == raw and len(st.query_params.get_all(key)) == 1:
        return
    with get_session_state().query_params() as params:
        if params.is_bound(key):  # bound by an earlier run: the widget owns the key now
            return
        params._initial_query_params[key] = [text]  # Streamlit 1.67's seeding snapshot
        params[key] = text


def _note(label: str, key: str, raw: str, reason: str, used: Any) -> None:
    st.warning(
        f"The link asked for **{label}** `{key}={shown_text(raw)}`, {reason}. "
        f"Showing {used} instead.",
        icon=":material/link_off:",
    )


# A number as a link may write it: ASCII digits only (re.ASCII), no underscores, no inf/nan.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
BEYOND = 10**18  # any number past this is simply "too large" for every control here


def parse_number(raw: str) -> Decimal | None:
    """The exact number a URL string writes, or None when it is not written as one.

    ``٣`` (Arabic-Indic three), ``1_0`` and ``inf`` are not numbers here, although Python's
    own ``int``/``float`` accept them; ``1e-400`` is kept exactly (not rounded to 0).
    """
    text = raw.strip()
    return Decimal(text) if NUMBER.fullmatch(text) else None


def parse_int(raw: str) -> tuple[int | None, bool]:
    """Read a whole number from a URL string: (value, whether it was written as one).

    ``12`` and ``1e3`` are whole; ``12.9`` reads as 12, not whole (Streamlit's own URL
    parser truncates the same way, so the note and the slider agree); ``1e-400`` reads as
    0, not whole; text is (None, False). Magnitudes beyond 10¹⁸ read as ±10¹⁸.
    """
    value = parse_number(raw)
    if value is None:
        return None, False
    if value.copy_abs() > BEYOND:  # compared without arithmetic: 1e999999999 would overflow
        return (BEYOND if value > 0 else -BEYOND), True
    return int(value), value == int(value)


def _settle(key: str, hidden: bool, raw: str | None, corrected: Any) -> Any:
    """Remember a value read from the URL: the widget's state, or the hidden control's own."""
    store = _store(key, hidden)
    if raw is not None:
        st.session_state[store] = corrected
    return st.session_state.get(store, _UNSET) if hidden else _UNSET


def int_control(
    label: str,
    key: str,
    lo: int,
    hi: int,
    default: int,
    *,
    help: str | None = None,
    step: int = 1,
    on_change: Callable[[], None] | None = None,
) -> int:
    """A URL-bound integer slider on [lo, hi]; bad URL values become the nearest valid one.

    ``on_change``: the slider's callback (the k control reruns what follows k with it).
    """
    default = min(max(default, lo), hi)
    hidden = is_hidden(key)
    raw = _raw_url_value(key, hidden=hidden, label=label)
    corrected = None
    if raw is not None:
        value, whole = parse_int(raw)
        if value is None:
            _note(label, key, raw, "which is not a number", f"the default {default}")
            corrected = default
        elif not lo <= value <= hi:
            corrected = min(max(value, lo), hi)
            _note(label, key, raw, f"outside the valid range {lo} … {hi}", corrected)
        else:
            if not whole:
                _note(label, key, raw, "which is not a whole number", value)
            corrected = value
        _rewrite_url(key, raw, corrected)
    kept = _settle(key, hidden, raw, corrected)
    if hidden:
        value = default if kept is _UNSET else min(max(int(kept), lo), hi)
        return register_control(key, value)
    if raw is None and key in st.session_state:
        current = st.session_state[key]
        # another control moved the range (e.g. T shrank below k): follow silently
        if not isinstance(current, int) or not lo <= current <= hi:
            st.session_state[key] = min(max(int(current), lo), hi)
    if lo == hi:  # a slider needs a range; there is only one valid value
        st.session_state.pop(key, None)
        st.caption(f"{label}: {lo} (the only valid value here)")
        return register_control(key, lo)
    value = st.slider(
        label,
        lo,
        hi,
        default,
        step=step,
        key=key,
        help=help,
        on_change=on_change,
        bind="query-params",
    )
    return register_control(key, int(value))


def choice_control(
    label: str,
    key: str,
    options: Sequence[T],
    default: T,
    *,
    help: str | None = None,
    widget: str = "selectbox",
) -> T:
    """A URL-bound choice among ``options`` (``selectbox``, ``radio`` or ``segmented``).

    The options are shown as they are written in the URL: Streamlit 1.67 keeps a bound
    choice in the address bar only when the URL text equals the label it displays, so a
    friendlier label would silently drop the choice from copied links. Describe options in
    ``help`` or beside the control instead.
    """
    options = list(options)
    hidden = is_hidden(key)
    raw = _raw_url_value(key, hidden=hidden, label=label)
    corrected = None
    if raw is not None:
        by_text = {str(o): o for o in options}
        if raw in by_text:
            corrected = by_text[raw]
        else:
            valid = ", ".join(str(o) for o in options)
            reason = (
                f"which is empty (the choices: {valid})"
                if not raw.strip()
                else f"which is not one of {valid}"
            )
            _note(label, key, raw, reason, f"the default {default}")
            corrected = default
        _rewrite_url(key, raw, corrected)
    kept = _settle(key, hidden, raw, corrected)
    if hidden:
        return register_control(key, default if kept is _UNSET else kept)
    index = options.index(default)
    common = dict(key=key, help=help, bind="query-params")
    if widget == "radio":
        value = st.radio(label, options, index=index, horizontal=True, **common)
    elif widget == "segmented":
        value = st.segmented_control(label, options, default=default, required=True, **common)
        value = default if value is None else value
    else:
        value = st.selectbox(label, options, index=index, **common)
    return register_control(key, value)


def bool_control(label: str, key: str, default: bool, *, help: str | None = None) -> bool:
    """A URL-bound on/off toggle; the URL may say true/false, 1/0, yes/no, on/off."""
    hidden = is_hidden(key)
    raw = _raw_url_value(key, hidden=hidden, label=label)
    corrected = None
    if raw is not None:
        text = raw.strip().lower()
        if text in {"true", "1", "yes", "on"}:
            corrected = True
        elif text in {"false", "0", "no", "off"}:
            corrected = False
        else:
            _note(label, key, raw, "which is neither on nor off", f"the default ({default})")
            corrected = default
        _rewrite_url(key, raw, corrected)
    kept = _settle(key, hidden, raw, corrected)
    if hidden:
        return register_control(key, default if kept is _UNSET else bool(kept))
    value = st.toggle(label, value=default, key=key, help=help, bind="query-params")
    return register_control(key, bool(value))


def plain_number(value: float) -> str:
    """A number as a link writes it: 2 not 2.0, 1000000 not 1e+06, 0.5 as 0.5."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def grid_control(
    label: str,
    key: str,
    options: Sequence[float],
    default: float,
    *,
    help: str | None = None,
    scale: Literal["linear", "log"] = "linear",
) -> float:
    """A URL-bound slider over a few numbers; a URL number snaps to the nearest, with a note.

    scale: ``log`` snaps by ratio (and needs positive numbers), ``linear`` by difference
    (so the grid may hold 0, as guidance w does).
    """
    options = sorted(float(o) for o in options)
    hidden = is_hidden(key)
    raw = _raw_url_value(key, hidden=hidden, label=label)
    corrected = None
    if raw is not None:
        exact = parse_number(raw)
        value = math.nan if exact is None else float(exact)
        valid = math.isfinite(value) and (scale == "linear" or value > 0)
        if not valid:
            kind = "a positive number" if scale == "log" else "a number"
            _note(label, key, raw, f"which is not {kind}", f"the default {default:g}")
            corrected = float(default)
        else:
            distance = (
                (lambda o: abs(math.log(o) - math.log(value)))
                if scale == "log"
                else (lambda o: abs(o - value))
            )
            corrected = min(options, key=distance)
            # exact: 1e-400 is not the grid's 0, although it is as a float
            if Decimal(repr(corrected)) != exact and not (
                value != 0 and math.isclose(corrected, value, rel_tol=1e-9)
            ):
                lo, hi = options[0], options[-1]
                reason = (
                    f"outside the range {lo:g} … {hi:g}"
                    if not lo <= value <= hi
                    else "which is not one of this control's values"
                )
                _note(label, key, raw, reason, plain_number(corrected))
        _rewrite_url(key, raw, corrected)
    kept = _settle(key, hidden, raw, corrected)
    if hidden:
        return register_control(key, float(default if kept is _UNSET else kept))
    # The labels are written exactly as the URL writes the numbers: Streamlit keeps a bound
    # value in the address bar only when the URL text equals the label it displays.
    value = st.select_slider(
        label,
        options=options,
        value=float(default),
        key=key,
        help=help,
        format_func=plain_number,
        bind="query-params",
    )
    return register_control(key, float(value))


def log_control(
    label: str,
    key: str,
    options: Sequence[float],
    default: float,
    *,
    help: str | None = None,
) -> float:
    """A URL-bound slider over a log-spaced grid; a URL value snaps to the nearest grid point."""
    return grid_control(label, key, options, default, help=help, scale="log")


def tab_control(labels: Sequence[str], key: str) -> Sequence[Any]:
    """URL-bound tabs of which only the open one runs: draw a tab's content only while its
    ``.open`` is true. Returns the tab containers, in the order of ``labels``.

    A closed tab costs the server nothing: a page in tabs builds and sends only what its open
    tab shows. The URL holds the open tab's label (``?tab=Why+sinusoids``; the first tab
    leaves the URL, as a default does); a label the link gets wrong gets a note and the first
    tab. The controls inside a closed tab keep their values (Streamlit 1.67 keeps a URL-bound
    widget's value while it is not drawn); the URL and "Copy link" carry only what the open
    tab shows. Each page opens on its first tab unless its link names another.
    """
    labels = list(labels)
    raw = _raw_url_value(key, hidden=False, label="Tab")
    if raw is not None:
        if raw not in labels:
            valid = ", ".join(labels)
            _note("Tab", key, raw, f"which is not one of {valid}", f"“{labels[0]}”")
        _rewrite_url(key, raw, raw if raw in labels else labels[0])
    tabs = st.tabs(labels, key=key, bind="query-params")
    shown = next((label for label, tab in zip(labels, tabs, strict=True) if tab.open), labels[0])
    register_control(key, shown)
    return tabs
