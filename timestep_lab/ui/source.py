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


def show_code(*functions: Callable[..., Any], label: str = "Show code") -> None:
    """An expander with the source of each function, so a learner reads what drew the figure.

    One code block for all of them: every element is a message the server builds and sends on
    each run of the page, and a page shows a dozen of these expanders.
    """
    with st.expander(label, icon=":material/code:"):
        st.code(code_text(*functions), language="python")
