"""What the sinusoidal encoding is fed: the index k, continuous time t·s, or a noise level.

Notation (see shared NOTATION.md):

| code name        | symbol     | meaning                                                    |
|------------------|------------|------------------------------------------------------------|
| `k`              | k          | timestep index, 0 … T−1                                    |
| `t`              | t          | continuous time k/T in [0, 1)                              |
| `scale`          | s          | what t is multiplied by before the sinusoids (score SDE: 999) |
| `log_snr`        | λ_k        | log(ᾱ_k / (1−ᾱ_k)), raw (VDM rescales −λ to [0, 1], ×1000) |
| `c_noise`        | c_noise    | ¼·ln σ_k with σ_k = √((1−ᾱ_k)/ᾱ_k), EDM's input            |

Discrete models (DDPM, Stable Diffusion) feed the index k. Continuous-time models feed time or
the noise level: score-SDE models feed 999·t for the VP SDE (Song et al. 2021, "Score-based
generative modeling through stochastic differential equations", their code's
``labels = t * 999``), VDM conditions on γ = −λ rescaled to [0, 1] and ×1000 (Kingma et al.
2021, "Variational diffusion models", and its code; the raw λ here is an illustration), EDM
on c_noise(σ) = ¼·ln σ (Karras et al. 2022, Table 1). The encoding turns each pair by
ω_i·(input), so the input's *range* decides how far each pair turns across the process: fed
t ∈ [0, 1] with n = 10⁴, nearly every pair barely moves.

Pure NumPy: nothing here imports Streamlit or torch.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from timestep_lab.encodings.sinusoidal import Convention, frequencies

TimeInput = Literal["index", "t", "logsnr", "cnoise"]
TIME_INPUTS: tuple[TimeInput, ...] = ("index", "t", "logsnr", "cnoise")
#: Score-SDE's VP models feed 999·t (Song et al. 2021, their code); 1 feeds t itself.
SCORE_SDE_SCALE = 999.0
STILL_TURNS = 0.05  # a pair that turns less than 5 % of a circle over the input's range


def encoding_input(
    kind: TimeInput,
    k: ArrayLike,
    alpha_bar: ArrayLike,
    *,
    scale: float = 1.0,
) -> NDArray[np.float64]:
    """The number the sinusoids are fed for timesteps k.

    kind: ``index`` (k), ``t`` (s·k/T), ``logsnr`` (raw log(ᾱ_k/(1−ᾱ_k)); VDM rescales it)
    or ``cnoise`` (¼·ln σ_k, EDM). alpha_bar: the schedule's ᾱ table, length T. scale: s for ``t``.
    """
    alpha_bar = np.asarray(alpha_bar, dtype=np.float64)
    k = np.asarray(k, dtype=np.int64)
    num_timesteps = alpha_bar.size
    if np.any((k < 0) | (k >= num_timesteps)):
        raise ValueError(f"timesteps must lie in [0, {num_timesteps})")
    if kind == "index":
        return k.astype(np.float64)
    if kind == "t":
        if not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"scale={scale!r} must be a finite number > 0")
        return scale * k / num_timesteps  # t = k/T in [0, 1)
    if kind not in ("logsnr", "cnoise"):
        raise ValueError(f"kind={kind!r} is not one of {', '.join(TIME_INPUTS)}")
    a = alpha_bar[k]
    if np.any((a <= 0) | (a >= 1)):
        raise ValueError(
            "the noise level is infinite where ᾱ = 0 (zero terminal SNR) or ᾱ = 1; "
            "log-SNR and c_noise need 0 < ᾱ < 1"
        )
    log_snr = np.log(a) - np.log1p(-a)  # λ = log(ᾱ / (1 − ᾱ)), Kingma et al. 2021
    if kind == "logsnr":
        return log_snr
    # σ² = (1 − ᾱ)/ᾱ = e^(−λ), so ¼·ln σ = −λ/8 (Karras et al. 2022, Table 1: c_noise)
    return -log_snr / 8.0


def pair_turns(
    inputs: ArrayLike,
    dim: int,
    *,
    base: float = 10_000.0,
    convention: Convention = "transformer",
) -> NDArray[np.float64]:
    """How many full turns each (sin, cos) pair makes across the inputs' range: ω_i·range/2π."""
    inputs = np.asarray(inputs, dtype=np.float64)
    span = float(inputs.max() - inputs.min())
    return frequencies(dim, base=base, convention=convention) * span / (2 * np.pi)


def still_pairs(turns: ArrayLike) -> int:
    """How many pairs turn less than STILL_TURNS of a circle: nearly constant columns."""
    return int(np.count_nonzero(np.asarray(turns) < STILL_TURNS))


def end_similarity(embedding: ArrayLike) -> float:
    """Cosine similarity of the first and last rows: near 1 means the ends look alike."""
    embedding = np.asarray(embedding, dtype=np.float64)
    first, last = embedding[0], embedding[-1]
    return float(first @ last / (np.linalg.norm(first) * np.linalg.norm(last)))
