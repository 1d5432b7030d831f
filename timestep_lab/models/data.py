"""The training data of the pretrained denoisers, with fixed seeds and fixed splits.

- Digits: scikit-learn's bundled handwritten digits (``load_digits``: 1,797 images, 8×8,
  pixel values 0 … 16, 10 classes), scaled to x_0 in [−1, 1]. ``digits_split`` keeps a
  stratified held-out split (20 %, seed 0) that no denoiser or classifier trains on.
- 2D shapes: ``moons``, ``swiss_roll`` and ``rings`` point clouds, each scaled so its points lie
  in about [−1, 1]², drawn fresh from a seed (so "the true distribution" can be resampled).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

Dataset2D = Literal["moons", "swiss_roll", "rings"]
DATASETS_2D: tuple[Dataset2D, ...] = ("moons", "swiss_roll", "rings")
DIGITS_PIXEL_MAX = 16.0  # load_digits stores 4-bit intensities 0 … 16
HELD_OUT_FRACTION, SPLIT_SEED = 0.2, 0


@dataclass(frozen=True)
class DigitsSplit:
    """Digits images x_0 in [−1, 1], float32 (N, 8, 8), with int64 labels (N,)."""

    train_images: NDArray[np.float32]
    train_labels: NDArray[np.int64]
    held_out_images: NDArray[np.float32]
    held_out_labels: NDArray[np.int64]


def digits_to_unit(images: NDArray) -> NDArray[np.float32]:
    """Map x_0 in [−1, 1] to display intensities in [0, 1] (clipped)."""
    return np.clip((np.asarray(images, dtype=np.float32) + 1.0) / 2.0, 0.0, 1.0)


@cache
def digits_split() -> DigitsSplit:
    """The fixed train / held-out split of scikit-learn's digits, scaled to [−1, 1]."""
    bunch = load_digits()
    images = (bunch.images / DIGITS_PIXEL_MAX * 2.0 - 1.0).astype(np.float32)  # 0…16 → −1…1
    labels = bunch.target.astype(np.int64)
    x_tr, x_ho, y_tr, y_ho = train_test_split(
        images, labels, test_size=HELD_OUT_FRACTION, random_state=SPLIT_SEED, stratify=labels
    )
    for a in (x_tr, x_ho, y_tr, y_ho):
        a.setflags(write=False)
    return DigitsSplit(x_tr, y_tr, x_ho, y_ho)


def sample_2d(dataset: Dataset2D, num: int, seed: int) -> NDArray[np.float32]:
    """Draw ``num`` independent points (num, 2) of a 2D shape, scaled to about [−1, 1]².

    dataset: ``moons``, ``swiss_roll`` or ``rings``. num: ≥ 1. seed: any int ≥ 0.
    Every point is an independent draw (its own position along the curve, its own noise), so
    two seeds give two honest samples of one distribution. (scikit-learn's ``make_moons`` and
    ``make_circles`` place points on a fixed grid along the curve, so two of their "samples"
    nearly coincide and a real-vs-real distance between them is far too small.)
    """
    if dataset not in DATASETS_2D:
        raise ValueError(f"dataset={dataset!r} is not one of {', '.join(DATASETS_2D)}")
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 1:
        raise ValueError(f"num={num!r} must be a whole number ≥ 1")
    rng = np.random.default_rng(seed)
    which = rng.random(num) < 0.5  # which moon / which ring, 1/2 each
    if dataset == "moons":
        theta = rng.uniform(0.0, np.pi, num)
        upper = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        lower = np.stack([1.0 - np.cos(theta), 0.5 - np.sin(theta)], axis=1)
        x = np.where(which[:, None], upper, lower) + rng.normal(0.0, 0.05, (num, 2))
        x = (x - [0.5, 0.25]) / [1.5, 1.0]  # centre the two moons, x in about [−1, 1]
    elif dataset == "swiss_roll":
        t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(num))  # as scikit-learn's make_swiss_roll
        x = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) + rng.normal(0.0, 0.3, (num, 2))
        x = x / 13.0  # radius ≤ 4.5π ≈ 14.1, most points inside 13
    else:
        theta = rng.uniform(0.0, 2.0 * np.pi, num)
        radius = np.where(which, 1.0, 0.5)[:, None]
        x = radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)
        x = (x + rng.normal(0.0, 0.03, (num, 2))) * 0.95
    return x.astype(np.float32)
