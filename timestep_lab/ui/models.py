"""The shipped denoisers for the pages that use them: loaded once per process, read-only.

Importing this module imports torch, so only model pages import it (the encoding and noise
pages, and the app's start, stay free of torch).
"""

from __future__ import annotations

import streamlit as st
import torch

from timestep_lab import models
from timestep_lab.models.pretrained import weights_paths


def weights_stamp(name: str) -> tuple[int, int] | None:
    """Size and time of the weights file, so retrained weights replace the cached model."""
    try:
        stat = weights_paths(name)[0].stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


@st.cache_resource(max_entries=len(models.MODEL_NAMES), show_spinner="Loading the denoiser…")
def _load(name: str, stamp: tuple[int, int] | None):
    # One thread per run: on a small shared CPU, two threads made sampling several times
    # slower, and a class runs many sessions at once.
    torch.set_num_threads(1)
    return models.load_pretrained(name)  # used read-only from here on, by every session


def cached_model(name: str):
    """(model, card) for a shipped model name; raises WeightsError (a ValueError) if broken."""
    return _load(name, weights_stamp(name))
