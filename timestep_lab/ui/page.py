"""What every page does around its content: classroom settings from the URL, the link to the
current view, and figures drawn at presenter size.

URL keys: ``presenter=1`` enlarges text and figures for a projector; ``hide=d,n`` hides the
named controls (they keep the value the link gives them). Each page calls ``page_setup()``
first and ``link_to_view()`` after its controls.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_CONTROLS = "_tl_controls"  # session-state slot: the controls drawn in this run
_CLASSROOM = "_tl_classroom"  # session-state slot: presenter flag and hidden keys
_PAGE, _ARRIVED = "_tl_page", "_tl_arrived"  # the page of the last run; whether it changed
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,23}$")
MAX_HIDDEN = 32
PRESENTER_SCALE = 1.3

# Static CSS (no user content): larger type for a projector.
PRESENTER_CSS = """
<style>
[data-testid="stMainBlockContainer"] { font-size: 1.3rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li,
[data-testid="stCaptionContainer"] { font-size: 1.25rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 3.2rem; }
[data-testid="stMainBlockContainer"] h2, [data-testid="stMainBlockContainer"] h3 {
  font-size: 2.1rem;
}
</style>
"""


def _truthy(raw: str | None) -> bool | None:
    if raw is None:
        return False
    text = raw.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    return None


def read_classroom_settings() -> tuple[bool, frozenset[str], list[str]]:
    """Presenter mode and hidden controls from the URL, with notes on anything unusable."""
    notes = []
    presenter = _truthy(st.query_params.get("presenter"))
    if presenter is None:
        notes.append("`presenter` should be 1 or 0; presenter mode is off.")
        presenter = False
    hidden: set[str] = set()
    for raw in st.query_params.get_all("hide"):
        for name in raw.split(","):
            name = name.strip()
            if not name:
                continue
            if not KEY_PATTERN.match(name):
                notes.append("`hide` lists names of controls, like `hide=d,n`; ignored one.")
            elif len(hidden) >= MAX_HIDDEN:
                notes.append(f"`hide` lists more than {MAX_HIDDEN} names; ignored the rest.")
                break
            else:
                hidden.add(name)
    return presenter, frozenset(hidden), sorted(set(notes))


def shown_text(raw: str, limit: int = 40) -> str:
    """A URL value made safe to quote in a note: printable, no backticks, not too long."""
    text = "".join(c if c.isprintable() and c != "`" else "?" for c in raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def requested_page() -> str:
    """The page path the browser asked for (``nosuchpage`` for ``/nosuchpage``; '' for /)."""
    ctx = get_script_run_ctx()
    if ctx is None or ctx.pages_manager.intended_page_script_hash:
        return ""  # a click in the page list names a page that exists
    return ctx.pages_manager.intended_page_name or ""


def unknown_page_note(requested: str, shown: st.Page, pages: list[st.Page]) -> None:
    """Say that the link's page does not exist, and link to the pages that do."""
    if not requested or requested == shown.url_path:
        return
    with st.container(border=True, key="unknown_page"):
        st.warning(
            f"This app has no page `/{shown_text(requested)}`; showing {shown.title} instead. "
            "The pages:",
            icon=":material/link_off:",
        )
        for page in pages:
            st.page_link(page)


def arrived_on(page_path: str) -> None:
    """Note which page this run shows, so controls can tell a page switch from a rerun."""
    st.session_state[_ARRIVED] = st.session_state.get(_PAGE) != page_path
    st.session_state[_PAGE] = page_path


def just_arrived() -> bool:
    """Whether this run is the first on its page since the learner came from another page."""
    return st.session_state.get(_ARRIVED, True)


def page_setup() -> bool:
    """Start a page: read presenter/hide from the URL and reset this run's control list.

    Returns whether presenter mode is on.
    """
    presenter, hidden, notes = read_classroom_settings()
    st.session_state[_CLASSROOM] = (presenter, hidden)
    st.session_state[_CONTROLS] = {}
    from timestep_lab.ui.components.k_sync import reset_followers  # it imports this module

    reset_followers()
    for note in notes:
        st.warning(note, icon=":material/link_off:")
    if presenter:
        st.html(PRESENTER_CSS)
    return presenter


def presenter_mode() -> bool:
    return st.session_state.get(_CLASSROOM, (False, frozenset()))[0]


def is_hidden(key: str) -> bool:
    """Whether the link asked to hide the control with this URL key."""
    return key in st.session_state.get(_CLASSROOM, (False, frozenset()))[1]


def register_control(key: str, value: Any) -> Any:
    """Record a control's current value for the link to this view; returns the value."""
    st.session_state.setdefault(_CONTROLS, {})[key] = value
    return value


def control_value(key: str) -> Any:
    """A control's value as this run drew it (None when the page has no such control)."""
    return st.session_state.get(_CONTROLS, {}).get(key)


def url_text(value: Any) -> str:
    """A control's value as the link writes it: true/false, 2 not 2.0, text as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def view_query() -> dict[str, str]:
    """The URL query that reproduces this view: every control, plus the classroom settings."""
    query = {key: url_text(v) for key, v in st.session_state.get(_CONTROLS, {}).items()}
    presenter, hidden = st.session_state.get(_CLASSROOM, (False, frozenset()))
    if hidden:
        query["hide"] = ",".join(sorted(hidden))
    if presenter:
        query["presenter"] = "1"
    return query


def link_to_view() -> None:
    """A "Copy link to this view" popover holding the full URL of what is on screen.

    On a page with a k control, the link follows k (``ui/components/k_sync.py``): it reruns
    after the k control's fragment when the slider or a browser view moves k.
    """
    if "k" in st.session_state.get(_CONTROLS, {}):
        from timestep_lab.ui.components.k_sync import k_follower  # it imports this module

        k_follower("link")(_link)()
    else:
        _link()


def _link() -> None:
    base = st.context.url or ""
    link = f"{base}?{urlencode(view_query())}" if view_query() else base
    with st.popover("Copy link to this view", icon=":material/link:", width="stretch"):
        st.caption(
            "Anyone who opens this link sees this page with the same settings (and the same "
            "random seed). Add `&presenter=1` for a projector, `&hide=d,n` to hide controls."
        )
        st.code(link, language=None, wrap_lines=True)


class SharedFigure(go.Figure):
    """A figure built once (a cached resource) and drawn in many runs and sessions.

    Streamlit turns a figure into a plain dict on every draw (``to_dict``: a deep copy that
    base64-encodes each numpy array, about 1 ms an array through narwhals); a shared figure
    does that once and keeps the dict, and keeps its presenter-size twin too. Make one with
    ``shared_figure(figure)``. It is not meant to change afterwards (every session reads it),
    but if it does, plotly tells it (the ``_send_*`` hooks its widgets use, called on every
    change of a trace, the layout or the list of traces) and it forgets what it kept.
    """

    _sent: dict[str, Any] | None = None
    _presenter: SharedFigure | None = None

    def to_dict(self) -> dict[str, Any]:
        if self._sent is None:
            self._sent = super().to_dict()
        return self._sent

    def presenter_twin(self) -> SharedFigure:
        if self._presenter is None:
            self._presenter = shared_figure(presenter_size(self))
        return self._presenter

    def _changed(self, *args: Any, **kwargs: Any) -> None:
        self._sent = self._presenter = None

    _send_update_msg = _send_relayout_msg = _send_restyle_msg = _changed
    _send_addTraces_msg = _send_deleteTraces_msg = _send_moveTraces_msg = _changed


def shared_figure(figure: go.Figure) -> SharedFigure:
    """``figure`` itself, made a ``SharedFigure`` (no copy: building one is the cost saved).

    Hand it a figure just built, that nothing else holds or changes.
    """
    if not isinstance(figure, SharedFigure):
        figure.__class__ = SharedFigure  # same layout, one method more: no data moves
    return figure


def presenter_size(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` with its height and font enlarged for a projector."""
    height = figure.layout.height or 400
    font = figure.layout.font.size or 13
    return go.Figure(figure).update_layout(
        height=int(height * PRESENTER_SCALE), font_size=int(font * PRESENTER_SCALE)
    )


def plot(figure: go.Figure, *, key: str) -> None:
    """Draw a plotly figure, larger in presenter mode.

    A ``SharedFigure`` (cached per setting) costs only its JSON text per draw.
    """
    if presenter_mode():
        if isinstance(figure, SharedFigure):
            figure = figure.presenter_twin()
        else:
            figure = presenter_size(figure)
    st.plotly_chart(figure, key=key)
