"""How the timestep k and the class label c enter a denoiser.

Notation (see shared NOTATION.md):

| code name      | symbol     | meaning                                                     |
|----------------|------------|-------------------------------------------------------------|
| `k`            | k          | the timestep the network is told (int or fractional)        |
| `num_timesteps`| T          | number of training timesteps                                |
| `enc_dim`      | d          | width of the encoding row P(k) fed to the MLP               |
| `encoding`     | P(k)       | the row the MLP receives (sinusoidal, k/T, k or zeros)      |
| `emb_dim`      | –          | width of the time embedding after Linear–SiLU–Linear        |
| `label`        | c, ∅       | the class given to the embedder; index ``num_classes`` is ∅ |

``TimeEmbedding`` turns k into P(k) in NumPy float64 (``timestep_lab.encodings``), casts it to
float32 at the edge, then applies Linear–SiLU–Linear. Its ``mode`` is the ablation:

- ``sinusoidal``: P(k) = ``timestep_embedding(k, d, convention=...)`` (the default);
- ``scalar``: k/T in every column (``normalized_index_encoding``), fed to the same MLP;
- ``raw``: the bare index k in every column (``raw_index_encoding``), unnormalized;
- ``none``: zeros, so the network never learns the timestep.

``ClassEmbedding`` is a learned table with one extra "no class" row ∅ for classifier-free
guidance; the denoisers **add** it to the time embedding.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn

from timestep_lab.encodings import (
    normalized_index_encoding,
    raw_index_encoding,
    timestep_embedding,
)
from timestep_lab.encodings.sinusoidal import Convention

TimeMode = Literal["sinusoidal", "scalar", "raw", "none"]
TIME_MODES: tuple[TimeMode, ...] = ("sinusoidal", "scalar", "raw", "none")


def timestep_encoding(
    k: np.ndarray | torch.Tensor,
    enc_dim: int,
    *,
    mode: TimeMode = "sinusoidal",
    num_timesteps: int = 1000,
    convention: Convention = "transformer",
) -> torch.Tensor:
    """The encoding rows P(k) a denoiser's time MLP receives, as float32 (N, d).

    k: N timesteps (int or fractional, any finite value). enc_dim: d ≥ 2.
    mode: ``sinusoidal``, ``scalar``, ``raw`` or ``none``. num_timesteps: T for ``scalar``.
    """
    if mode not in TIME_MODES:
        raise ValueError(f"mode={mode!r} is not one of {', '.join(TIME_MODES)}")
    k_np = k.detach().cpu().numpy() if isinstance(k, torch.Tensor) else np.asarray(k)
    k_np = np.asarray(k_np, dtype=np.float64).reshape(-1)
    if mode == "sinusoidal":
        p = timestep_embedding(k_np, enc_dim, convention=convention)
    elif mode == "scalar":
        p = normalized_index_encoding(k_np, enc_dim, num_timesteps)  # k / T
    elif mode == "raw":
        p = raw_index_encoding(k_np, enc_dim)  # k, growing without bound
    else:
        p = np.zeros((k_np.size, enc_dim))
    return torch.from_numpy(p.astype(np.float32))  # float64 → float32 only at the edge


class TimeEmbedding(nn.Module):
    """k → P(k) → Linear–SiLU–Linear, the time embedding added to every residual block.

    enc_dim: d, the width of P(k). emb_dim: output width. mode: the ablation (see module doc).
    num_timesteps: T. convention: layout of the sinusoidal rows.
    """

    def __init__(
        self,
        enc_dim: int,
        emb_dim: int,
        *,
        mode: TimeMode = "sinusoidal",
        num_timesteps: int = 1000,
        convention: Convention = "transformer",
    ) -> None:
        super().__init__()
        if mode not in TIME_MODES:
            raise ValueError(f"mode={mode!r} is not one of {', '.join(TIME_MODES)}")
        self.enc_dim, self.emb_dim = enc_dim, emb_dim
        self.mode, self.num_timesteps, self.convention = mode, num_timesteps, convention
        self.mlp = nn.Sequential(
            nn.Linear(enc_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )

    def encode(self, k: torch.Tensor) -> torch.Tensor:
        """P(k) for N timesteps k, float32 (N, d), on this module's device."""
        p = timestep_encoding(
            k,
            self.enc_dim,
            mode=self.mode,
            num_timesteps=self.num_timesteps,
            convention=self.convention,
        )
        return p.to(self.mlp[0].weight.device)

    def forward(self, k: torch.Tensor, encoding: torch.Tensor | None = None) -> torch.Tensor:
        """The time embedding (N, emb_dim) of k, or of a given encoding P (N, d) instead."""
        p = self.encode(k) if encoding is None else encoding
        return self.mlp(p)


class ClassEmbedding(nn.Module):
    """A learned vector per class plus one "no class" row ∅ (index ``num_classes``).

    num_classes: number of real classes C ≥ 1. emb_dim: vector width.
    """

    def __init__(self, num_classes: int, emb_dim: int) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes={num_classes} must be ≥ 1")
        self.num_classes = num_classes
        self.table = nn.Embedding(num_classes + 1, emb_dim)

    @property
    def null_label(self) -> int:
        """The index of the "no class" entry ∅."""
        return self.num_classes

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        """The class vectors (N, emb_dim) of labels in [0, C], where C means ∅."""
        return self.table(labels)
