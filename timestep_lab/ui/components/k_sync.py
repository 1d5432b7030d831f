"""The timestep k shared by Python and the browser's views on a page.

Views drawn in the browser move k themselves (a drag, the arrow keys, play) and announce it
on the page; only when the gesture ends does k come back to Python, through a hidden bridge
beside the k slider. Both live in one fragment, so the rerun that follows redraws the slider
and writes the URL (``k``), and nothing else on the page is sent again.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from timestep_lab.ui.components import define
from timestep_lab.ui.controls import set_control
from timestep_lab.ui.page import is_hidden, register_control

_mount = define("k_sync")
BRIDGE_KEY = "_tl_k_sync"  # the bridge's widget state (session-only)
SEEN = "_tl_k_seen"  # k as the last run drew it


def _committed() -> None:
    """on_k_change: the browser committed k; set the control before the slider is drawn."""
    state = st.session_state.get(BRIDGE_KEY) or {}
    k = state.get("k") if hasattr(state, "get") else None
    if isinstance(k, int) and not isinstance(k, bool):
        set_control("k", k)


LINK_BRIDGE_KEY = "_tl_k_sync_link"  # a second bridge, in the fragment of "Copy link"


def _committed_for_link() -> None:
    """on_k_change of the link's bridge: the link to this view carries the committed k."""
    state = st.session_state.get(LINK_BRIDGE_KEY) or {}
    k = state.get("k") if hasattr(state, "get") else None
    if isinstance(k, int) and not isinstance(k, bool):
        register_control("k", k)


def link_bridge(k: int) -> None:
    """Mount a bridge beside the link to the view, so a k committed in the browser reaches it.

    The link is drawn at the end of the sidebar, outside the k control's fragment; this
    bridge reruns the link's own fragment when a gesture ends.
    """
    data = {"k": int(k), "role": "link"}
    _mount(key=LINK_BRIDGE_KEY, data=data, on_k_change=_committed_for_link, height=0)


def in_fragment_rerun() -> bool:
    """Whether this script run reruns only fragments (not the whole page)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def k_bridge(k: int) -> None:
    """Mount the hidden bridge that carries a committed k from the browser to Python."""
    _mount(key=BRIDGE_KEY, data={"k": int(k)}, on_k_change=_committed, height=0)


@st.fragment
def _k_fragment(draw: Callable[[], int]) -> int:
    k = draw()
    if in_fragment_rerun():
        if is_hidden("k"):  # a shown slider is bound to the URL and writes it itself
            st.query_params["k"] = str(k)
        if k != st.session_state.get(SEEN):
            st.session_state[SEEN] = k
            # The page also draws from k in Python (captions, x_k thumbnails, notes): once a
            # gesture has ended (or the slider moved), rerun it so no sentence shows an
            # older k than the views. During a drag nothing reaches the server.
            st.rerun()
    st.session_state[SEEN] = k
    k_bridge(k)
    return k


def synced_k_control(draw: Callable[[], int]) -> int:
    """Run ``draw`` (which draws the URL-bound k control and returns k) in a fragment.

    A k committed by a browser view (at the end of a gesture) reaches this fragment first:
    the slider moves to it and the URL follows; then the page reruns once, like a move of
    the slider itself, so everything Python draws from k stays right.
    """
    return _k_fragment(draw)
