"""The training lab's data, every kind written as an isotropic Gaussian mixture.

A mixture's ε* is known in closed form (``exact.py``), so every data set of the lab has its exact
answer:

- presets: 1D and 2D Gaussian mixtures with a few components;
- ``custom_1d``: the learner's own means, widths and weights;
- point sets (the 2D shapes ``moons``, ``swiss_roll``, ``rings`` and points drawn on a canvas):
  a finite training set is the mixture of point masses (σ = 0) at its points, weights 1/N.
  Its ε* is the optimum *for those points*: it would reproduce the training points exactly
  (memorise), which a small network trained for seconds does not reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from timestep_lab.models.data import DATASETS_2D, sample_2d
from timestep_lab.models.exact import GaussianMixture, gaussian_mixture

DataName = Literal[
    "bumps_1d",
    "uneven_1d",
    "three_1d",
    "custom_1d",
    "ring_2d",
    "moons",
    "swiss_roll",
    "rings",
    "drawn",
]
PRESETS_1D = ("bumps_1d", "uneven_1d", "three_1d")
PRESETS_2D = ("ring_2d",)
DATA_NAMES: tuple[DataName, ...] = (
    *PRESETS_1D,
    "custom_1d",
    *PRESETS_2D,
    *DATASETS_2D,
    "drawn",
)  # type: ignore[assignment]
SHAPE_POINTS, SHAPE_SEED = 1000, 0  # points of a shape's training set
MIN_DRAWN, MAX_DRAWN = 3, 1000
MAX_CUSTOM_COMPONENTS = 4
DRAW_BOX = 1.5  # drawn points lie in [−1.5, 1.5]²


@dataclass(frozen=True)
class LabData:
    """A named data set: its mixture, a short description and the plotting range."""

    name: str
    mixture: GaussianMixture
    description: str
    extent: float  # |x| ≤ extent holds (almost) every training point; sets the plots' range

    @property
    def dim(self) -> int:
        return self.mixture.dim

    @property
    def is_point_set(self) -> bool:
        return bool(np.all(self.mixture.stds == 0.0))


def _extent(mixture: GaussianMixture) -> float:
    return float(np.max(np.abs(mixture.means) + 3.0 * mixture.stds[:, None]))


def preset(name: DataName) -> LabData:
    """The data set ``name`` (not ``custom_1d`` or ``drawn``, which need the learner's input)."""
    if name == "bumps_1d":
        m = gaussian_mixture([0.5, 0.5], [-1.0, 1.0], [0.15, 0.15])
        text = "two equal bumps at −1 and +1 (σ = 0.15)"
    elif name == "uneven_1d":
        m = gaussian_mixture([0.2, 0.8], [-1.2, 0.6], [0.1, 0.4])
        text = "a narrow small bump at −1.2 and a wide big one at 0.6"
    elif name == "three_1d":
        m = gaussian_mixture([1, 1, 1], [-1.5, 0.0, 1.5], [0.1, 0.1, 0.1])
        text = "three thin bumps at −1.5, 0, 1.5 (σ = 0.1)"
    elif name == "ring_2d":
        angle = np.arange(8) * 2 * np.pi / 8
        m = gaussian_mixture(np.ones(8), np.stack([np.cos(angle), np.sin(angle)], 1), 0.08)
        text = "eight bumps on the unit circle (σ = 0.08)"
    elif name in DATASETS_2D:
        points = sample_2d(name, SHAPE_POINTS, SHAPE_SEED).astype(np.float64)
        m = gaussian_mixture(np.ones(SHAPE_POINTS), points, 0.0)
        text = f"{SHAPE_POINTS} points of {name.replace('_', ' ')} (seed {SHAPE_SEED})"
    else:
        raise ValueError(f"data={name!r} is not a preset; presets: {', '.join(_PRESET_NAMES)}")
    return LabData(name, m, text, _extent(m))


_PRESET_NAMES = (*PRESETS_1D, *PRESETS_2D, *DATASETS_2D)


def custom_1d(means: ArrayLike, stds: ArrayLike, weights: ArrayLike) -> LabData:
    """The learner's own 1D mixture: 1 … 4 components (means, widths σ ≥ 0.01, weights ≥ 0)."""
    mu = np.asarray(means, dtype=np.float64).reshape(-1)
    if not 1 <= mu.size <= MAX_CUSTOM_COMPONENTS:
        raise ValueError(f"custom data needs 1 … {MAX_CUSTOM_COMPONENTS} components, got {mu.size}")
    sd = np.asarray(stds, dtype=np.float64).reshape(-1)
    if sd.size == mu.size and np.any(sd < 0.01):
        raise ValueError("each width σ must be at least 0.01")
    m = gaussian_mixture(weights, mu, sd)
    parts = ", ".join(
        f"{w:.2f}·N({u:g}, {s:g}²)" for w, u, s in zip(m.weights, mu, m.stds, strict=True)
    )
    return LabData("custom_1d", m, f"your mixture: {parts}", _extent(m))


def drawn(points: ArrayLike) -> LabData:
    """Points drawn on the canvas, (N, 2) in [−1.5, 1.5]², N in 3 … 1000, as a point set."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or not MIN_DRAWN <= p.shape[0] <= MAX_DRAWN:
        raise ValueError(f"draw {MIN_DRAWN} … {MAX_DRAWN} points (x, y); got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(np.abs(p) > DRAW_BOX):
        raise ValueError(f"drawn points must lie in [−{DRAW_BOX:g}, {DRAW_BOX:g}]²")
    m = gaussian_mixture(np.ones(len(p)), p, 0.0)
    return LabData("drawn", m, f"{len(p)} points you drew", _extent(m))


def fresh_draws(data: LabData, num: int, seed: int) -> NDArray[np.float64]:
    """``num`` new draws of the data for sample-quality checks.

    For a mixture, draws from it; for the 2D shapes, fresh points of the same shape (another
    seed than the training set); for drawn points, the points themselves, resampled.
    """
    if data.name in DATASETS_2D:
        return sample_2d(data.name, num, seed + 1 + SHAPE_SEED).astype(np.float64)
    return data.mixture.sample(num, seed)
