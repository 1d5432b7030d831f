""" "Show code": the pure functions behind a figure, shown beside it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import streamlit as st


def show_code(*functions: Callable[..., Any], label: str = "Show code") -> None:
    """An expander with the source of each function, so a learner reads what drew the figure."""
    with st.expander(label, icon=":material/code:"):
        for function in functions:
            module = inspect.getmodule(function)
            where = f"{module.__name__}.{function.__qualname__}" if module else function.__name__
            st.caption(f"`{where}`")
            st.code(inspect.getsource(function), language="python")
