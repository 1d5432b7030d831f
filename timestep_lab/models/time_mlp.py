"""After the encoding: the time MLP's sizes in real models, and how their blocks use its output.

Notation (see shared NOTATION.md):

| code name   | symbol | meaning                                                          |
|-------------|--------|------------------------------------------------------------------|
| `enc_dim`   | d      | width of the sinusoidal (frequency) features of k fed to the MLP |
| `emb_dim`   | –      | width of the time embedding after Linear–SiLU–Linear             |
| `blocks`    | –      | how many blocks receive the embedding                            |

Every model here turns P(k) into an embedding with the same two-layer MLP,
Linear(d → e) → SiLU → Linear(e → e), so its parameters are d·e + e + e·e + e
(``time_mlp_params``). They differ in what each block does with the embedding:

- ``add``: project it to the block's channels and add it after the first convolution
  (Ho et al. 2020; Stable Diffusion's ResBlocks; ours): h ← h + Linear(SiLU(emb)).
- ``adagn``: AdaGN, h ← (1 + s)·GroupNorm(h) + b with [s, b] = Linear(SiLU(emb))
  (Dhariwal & Nichol 2021, §3, "adaptive group normalization").
- ``adaln_zero``: adaLN-Zero, a shift, a scale and a gate for both the attention and the MLP
  of each transformer block, [b₁, s₁, g₁, b₂, s₂, g₂] = Linear(SiLU(emb)) initialised to zero so
  every block starts as the identity (Peebles & Xie 2023, §3.2).

The reference sizes are cited from the papers and from the configurations diffusers ships
(tests/models/test_time_mlp.py checks each rule against diffusers' own classes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import nn

BlockUse = Literal["add", "adagn", "adaln_zero"]

BLOCK_USE = {
    "add": "projected to each block's channels and added after its first convolution",
    "adagn": "AdaGN: a per-channel scale and shift after GroupNorm",
    "adaln_zero": "adaLN-Zero: shift, scale and gate per block, zero-initialised",
}

#: Stable Diffusion 1.x/2.x and SDXL: model_channels (block_out_channels[0]) = 320, and the
#: time embedding is 4 × model_channels wide (diffusers UNet2DConditionModel._set_time_proj:
#: ``time_embed_dim = block_out_channels[0] * 4``; Rombach et al. 2022, appendix E).
SD_MODEL_CHANNELS = 320
TIME_EMBED_MULTIPLIER = 4
#: SDXL's add_embedding: the pooled text embedding (1280, OpenCLIP ViT-bigG; Podell et al. 2023,
#: §2.1) and six numbers, original size, crop coordinates and target size (§2.2 micro-
#: conditioning, §2.3 multi-aspect), each as a 256-wide sinusoid (diffusers config
#: ``addition_time_embed_dim = 256``, ``projection_class_embeddings_input_dim = 2816``).
SDXL_POOLED_TEXT_DIM, SDXL_SIZE_NUMBERS, SDXL_SIZE_EMBED_DIM = 1280, 6, 256
#: DiT-XL/2: hidden size 1152, 28 blocks (Peebles & Xie 2023, Table 1); a 256-wide frequency
#: embedding of k (their code's ``frequency_embedding_size``; diffusers
#: CombinedTimestepLabelEmbeddings uses ``num_channels=256``).
DIT_XL_HIDDEN, DIT_XL_DEPTH, DIT_FREQUENCY_DIM = 1152, 28, 256
#: block_out_channels and layers_per_block of the released configurations (diffusers' configs
#: of runwayml/stable-diffusion-v1-5 and stabilityai/stable-diffusion-xl-base-1.0).
SD15_CHANNELS, SDXL_CHANNELS, SD_LAYERS_PER_BLOCK = (320, 640, 1280, 1280), (320, 640, 1280), 2


def time_mlp_params(enc_dim: int, emb_dim: int) -> int:
    """Parameters of Linear(d → e) → SiLU → Linear(e → e): d·e + e + e·e + e."""
    if enc_dim < 1 or emb_dim < 1:
        raise ValueError(f"enc_dim={enc_dim} and emb_dim={emb_dim} must both be ≥ 1")
    return enc_dim * emb_dim + emb_dim + emb_dim * emb_dim + emb_dim


def unet_resblock_channels(block_out_channels: tuple[int, ...], layers_per_block: int) -> list[int]:
    """Output channels of every ResBlock that takes the embedding, in a diffusers UNet2D layout.

    Down: ``layers_per_block`` per level; middle: 2; up: ``layers_per_block + 1`` per level.
    """
    down = [c for c in block_out_channels for _ in range(layers_per_block)]
    middle = [block_out_channels[-1]] * 2
    up = [c for c in reversed(block_out_channels) for _ in range(layers_per_block + 1)]
    return down + middle + up


def projection_params(emb_dim: int, channels: list[int]) -> int:
    """Parameters of one Linear(e → C) per block, C the block's channels: Σ (e·C + C)."""
    return sum(emb_dim * c + c for c in channels)


