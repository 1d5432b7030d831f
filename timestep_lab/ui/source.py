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


def show_code(*functions: Callable[..., Any], label: str = "Show code") -> None:
    """An expander with the source of each function, so a learner reads what drew the figure."""
    with st.expander(label, icon=":material/code:"):
        for function in functions:
            where, source = source_of(function)
            st.caption(f"`{where}`")
            st.code(source, language="python")
