"""What every Streamlit page needs, written once: URL-bound controls, "Show code", downloads.

This is the only package besides ``pages/`` that imports Streamlit.
"""

from timestep_lab.ui.controls import (
    bool_control,
    choice_control,
    grid_control,
    int_control,
    log_control,
    parse_int,
    tab_control,
)
from timestep_lab.ui.downloads import csv_download, png_download
from timestep_lab.ui.page import link_to_view, page_setup, plot, presenter_mode, shared_figure
from timestep_lab.ui.source import show_code

__all__ = [
    "bool_control",
    "choice_control",
    "csv_download",
    "grid_control",
    "int_control",
    "link_to_view",
    "log_control",
    "page_setup",
    "parse_int",
    "plot",
    "png_download",
    "presenter_mode",
    "shared_figure",
    "show_code",
    "tab_control",
]
