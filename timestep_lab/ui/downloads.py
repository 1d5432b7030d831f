"""Download buttons for slides and spreadsheets: PNG figures (matplotlib) and CSV tables."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import streamlit as st
from matplotlib.figure import Figure


def figure_png(figure: Figure, *, dpi: int = 150) -> bytes:
    """Render a matplotlib figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def png_download(
    label: str, make_figure: Callable[[], Figure], file_name: str, *, key: str
) -> None:
    """A button that renders the matplotlib figure only when clicked (no cost per rerun)."""
    st.download_button(
        label,
        data=lambda: figure_png(make_figure()),
        file_name=file_name,
        mime="image/png",
        key=key,
        icon=":material/image:",
        on_click="ignore",
    )


def csv_text(header: list[str], columns: list[np.ndarray]) -> str:
    """Columns of numbers as CSV text with a header row, full float64 precision."""
    table = np.column_stack(columns)
    buffer = io.StringIO()
    np.savetxt(buffer, table, delimiter=",", header=",".join(header), comments="", fmt="%.17g")
    return buffer.getvalue()


def csv_download(label: str, make_csv: Callable[[], str], file_name: str, *, key: str) -> None:
    """A button that builds the CSV only when clicked."""
    st.download_button(
        label,
        data=lambda: make_csv(),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/table:",
        on_click="ignore",
    )
