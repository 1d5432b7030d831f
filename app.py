"""Timestep Lab: the router. Each page is a file in ``app_pages/``; its URL is fixed here.

The folder is not called ``pages/`` on purpose: Streamlit still treats a ``pages/`` folder
beside the main script as the old automatic multipage app until ``st.navigation`` has run
once in the process, so the first visitor after a server start who opened a deep link
(``/encoding``) would get that page without this router (no wide layout, a different
sidebar).
"""

import streamlit as st

from timestep_lab.ui.admission import import_outside_turn, page_turn
from timestep_lab.ui.memory import freeze_loaded_modules, note_activity, start_janitor
from timestep_lab.ui.page import (
    arrived_on,
    just_arrived,
    page_setup,
    requested_page,
    unknown_page_note,
)

# Once per process: a thread that returns memory to the OS after a class has gone (see
# timestep_lab/ui/memory.py for why and what it measured).
start_janitor()
note_activity()

st.set_page_config(page_title="Timestep Lab", page_icon="assets/favicon.png", layout="wide")
# presenter=1 (a projector): larger type, and the page list moves to the top so the sidebar
# holds only the controls.
presenter = page_setup()

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page(
        "app_pages/encoding.py",
        title="Encoding explorer",
        icon=":material/grid_on:",
        url_path="encoding",
    ),
    st.Page(
        "app_pages/noise.py",
        title="Noise levels",
        icon=":material/blur_on:",
        url_path="noise",
    ),
    st.Page(
        "app_pages/denoiser.py",
        title="Watch it denoise",
        icon=":material/auto_fix_high:",
        url_path="denoiser",
    ),
    st.Page(
        "app_pages/walkthrough.py",
        title="Walkthrough",
        icon=":material/school:",
        url_path="walkthrough",
    ),
    st.Page(
        "app_pages/train.py",
        title="Train it yourself",
        icon=":material/model_training:",
        url_path="train",
    ),
]

TORCH_PAGES = {"denoiser", "train"}  # pages whose modules import torch

requested = requested_page()
page = st.navigation(PAGES, position="top" if presenter else "sidebar")
unknown_page_note(requested, page, PAGES)  # /nosuchpage: say so, and list the pages
arrived_on(page.url_path)
# Whole-page runs take turns (a gesture before a page load), so that one busy class cannot make
# every run share the core at once; fragment reruns (k, Generate again) never wait here. See
# timestep_lab/ui/admission.py for why and what was measured. A model page's first visit in
# the process imports torch before its turn, not while every other learner waits.
if page.url_path in TORCH_PAGES:
    import_outside_turn(["torch"])
with page_turn(page_load=just_arrived()):
    page.run()
# After a page imported new modules (its first visit, torch with the denoiser), keep them out
# of the garbage collector's walks.
freeze_loaded_modules()
