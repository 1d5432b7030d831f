"""The timestep k shared by Python and the browser's views on a page.

Views drawn in the browser move k themselves (a drag, the arrow keys, play) and announce it
on the page; only when the gesture ends does k come back to Python, through a hidden bridge
beside the k slider.

What reruns then is only what Python draws from k, never the whole page: the k control sits
in a keyed fragment, and every part of a page that Python draws from k (a caption, a
thumbnail, "Copy link") is a *follower*, a keyed fragment declared with ``k_follower`` that
reads k with ``followed_k()``. A committed k (from a view or from the slider itself) reruns
the k control's fragment and then the followers drawn in the page's last full run, in one
script run (``st.rerun`` with fragment keys, Streamlit ≥ 1.55). The browser views keep the
data they were sent (x₀, ε, ᾱ; d, n, T) and are not sent again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from timestep_lab.ui.components import define, fragment_run, rerun_fragments
from timestep_lab.ui.controls import set_control
from timestep_lab.ui.page import control_value, is_hidden

_mount = define("k_sync")
BRIDGE_KEY = "_tl_k_sync"  # the bridge's widget state (session-only)
K_FRAGMENT = "tl:k"  # the k control's fragment
FOLLOWERS = "_tl_k_followers"  # keys of the followers drawn in the page's last full run

P = ParamSpec("P")
R = TypeVar("R")


def reset_followers() -> None:
    """Forget the followers of the previous page (``page_setup`` calls this on a full run)."""
    st.session_state[FOLLOWERS] = []


def followers() -> list[str]:
    """The fragment keys that a committed k reruns, the k control's first."""
    return [K_FRAGMENT, *st.session_state.get(FOLLOWERS, [])]


def k_follower(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare a part of a page that Python draws from k: it reruns, alone, when k moves.

    The decorated function is a keyed fragment (``tl:NAME``). On its reruns Streamlit calls it
    with the arguments of the last full run, so it must take k from ``followed_k()``, not from
    an argument; everything else it is given (the schedule, x₀, ε, d, n) only changes in a
    full run.
    """
    key = f"tl:{name}"

    def decorate(draw: Callable[P, R]) -> Callable[P, R]:
        fragment = st.fragment(draw, key=key)

        @functools.wraps(draw)
        def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
            keys = st.session_state.setdefault(FOLLOWERS, [])
            if key not in keys:
                keys.append(key)
            return fragment(*args, **kwargs)

        return drawn

    return decorate


def followed_k() -> int:
    """k as the k control has it now (its fragment runs before every follower)."""
    k = control_value("k")
    if not isinstance(k, int):
        raise ValueError("followed_k() needs the page's k control (timestep_controls) first")
    return k


def rerun_followers() -> None:
    """From the k control's callbacks: rerun its fragment and the followers, not the page
    (``rerun_fragments``: only on the k fragment's own request; an unknown key reruns all)."""
    rerun_fragments(followers())


def committed_k(state: object) -> int | None:
    """The k a bridge state carries: ``{"k": {"k": 105, "n": "…"}}`` (``n`` makes every
    commit a new value, so committing the same k twice still reaches the callback)."""
    value = state.get("k") if hasattr(state, "get") else None
    k = value.get("k") if isinstance(value, dict) else None
    return k if isinstance(k, int) and not isinstance(k, bool) else None


def _committed() -> None:
    """on_k_change: the browser committed k; set the control, rerun what follows k."""
    k = committed_k(st.session_state.get(BRIDGE_KEY) or {})
    if k is not None:
        set_control("k", k)
        rerun_followers()


def k_bridge(k: int) -> None:
    """Mount the hidden bridge that carries a committed k from the browser to Python."""
    _mount(key=BRIDGE_KEY, data={"k": int(k)}, on_k_change=_committed, height=0)


def _k_fragment(draw: Callable[[Callable[[], None]], int]) -> int:
    k = draw(rerun_followers)
    if fragment_run() and is_hidden("k"):
        st.query_params["k"] = str(k)  # a shown slider is bound to the URL and writes it
    k_bridge(k)
    return k


def synced_k_control(draw: Callable[[Callable[[], None]], int]) -> int:
    """Run ``draw(on_change)`` (which draws the URL-bound k control and returns k) in the
    k fragment; the control's ``on_change`` reruns the followers when the slider moves.
    """
    return st.fragment(_k_fragment, key=K_FRAGMENT)(draw)
