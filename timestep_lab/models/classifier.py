"""An independent digit classifier that scores generated digits (accuracy and Fréchet distance).

It is trained only on the real train split of ``digits_split`` (never on generated samples, and
never on the held-out split), with a fixed seed, in about half a minute on the CPU. Its
penultimate layer (``FEATURE_DIM`` ReLU units) gives the features of the Fréchet distance
(Heusel et al. 2017, the FID formula on this classifier instead of Inception).
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from timestep_lab.models.data import digits_split

FEATURE_DIM = 64


class DigitClassifier(nn.Module):
    """A small CNN on 8×8 digits in [−1, 1]: conv 32 → conv 64 → pool → 64 features → 10."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(64 * 4 * 4, FEATURE_DIM),
            nn.ReLU(),  # the penultimate features
        )
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_classifier(*, epochs: int = 30, seed: int = 0) -> DigitClassifier:
    """Train the classifier on the real train split (random ±1-pixel shifts as augmentation)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    split = digits_split()
    x = torch.from_numpy(np.array(split.train_images))[:, None]
    y = torch.from_numpy(np.array(split.train_labels))
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    padded = nn.functional.pad(x, (1, 1, 1, 1), value=-1.0)  # background is −1
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), 64):
            idx = order[start : start + 64]
            dy, dx = torch.randint(0, 3, (2,), generator=gen).tolist()
            xb = padded[idx, :, dy : dy + 8, dx : dx + 8]
            loss = nn.functional.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def classify(
    model: DigitClassifier, images: NDArray[np.floating]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Predicted classes (N,) and penultimate features (N, 64) of images (N, 8, 8) in [−1, 1]."""
    with torch.inference_mode():
        x = torch.from_numpy(np.array(images, dtype=np.float32))[:, None]
        feats = model.features(x)
        pred = model.head(feats).argmax(dim=1)
    return pred.numpy().astype(np.int64), feats.numpy().astype(np.float64)


def frechet_distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2(Σ_a Σ_b)^½) between Gaussians fitted to features (N, D)."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr (Σ_a Σ_b)^½ = Σ √λ of the symmetric Σ_a^½ Σ_b Σ_a^½ (same eigenvalues), stable in NumPy
    w, v = np.linalg.eigh(cov_a)
    sqrt_a = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    lam = np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    tr_covmean = np.sum(np.sqrt(np.clip(lam, 0.0, None)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * tr_covmean)
