"""Sinusoidal timestep embeddings in the three layouts real code uses.

Notation (see shared NOTATION.md):

| code name    | symbol  | meaning                                                     |
|--------------|---------|-------------------------------------------------------------|
| `timesteps`  | k       | the timesteps being encoded (integer or fractional)         |
| `dim`        | d       | embedding dimension                                         |
| `base`       | n       | the scalar of the formula (10000; diffusers' `max_period`)  |
| `i`          | i       | frequency index                                             |
| `freqs`      | ω_i     | angular frequency of pair i                                 |
| `wavelengths`| λ_i     | 2π / ω_i, in timesteps                                      |
| result[k, j] | P(k, j) | the encoding matrix; row k is what the network receives     |

Conventions (``convention=``):

- ``"transformer"`` (Vaswani et al. 2017, the seed's formula): interleaved columns,
  P(k, 2i) = sin(k·ω_i), P(k, 2i+1) = cos(k·ω_i) with ω_i = n^(−2i/d). For odd d the
  last column is the sin term of the formula (i = (d−1)/2).
- ``"ddpm"`` (Ho et al. 2020): blocked [sin … | cos …] with ω_i = n^(−i/(⌊d/2⌋−1));
  diffusers ``get_timestep_embedding(flip_sin_to_cos=False, downscale_freq_shift=1)``.
- ``"ldm"`` (latent diffusion / Stable Diffusion): blocked [cos … | sin …] with
  ω_i = n^(−i/⌊d/2⌋); diffusers ``flip_sin_to_cos=True, downscale_freq_shift=0``.

For ``"ddpm"`` and ``"ldm"`` an odd d gets a zero column at the end, as diffusers pads.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Convention = Literal["transformer", "ddpm", "ldm"]
CONVENTIONS: tuple[Convention, ...] = ("transformer", "ddpm", "ldm")

#: Smallest embedding dimension for which each convention is defined.
#: ``ddpm`` divides by ⌊d/2⌋ − 1, which is zero for d < 4 (diffusers returns NaN there).
MIN_DIM: dict[Convention, int] = {"transformer": 1, "ddpm": 4, "ldm": 2}


def _check_dim_base(dim: int, base: float, convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention={convention!r} is not one of {', '.join(CONVENTIONS)}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise ValueError(f"dim={dim!r} must be a whole number ≥ {MIN_DIM[convention]}")
    if dim < MIN_DIM[convention]:
        raise ValueError(
            f"dim={dim} is too small for convention {convention!r}: it needs dim ≥ "
            f"{MIN_DIM[convention]}"
        )
    if not np.isfinite(base) or base <= 1:
        raise ValueError(f"base={base!r} must be a finite number > 1")


def frequencies(
    dim: int, *, base: float = 10000.0, convention: Convention = "transformer"
) -> NDArray[np.float64]:
    """Angular frequencies ω_i of the sin/cos pairs, highest first.

    dim: d ≥ 1 (≥ 4 for ``ddpm``, ≥ 2 for ``ldm``). Returns shape (⌈d/2⌉,) for
    ``transformer`` (the odd last column has its own frequency) and (⌊d/2⌋,) otherwise.
    """
    _check_dim_base(dim, base, convention)
    if convention == "transformer":
        i = np.arange((dim + 1) // 2, dtype=np.float64)
        return base ** (-2.0 * i / dim)  # ω_i = n^(−2i/d), Vaswani et al. §3.5
    half = dim // 2
    i = np.arange(half, dtype=np.float64)
    shift = 1.0 if convention == "ddpm" else 0.0  # diffusers' downscale_freq_shift
    return np.exp(-np.log(base) * i / (half - shift))


def wavelengths(
    dim: int, *, base: float = 10000.0, convention: Convention = "transformer"
) -> NDArray[np.float64]:
    """Wavelengths λ_i = 2π/ω_i of each frequency, in timesteps (shortest first)."""
    return 2.0 * np.pi / frequencies(dim, base=base, convention=convention)


def _as_timesteps(timesteps: ArrayLike) -> NDArray[np.float64]:
    k = np.asarray(timesteps, dtype=np.float64)
    if k.ndim == 0:
        k = k[None]
    if k.ndim != 1:
        raise ValueError(f"timesteps must be a 1-D array, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ValueError("timesteps must be finite numbers (got NaN or infinity)")
    return k


def timestep_embedding(
    timesteps: ArrayLike,
    dim: int,
    *,
    base: float = 10000.0,
    convention: Convention = "transformer",
) -> NDArray[np.float64]:
    """The sinusoidal encoding matrix P(k, j) for each timestep k (float64).

    timesteps: 1-D array of k (integer or fractional, any finite value).
    dim: d, ≥ 1 for ``transformer``, ≥ 4 for ``ddpm``, ≥ 2 for ``ldm``.
    base: n > 1. Returns shape (len(timesteps), dim), every value in [−1, 1].
    """
    k = _as_timesteps(timesteps)
    freqs = frequencies(dim, base=base, convention=convention)
    angles = k[:, None] * freqs[None, :]  # k·ω_i
    out = np.zeros((k.size, dim), dtype=np.float64)
    if convention == "transformer":
        out[:, 0::2] = np.sin(angles)  # P(k, 2i) = sin(k / n^(2i/d))
        out[:, 1::2] = np.cos(angles[:, : dim // 2])  # P(k, 2i+1) = cos(k / n^(2i/d))
        return out
    half = dim // 2
    first, second = (np.sin, np.cos) if convention == "ddpm" else (np.cos, np.sin)
    out[:, :half] = first(angles)
    out[:, half : 2 * half] = second(angles)
    return out  # an odd dim keeps its last column at zero (diffusers' pad)


def layout_reorder_gap(num_timesteps: int, dim: int, *, base: float = 10000.0) -> float:
    """The largest |P_transformer(k) reordered [all cos | all sin] − P_ldm(k)| over k = 0 … T−1.

    The two layouts hold the same waves in a different column order; what remains is rounding
    (n^(−2i/d) against exp(−ln n · i/(d/2)) for the same ω_i). Even d ≥ 2 only: the reordering
    moves whole sin/cos pairs. Rows a block at a time, so that T = 4000, d = 1024 never holds
    more than a few MB.
    """
    if isinstance(num_timesteps, bool) or not isinstance(num_timesteps, (int, np.integer)):
        raise ValueError(f"num_timesteps={num_timesteps!r} must be a whole number ≥ 1")
    if num_timesteps < 1:
        raise ValueError(f"num_timesteps={num_timesteps} must be ≥ 1")
    _check_dim_base(dim, base, "ldm")
    if dim % 2:
        raise ValueError(f"dim={dim} must be even: the reordering moves whole sin/cos pairs")
    gap = 0.0
    for start in range(0, num_timesteps, 256):
        k = np.arange(start, min(start + 256, num_timesteps))
        p_tr = timestep_embedding(k, dim, base=base, convention="transformer")
        p_ldm = timestep_embedding(k, dim, base=base, convention="ldm")
        reordered = np.concatenate([p_tr[:, 1::2], p_tr[:, 0::2]], axis=1)  # cos…, then sin…
        gap = max(gap, float(np.abs(reordered - p_ldm).max()))
    return gap


def column_roles(
    dim: int, *, convention: Convention = "transformer"
) -> tuple[NDArray[np.int64], NDArray[np.str_]]:
    """For each column j of P: its frequency index i and whether it holds sin, cos or pad.

    Returns (i, kind) of shape (dim,); i is −1 for the zero pad column.
    """
    _check_dim_base(dim, 10000.0, convention)
    j = np.arange(dim)
    if convention == "transformer":
        return j // 2, np.where(j % 2 == 0, "sin", "cos")
    half = dim // 2
    first, second = ("sin", "cos") if convention == "ddpm" else ("cos", "sin")
    i = np.where(j < 2 * half, j % half, -1)
    kind = np.where(j < half, first, np.where(j < 2 * half, second, "pad"))
    return i, kind


def raw_index_encoding(timesteps: ArrayLike, dim: int) -> NDArray[np.float64]:
    """The naive encoding the seed argues against: every column holds the bare index k.

    Its magnitude grows without bound with k (k = 999 is 999 times k = 1).
    """
    k = _as_timesteps(timesteps)
    if dim < 1:
        raise ValueError(f"dim={dim} must be ≥ 1")
    return np.repeat(k[:, None], dim, axis=1)


def normalized_index_encoding(
    timesteps: ArrayLike, dim: int, num_timesteps: int
) -> NDArray[np.float64]:
    """The second naive encoding: k / T in every column.

    Bounded, but the same k means a different value for a different T, and the gap
    between neighbours (1/T) shrinks as T grows.
    """
    if num_timesteps < 1:
        raise ValueError(f"num_timesteps={num_timesteps} must be ≥ 1")
    return raw_index_encoding(timesteps, dim) / num_timesteps


def rotation(angle: float) -> NDArray[np.float64]:
    """The 2×2 matrix that maps the (sin, cos) pair at k to the pair at k + Δ, for angle ω_iΔ.

    sin(a + b) = sin a cos b + cos a sin b; cos(a + b) = cos a cos b − sin a sin b.
    """
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, s], [-s, c]])


def shift_similarity(
    k: float,
    deltas: ArrayLike,
    dim: int,
    *,
    base: float = 10000.0,
    convention: Convention = "transformer",
) -> NDArray[np.float64]:
    """Cosine similarity of P(k) and P(k + Δ) for each shift Δ.

    For even d this is (2/d)·Σ_i cos(ω_i·Δ): it does not depend on k (relative position).
    """
    deltas = _as_timesteps(deltas)
    row = timestep_embedding([k], dim, base=base, convention=convention)[0]
    rows = timestep_embedding(k + deltas, dim, base=base, convention=convention)
    return rows @ row / (np.linalg.norm(rows, axis=1) * np.linalg.norm(row))


def half_similarity_shift(similarity: ArrayLike, deltas: ArrayLike) -> float | None:
    """The smallest shift Δ > 0 at which the similarity first falls to ½ or below.

    Timesteps closer than this look alike to a dot product; None if it never falls that low.
    """
    similarity = np.asarray(similarity, dtype=np.float64)
    deltas = np.asarray(deltas, dtype=np.float64)
    hits = np.flatnonzero((deltas > 0) & (similarity <= 0.5))
    return float(deltas[hits[0]]) if hits.size else None


def row_similarity(embedding: ArrayLike, k: int) -> NDArray[np.float64]:
    """Cosine similarity of every row P(a) with row P(k): row k of ``similarity_matrix``.

    For the full matrix P over timesteps 0 … T−1 this is P(k)·P(k + Δ) for Δ = −k … T−1−k,
    computed from rows already at hand instead of a new embedding.
    """
    p = np.asarray(embedding, dtype=np.float64)
    norms = np.linalg.norm(p, axis=1)
    norms[norms == 0] = 1.0
    return p @ p[k] / (norms * norms[k])


def similarity_matrix(embedding: ArrayLike) -> NDArray[np.float64]:
    """P·Pᵀ scaled to cosine similarity: entry (a, b) is cos∠(P(a), P(b))."""
    p = np.asarray(embedding, dtype=np.float64)
    norms = np.linalg.norm(p, axis=1)
    norms[norms == 0] = 1.0
    return (p @ p.T) / np.outer(norms, norms)


FrequencyRole = Literal["aliased", "still", "informative"]


def frequency_roles(
    wavelengths: ArrayLike, num_timesteps: int, *, min_turn: float = 0.05
) -> NDArray[np.str_]:
    """Label each frequency by what it can tell apart over timesteps 0 … T−1.

    ``aliased``: λ < 2 steps, so at integer k it looks like a slower wave (Nyquist).
    ``still``: over the whole range the pair turns less than ``min_turn`` of a circle
    (ω·(T−1) < 2π·min_turn), so its values barely change. Otherwise ``informative``.
    """
    lam = np.asarray(wavelengths, dtype=np.float64)
    turns = (num_timesteps - 1) / lam  # how many full circles across 0 … T−1
    return np.where(lam < 2.0, "aliased", np.where(turns < min_turn, "still", "informative"))
