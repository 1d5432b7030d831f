"""An MLP that predicts the noise ε̂ of 2D points x_k, conditioned on the timestep and dataset.

Notation (see shared NOTATION.md): ``xk`` x_k (N, 2); ``k`` the timestep the network is told;
``labels`` the dataset index c in [0, C] (``DATASETS_2D`` order), C being "no dataset" ∅.

The timestep enters exactly as in the digits UNet: k → P(k) → Linear–SiLU–Linear, plus a learned
dataset vector, **added**; the sum is added to the hidden state of every residual MLP block.
One model serves all three shapes (moons, swiss_roll, rings) through that dataset label.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from timestep_lab.models.embedding import ClassEmbedding, TimeEmbedding, TimeMode


class MLPBlock(nn.Module):
    """LayerNorm → Linear → + emb projection → SiLU → Linear, with a residual skip."""

    def __init__(self, width: int, emb_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1, self.fc2 = nn.Linear(width, width), nn.Linear(width, width)
        self.emb_proj = nn.Linear(emb_dim, width)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        z = self.fc1(self.norm(h)) + self.emb_proj(F.silu(emb))  # the timestep/dataset shift
        return h + self.fc2(F.silu(z))


class MLP2D(nn.Module):
    """ε̂(x_k, k, c) for 2D points.

    width: hidden width. depth: number of residual blocks. enc_dim: d of P(k).
    emb_dim: width of the time/dataset embedding. num_classes: C datasets.
    time_mode: how k enters. num_timesteps: T. convention: layout of the sinusoidal rows.
    """

    def __init__(
        self,
        *,
        width: int = 192,
        depth: int = 4,
        enc_dim: int = 64,
        emb_dim: int = 128,
        num_classes: int = 3,
        time_mode: TimeMode = "sinusoidal",
        num_timesteps: int = 1000,
        convention: str = "transformer",
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "width": width,
            "depth": depth,
            "enc_dim": enc_dim,
            "emb_dim": emb_dim,
            "num_classes": num_classes,
            "time_mode": time_mode,
            "num_timesteps": num_timesteps,
            "convention": convention,
        }
        self.time_embed = TimeEmbedding(
            enc_dim, emb_dim, mode=time_mode, num_timesteps=num_timesteps, convention=convention
        )
        self.class_embed = ClassEmbedding(num_classes, emb_dim)
        self.fc_in = nn.Linear(2, width)
        self.blocks = nn.ModuleList(MLPBlock(width, emb_dim) for _ in range(depth))
        self.norm_out, self.fc_out = nn.LayerNorm(width), nn.Linear(width, 2)
        nn.init.zeros_(self.fc_out.weight)
        nn.init.zeros_(self.fc_out.bias)

    @property
    def null_label(self) -> int:
        """The label index of the "no dataset" entry ∅."""
        return self.class_embed.null_label

    def forward(
        self,
        xk: torch.Tensor,
        k: torch.Tensor,
        labels: torch.Tensor,
        *,
        encoding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """ε̂ for points x_k (N, 2) at timesteps k (N,) and dataset labels (N,) in [0, C].

        encoding: optional P (N, d) that replaces P(k), to show the network a different time.
        """
        emb = self.time_embed(k, encoding) + self.class_embed(labels)
        h = self.fc_in(xk)
        for block in self.blocks:
            h = block(h, emb)
        return self.fc_out(F.silu(self.norm_out(h)))

    def describe(self) -> dict[str, Any]:
        """Layer sizes for a diagram: encoding and embedding widths, depth, parameter counts."""
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        return {
            "kind": "mlp2d",
            **self.config,
            "params": count(self),
            "params_time_embedding": count(self.time_embed),
            "params_class_embedding": count(self.class_embed),
            "residual_blocks": len(self.blocks),
        }
