"""Denoiser page: what it keeps across runs and sessions, made once per process.

In a module of its own, not in the page script: Streamlit runs a page's file anew on every
rerun, and each cache decorator there reads its function's source again (``inspect``, a few
ms a run under py-spy); here they are made once per process.
"""

import numpy as np
import streamlit as st

from timestep_lab.encodings import column_roles
from timestep_lab.figures import denoiser as fig
from timestep_lab.images.pixels import png_data_url
from timestep_lab.models.data import sample_2d
from timestep_lab.ui import shared_figure
from timestep_lab.ui.components import json_bytes
from timestep_lab.ui.components.denoise_views import denoise_data
from timestep_lab.ui.page import SharedFigure
from timestep_lab.ui.trajectories import Trajectory, TrajectoryStore

SETTLED = 0.1  # RMS distance to the finished samples that counts as "already there"


@st.cache_resource
def trajectory_store() -> TrajectoryStore:
    return TrajectoryStore(max_entries=32, max_bytes=128 * 2**20)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_truth(dataset: str) -> np.ndarray:
    return sample_2d(dataset, 1500, seed=1001)  # a fresh draw, not the training points


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_animation(key: tuple, _run: Trajectory, _alpha_bar: np.ndarray, _truth) -> SharedFigure:
    """The playback animation of the run stored under ``key`` (what ``run_key`` returns).

    Built once per run, not on every rerun: 40 frames cost ~40 ms of the server's time.
    The arguments after ``key`` follow from it (model, settings), so only ``key`` is hashed.
    Shared read-only between sessions, like the run itself.
    """
    return shared_figure(fig.trajectory_animation_figure(_run.steps, _alpha_bar, truth=_truth))


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_step_data(
    key: tuple, _run: Trajectory, _alpha_bar, _description, _truth, x0_title: str, width: int
) -> tuple[dict, bytes]:
    """What the step view is sent for the run stored under ``key`` (``run_key``), and the same
    as it travels (``json_bytes``): built once.

    Shared read-only between sessions, like the run; the arguments after ``key`` follow from it.
    """
    _, kind = column_roles(_description["enc_dim"], convention=_description["convention"])
    data = denoise_data(
        _run.steps,
        _run.timesteps,
        _alpha_bar,
        kind=kind.tolist(),
        convention=_description["convention"],
        emb_dim=_description["emb_dim"],
        x0_title=x0_title,
        width=width,
        truth=_truth,
    )
    return data, json_bytes(data)


def settled(run: Trajectory, field: str) -> int:
    """The first kept timestep k at which ``field`` (xk or x0_pred) is within RMS ``SETTLED``
    of the finished samples."""
    for step in run.steps:
        if np.sqrt(np.mean((getattr(step, field) - run.final) ** 2)) <= SETTLED:
            return step.k
    return run.steps[-1].k


def picture(samples, *, width: int, truth=None) -> tuple[str, int]:
    """Samples as a PNG data URL drawn at most ``width`` px wide, and its width in px."""
    pixels = fig.sample_picture(samples, width=width, truth=truth)
    return png_data_url(fig.png_bytes(pixels)), int(pixels.shape[1])


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_run_views(key: tuple, _run: Trajectory, _truth, width: int) -> dict:
    """What the page draws of the finished run stored under ``key`` (``run_key``), built once
    (a whole-page rerun would otherwise encode two PNGs and measure every kept step again).

    ``final``, ``halfway``: (PNG data URL, width) of the samples and of x̂₀ at the middle kept
    step; ``settled``: the first k at which x̂₀ and x_k come within RMS ``SETTLED`` of the
    samples. Shared read-only between sessions, like the run; ``_run``, ``_truth`` follow from
    ``key``.
    """
    halfway = _run.steps[len(_run.steps) // 2]
    return {
        "final": picture(_run.final, width=width, truth=_truth),
        "halfway": picture(halfway.x0_pred, width=width, truth=_truth),
        "settled": {field: settled(_run, field) for field in ("x0_pred", "xk")},
    }
