"""Encoding page: what it draws the same for every k, computed once per setting.

In a module of its own, not in the page script: Streamlit runs a page's file anew on every
rerun, and each ``st.cache_resource`` decorator there reads its function's source again
(``inspect.getsource``, a few ms a run under py-spy); here they are made once per process.
"""

from functools import lru_cache

import numpy as np

from timestep_lab import encodings
from timestep_lab.encodings import (
    CONVENTIONS,
    MIN_DIM,
    column_roles,
    frequencies,
    frequency_roles,
    half_similarity_shift,
    normalized_index_encoding,
    raw_index_encoding,
    row_similarity,
    similarity_matrix,
    timestep_embedding,
    wavelengths,
)
from timestep_lab.encodings.display import evenly_spaced
from timestep_lab.figures import encoding as fig
from timestep_lab.ui import shared_figure
from timestep_lab.ui.arrays import shared_arrays
from timestep_lab.ui.memory import cleared_when_idle


# Shared read-only, not copied per run (st.cache_data would copy a 33 MB matrix every k move).
@shared_arrays(max_bytes=128 * 2**20, max_entries=32)
def cached_embedding(num_timesteps: int, dim: int, base: float, layout: str) -> np.ndarray:
    return timestep_embedding(np.arange(num_timesteps), dim, base=base, convention=layout)


@shared_arrays(max_bytes=16 * 2**20, max_entries=16)
def cached_similarities(num_timesteps: int, dim: int, base: float, layout: str):
    """The parts of view 4 that do not depend on k: P·Pᵀ on a subset, and P(0)·P(Δ)."""
    embedding = cached_embedding(num_timesteps, dim, base, layout)
    rows = evenly_spaced(num_timesteps, 150)
    from_zero = row_similarity(embedding, 0)
    half = half_similarity_shift(from_zero, np.arange(num_timesteps))
    return rows, similarity_matrix(embedding[rows]), from_zero, half


def compared_lengths(num_timesteps: int) -> list[int]:
    """The values of T the "index divided by T" view compares: a quarter, T, four times."""
    return sorted({max(10, num_timesteps // 4), num_timesteps, min(4000, 4 * num_timesteps)})


def pair_picks(n_freqs: int) -> list[int]:
    """Three frequency indices for the sinusoidal side of view 7: fastest, and two slower."""
    return sorted({0, min(n_freqs - 1, n_freqs // 4), min(n_freqs - 1, n_freqs // 2)})


# functools, not st.cache_resource: these are asked on every run of the page, and Streamlit
# hashes the arguments its own way (~0.4 ms a call); the figures are shared read-only either
# way. One function per tab of the page: a new setting builds only the open tab's figures.
@cleared_when_idle
@lru_cache(maxsize=32)
def encoding_figures(num_timesteps: int, dim: int, base: float, layout: str) -> dict:
    """The figures of "The encoding" tab that do not depend on k, built once per setting.

    A k change (the most common move) then rebuilds nothing here. They are shared read-only
    between sessions: a cached resource is not copied, and nothing here or in ``plot``
    mutates a figure (presenter mode draws an enlarged twin).
    """
    lam = wavelengths(dim, base=base, convention=layout)
    sim_rows, sim_matrix, _, _ = cached_similarities(num_timesteps, dim, base, layout)
    figures = {
        "wavelengths": fig.wavelength_figure(
            lam, frequency_roles(lam, num_timesteps), num_timesteps
        ),
        "similarity": fig.similarity_figure(sim_matrix, sim_rows),
    }
    return {name: shared_figure(figure) for name, figure in figures.items()}


@cleared_when_idle
@lru_cache(maxsize=32)
def naive_figures(num_timesteps: int, dim: int, base: float, layout: str) -> dict:
    """Section 7's three inputs against k (raw k, k/T at three T, three columns of P)."""
    embedding = cached_embedding(num_timesteps, dim, base, layout)
    lam = wavelengths(dim, base=base, convention=layout)
    ks = np.arange(num_timesteps)
    normalized = {
        f"T = {t}": np.where(ks < t, normalized_index_encoding(ks, 1, t)[:, 0], np.nan)
        for t in compared_lengths(num_timesteps)
    }
    freq_index, kind = column_roles(dim, convention=layout)
    sin_cols = {
        f"sin, i = {p}": embedding[:, np.flatnonzero((freq_index == p) & (kind == "sin"))[0]]
        for p in pair_picks(lam.size)
    }
    figures = {
        "naive_raw": fig.naive_figure(
            ks, {"k": raw_index_encoding(ks, 1)[:, 0]}, y_title="value fed in"
        ),
        "naive_norm": fig.naive_figure(ks, normalized, y_title="k / T"),
        "naive_sin": fig.naive_figure(ks, sin_cols, y_title="P(k, j)"),
    }
    return {name: shared_figure(figure) for name, figure in figures.items()}


@cleared_when_idle
@lru_cache(maxsize=32)
def layouts_figure(dim: int, base: float):
    """Section 8: the frequency each column carries, in every layout, at d (at least DDPM's
    smallest d)."""
    comparison_dim = max(dim, MIN_DIM["ddpm"])
    by_layout = {}
    for name in CONVENTIONS:
        idx, kd = column_roles(comparison_dim, convention=name)
        omega_all = frequencies(comparison_dim, base=base, convention=name)
        by_layout[name] = (np.where(idx >= 0, omega_all[np.maximum(idx, 0)], np.nan), kd)
    return shared_figure(fig.layout_figure(by_layout))


@cleared_when_idle
@lru_cache(maxsize=32)
def layout_reorder_gap(num_timesteps: int, dim: int, base: float) -> float:
    """Section 8's check over every k (``encodings.layout_reorder_gap``), once per setting."""
    return encodings.layout_reorder_gap(num_timesteps, dim, base=base)