def sdxl_add_input_dim() -> int:
    """Width of SDXL's add_embedding input: pooled text + six 256-wide size sinusoids."""
    return SDXL_POOLED_TEXT_DIM + SDXL_SIZE_NUMBERS * SDXL_SIZE_EMBED_DIM


@dataclass(frozen=True)
class TimeMLPRow:
    """One model's time MLP: what goes in, how wide it is, and what its blocks do with it."""

    model: str
    enc_dim: int
    emb_dim: int
    block_use: BlockUse
    blocks: int
    block_params: int  # parameters of every block's projection of the embedding, summed
    extra: str
    source: str

    @property
    def mlp_params(self) -> int:
        return time_mlp_params(self.enc_dim, self.emb_dim)


def reference_rows() -> list[TimeMLPRow]:
    """Stable Diffusion 1.5, SDXL and DiT-XL/2, from the cited configurations."""
    sd_emb = TIME_EMBED_MULTIPLIER * SD_MODEL_CHANNELS
    sd15 = unet_resblock_channels(SD15_CHANNELS, SD_LAYERS_PER_BLOCK)
    sdxl = unet_resblock_channels(SDXL_CHANNELS, SD_LAYERS_PER_BLOCK)
    dit_block = DIT_XL_HIDDEN * 6 * DIT_XL_HIDDEN + 6 * DIT_XL_HIDDEN  # Linear(e → 6e)
    return [
        TimeMLPRow(
            "Stable Diffusion 1.5",
            SD_MODEL_CHANNELS,
            sd_emb,
            "add",
            len(sd15),
            projection_params(sd_emb, sd15),
            "The text never joins this embedding: it enters through cross-attention.",
            "Rombach et al. 2022; diffusers UNet2DConditionModel, SD 1.5 config",
        ),
        TimeMLPRow(
            "SDXL",
            SD_MODEL_CHANNELS,
            sd_emb,
            "add",
            len(sdxl),
            projection_params(sd_emb, sdxl),
            f"A second MLP, {sdxl_add_input_dim():,} inputs (pooled text "
            f"{SDXL_POOLED_TEXT_DIM} + {SDXL_SIZE_NUMBERS} size, crop and target-size numbers × "
            f"{SDXL_SIZE_EMBED_DIM}) → {sd_emb} → {sd_emb}, is added to the time embedding.",
            "Podell et al. 2023, §2.1 (pooled text), §2.2–2.3 (sizes, crop); diffusers SDXL "
            "config (text_time)",
        ),
        TimeMLPRow(
            "DiT-XL/2",
            DIT_FREQUENCY_DIM,
            DIT_XL_HIDDEN,
            "adaln_zero",
            DIT_XL_DEPTH,
            DIT_XL_DEPTH * dit_block,
            "A class embedding of the same width is added to it; the final layer's adaLN "
            f"(Linear {DIT_XL_HIDDEN} → {2 * DIT_XL_HIDDEN}, time + class) is not counted.",
            "Peebles & Xie 2023, §3.2 and Table 1",
        ),
    ]


def ours_row(model: nn.Module, name: str) -> TimeMLPRow:
    """Our denoiser's time MLP, read from the model object itself (a UNet or the 2-D MLP)."""
    first, last = model.time_embed.mlp[0], model.time_embed.mlp[2]
    projections = [m.emb_proj for m in model.modules() if hasattr(m, "emb_proj")]
    return TimeMLPRow(
        f"ours: {name}",
        first.in_features,
        last.out_features,
        "add",
        len(projections),
        sum(p.weight.numel() + p.bias.numel() for p in projections),
        "A learned class vector of the same width is added to it.",
        "this app's model object",
    )
