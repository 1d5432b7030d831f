"""What every Streamlit page needs, written once: URL-bound controls, "Show code", downloads.

This is the only package besides ``pages/`` that imports Streamlit.
"""

from timestep_lab.ui.controls import (
    bool_control,
    choice_control,
    int_control,
    log_control,
    parse_int,
)
from timestep_lab.ui.downloads import csv_download, png_download
from timestep_lab.ui.source import show_code

__all__ = [
    "bool_control",
    "choice_control",
    "csv_download",
    "int_control",
    "log_control",
    "parse_int",
    "png_download",
    "show_code",
]
