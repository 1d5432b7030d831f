"""A small class-conditional UNet that predicts the noise ε̂ in an image x_k.

Notation (see shared NOTATION.md): ``xk`` x_k (N, 1, H, W); ``k`` the timestep the network is
told; ``labels`` c in [0, C] with C the "no class" entry ∅; output ``eps_pred`` ε̂(x_k, k, c).

Structure (the seed's): k → P(k) → Linear–SiLU–Linear (``TimeEmbedding``); a learned class
vector (``ClassEmbedding``) is **added** to it; the sum is projected into every residual block
of the down path, the middle and the up path, where it shifts the channels (a per-channel bias
after the first convolution, as in Ho et al. 2020). Levels halve the resolution; skips are
concatenated on the way up. Only ``forward`` runs at sampling time, and it keeps no state, so a
shared instance is safe to use from several threads.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from timestep_lab.models.embedding import ClassEmbedding, TimeEmbedding, TimeMode


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels)


class ResBlock(nn.Module):
    """conv → + emb projection → conv, with a residual skip (the embedding enters here).

    in_ch, out_ch: channels. emb_dim: width of the time + class embedding.
    """

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1, self.conv1 = _norm(in_ch), nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, out_ch)
        self.norm2, self.conv2 = _norm(out_ch), nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb_proj(F.silu(emb))[:, :, None, None]  # the timestep/class shift
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class UNet(nn.Module):
    """ε̂(x_k, k, c) for single-channel square images, conditioned on timestep and class.

    image_size: H = W (divisible by 2^(levels − 1)). channels: width per level, e.g. (64, 128).
    enc_dim: d of P(k). emb_dim: width of the time/class embedding. num_classes: C.
    time_mode: how k enters (``sinusoidal``, ``scalar``, ``raw``, ``none``).
    num_timesteps: T. convention: layout of the sinusoidal rows.
    """

    def __init__(
        self,
        *,
        image_size: int = 8,
        channels: tuple[int, ...] = (64, 128),
        enc_dim: int = 64,
        emb_dim: int = 128,
        num_classes: int = 10,
        time_mode: TimeMode = "sinusoidal",
        num_timesteps: int = 1000,
        convention: str = "transformer",
    ) -> None:
        super().__init__()
        if image_size % 2 ** (len(channels) - 1):
            raise ValueError(f"image_size={image_size} must be divisible by 2^{len(channels) - 1}")
        self.config: dict[str, Any] = {
            "image_size": image_size,
            "channels": list(channels),
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
        self.conv_in = nn.Conv2d(1, channels[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        ch = channels[0]
        for level, out_ch in enumerate(channels):
            self.down.append(ResBlock(ch, out_ch, emb_dim))
            ch = out_ch
            if level < len(channels) - 1:
                self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
        self.mid = ResBlock(ch, ch, emb_dim)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level in reversed(range(len(channels))):
            out_ch = channels[level]
            self.up.append(ResBlock(ch + out_ch, out_ch, emb_dim))  # concatenated skip
            ch = out_ch
            if level > 0:
                self.upsample.append(nn.Conv2d(ch, channels[level - 1], 3, padding=1))
                ch = channels[level - 1]
        self.norm_out, self.conv_out = _norm(ch), nn.Conv2d(ch, 1, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)  # start by predicting ε̂ = 0
        nn.init.zeros_(self.conv_out.bias)

    @property
    def null_label(self) -> int:
        """The label index of the "no class" entry ∅ (used for unconditional passes)."""
        return self.class_embed.null_label

    def forward(
        self,
        xk: torch.Tensor,
        k: torch.Tensor,
        labels: torch.Tensor,
        *,
        encoding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """ε̂ for x_k (N, 1, H, W) at timesteps k (N,) and labels (N,) in [0, C].

        encoding: optional P (N, d) that replaces P(k), to show the network a different time.
        """
        emb = self.time_embed(k, encoding) + self.class_embed(labels)  # added, not concatenated
        h = self.conv_in(xk)
        skips = []
        for level, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)
        h = self.mid(h, emb)
        for i, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if i < len(self.upsample):
                h = self.upsample[i](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))

    def describe(self) -> dict[str, Any]:
        """Layer sizes for a diagram: encoding and embedding widths, channels, parameter counts."""
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        size = self.config["image_size"]
        return {
            "kind": "unet",
            **self.config,
            "resolutions": [size // 2**i for i in range(len(self.config["channels"]))],
            "params": count(self),
            "params_time_embedding": count(self.time_embed),
            "params_class_embedding": count(self.class_embed),
            "residual_blocks": len(self.down) + 1 + len(self.up),
        }
