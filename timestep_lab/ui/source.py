""" "Show code": the pure functions behind a figure, shown beside it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

import streamlit as st


@cache
def source_of(function: Callable[..., Any]) -> tuple[str, str]:
    """(dotted name, source text) of a function, read from disk once per process."""
    module = inspect.getmodule(function)
    where = f"{module.__name__}.{function.__qualname__}" if module else function.__name__
    return where, inspect.getsource(function)


def code_text(*functions: Callable[..., Any]) -> str:
    """The sources of ``functions``, each under a comment naming where it lives."""
    return "\n\n".join(f"# {where}\n{source}" for where, source in map(source_of, functions))


def show_code(
    *functions: Callable[..., Any], label: str = "Show code", key: str | None = None
) -> None:
    """An expander with the source of each function, so a learner reads what drew the figure.

    The code is sent only once the learner opens the expander: opening it reruns this
    expander's own fragment, not the page. A page shows about nine of these; sent closed on
    every run, their code blocks were nine more messages for the server to build and send
    (about 0.25 ms of CPU each), and made every learner's browser load and run the code
    highlighter before the page's first figures. One code block for all the functions.

    ``key`` names the expander (its open state); by default the functions' dotted names. Pass
    one when a page shows the same functions twice.
    """
    names = ",".join(where for where, _ in map(source_of, functions))
    _code_expander(functions, label, key or f"code:{names}")


@st.fragment
def _code_expander(functions: tuple[Callable[..., Any], ...], label: str, key: str) -> None:
    with st.expander(label, icon=":material/code:", key=key, on_change="rerun") as box:
        if box.open:
            st.code(code_text(*functions), language="python")
