"""Which training timesteps k a sampler with S steps visits.

Notation: T = ``num_timesteps`` (training steps), S = ``steps`` (sampler steps),
``spacing`` names the rule (Lin et al. 2023, arXiv 2305.08891, Table 2), as in diffusers'
``set_timesteps``:

- ``linspace``: round(linspace(0, T−1, S)), so both ends are visited;
- ``leading``: 0, ⌊T/S⌋, 2⌊T/S⌋, … (+ ``steps_offset``); never visits T − 1 when 1 < S < T;
- ``trailing``: round(arange(T, 0, −T/S)) − 1, so the first step is always k = T − 1.

Each returns the timesteps in sampling order (from noisy to clean, descending).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

Spacing = Literal["leading", "trailing", "linspace"]
SPACINGS: tuple[Spacing, ...] = ("leading", "trailing", "linspace")


def sampling_timesteps(
    num_timesteps: int, steps: int, spacing: Spacing = "leading", *, steps_offset: int = 0
) -> NDArray[np.int64]:
    """The training timesteps k visited by an S-step sampler, in sampling order.

    num_timesteps: T ≥ 1. steps: S in [1, T]. spacing: ``leading``, ``trailing`` or
    ``linspace``. steps_offset: added to ``leading`` timesteps (Stable Diffusion uses 1).
    """
    if spacing not in SPACINGS:
        raise ValueError(f"spacing={spacing!r} is not one of {', '.join(SPACINGS)}")
    if num_timesteps < 1:
        raise ValueError(f"num_timesteps={num_timesteps} must be ≥ 1")
    if not 1 <= steps <= num_timesteps:
        raise ValueError(f"steps={steps} must lie in 1 … {num_timesteps} (the number T)")
    if spacing == "linspace":
        return np.linspace(0, num_timesteps - 1, steps).round()[::-1].astype(np.int64)
    if spacing == "leading":
        step_ratio = num_timesteps // steps
        k = (np.arange(steps) * step_ratio).round()[::-1].astype(np.int64)
        return k + steps_offset
    step_ratio = num_timesteps / steps
    k = np.round(np.arange(num_timesteps, 0, -step_ratio)).astype(np.int64) - 1
    # diffusers' float-step arange yields S + 1 values ending in k = −1 for some (T, S),
    # e.g. (15, 13); the first S are the ones it means, so keep exactly those.
    return k[:steps]
