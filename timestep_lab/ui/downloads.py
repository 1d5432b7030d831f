"""Download buttons for slides and spreadsheets: PNG figures (matplotlib), CSV tables, and
large matrices as compressed float32 ``.npz``.

Every file is built only when its button is clicked (a callable ``data=``), never on a rerun,
and a table is offered as CSV only up to ``MAX_CSV_CELLS`` numbers: the full 4000 × 1024
matrix P is ~80 MB of text and seconds of CPU per click, but ~15 MB as float32 ``.npz``.
"""

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


def _download_on_click(
    label: str, make: Callable[[], bytes | str], file_name: str, mime: str, icon: str, key: str
) -> None:
    """A download button whose file is built by ``make`` only when clicked (no cost per rerun)."""
    st.download_button(
        label, data=make, file_name=file_name, mime=mime, key=key, icon=icon, on_click="ignore"
    )


def png_download(
    label: str, make_figure: Callable[[], Figure], file_name: str, *, key: str
) -> None:
    """A button that renders the matplotlib figure only when clicked (no cost per rerun)."""
    _download_on_click(
        label, lambda: figure_png(make_figure()), file_name, "image/png", ":material/image:", key
    )


def csv_text(header: list[str], columns: list[np.ndarray]) -> str:
    """Columns of numbers as CSV text with a header row, full float64 precision."""
    table = np.column_stack(columns)
    buffer = io.StringIO()
    np.savetxt(buffer, table, delimiter=",", header=",".join(header), comments="", fmt="%.17g")
    return buffer.getvalue()


MAX_CSV_CELLS = 2**20  # ~20 MB of CSV text at full precision


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Arrays as a compressed ``.npz`` (``np.load`` reads it), floats stored as float32."""
    buffer = io.BytesIO()
    small = {name: a.astype(np.float32) if a.dtype.kind == "f" else a for name, a in arrays.items()}
    np.savez_compressed(buffer, **small)
    return buffer.getvalue()


def npz_download(
    label: str, make_arrays: Callable[[], dict[str, np.ndarray]], file_name: str, *, key: str
) -> None:
    """A button that builds the compressed float32 ``.npz`` only when clicked."""
    _download_on_click(
        label,
        lambda: npz_bytes(make_arrays()),
        file_name,
        "application/octet-stream",
        ":material/data_array:",
        key,
    )


def csv_download(label: str, make_csv: Callable[[], str], file_name: str, *, key: str) -> None:
    """A button that builds the CSV only when clicked."""
    _download_on_click(label, make_csv, file_name, "text/csv", ":material/table:", key)
