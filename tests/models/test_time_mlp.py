"""The time MLP's sizes: ours from our model objects, the others checked against diffusers.

diffusers' UNet2DConditionModel and DiTTransformer2DModel are built with the released
configurations on PyTorch's "meta" device (shapes only, no memory for weights), so every size
the denoiser page states is compared with the classes real code runs.
"""

import pytest
import torch
from diffusers import DiTTransformer2DModel, UNet2DConditionModel
from diffusers.models.embeddings import TimestepEmbedding

from timestep_lab.models import time_mlp as tm
from timestep_lab.models.embedding import TimeEmbedding
from timestep_lab.models.mlp2d import MLP2D
from timestep_lab.models.unet import UNet

# diffusers' configs of runwayml/stable-diffusion-v1-5 and stable-diffusion-xl-base-1.0 (unet)
SD15 = dict(
    block_out_channels=tm.SD15_CHANNELS,
    layers_per_block=tm.SD_LAYERS_PER_BLOCK,
    cross_attention_dim=768,
    attention_head_dim=8,
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
    sample_size=64,
)
SDXL = dict(
    block_out_channels=tm.SDXL_CHANNELS,
    layers_per_block=tm.SD_LAYERS_PER_BLOCK,
    cross_attention_dim=2048,
    attention_head_dim=(5, 10, 20),
    transformer_layers_per_block=(1, 2, 10),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    addition_embed_type="text_time",
    addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
    use_linear_projection=True,
    sample_size=128,
)


def rows():
    return {row.model: row for row in tm.reference_rows()}


def params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def projections(unet):
    return [m.time_emb_proj for m in unet.modules() if getattr(m, "time_emb_proj", None)]


@pytest.mark.parametrize(("enc_dim", "emb_dim"), [(320, 1280), (256, 1152), (64, 128)])
def test_mlp_parameter_formula_equals_diffusers_timestep_embedding(enc_dim, emb_dim):
    assert tm.time_mlp_params(enc_dim, emb_dim) == params(TimestepEmbedding(enc_dim, emb_dim))
    assert tm.time_mlp_params(enc_dim, emb_dim) == params(TimeEmbedding(enc_dim, emb_dim))


@pytest.mark.parametrize(("model", "config"), [("Stable Diffusion 1.5", SD15), ("SDXL", SDXL)])
def test_stable_diffusion_sizes_equal_diffusers_unet(model, config):
    with torch.device("meta"):
        unet = UNet2DConditionModel(**config)
    row = rows()[model]
    assert unet.time_embedding.linear_1.in_features == row.enc_dim == 320
    assert unet.time_embedding.linear_2.out_features == row.emb_dim == 1280
    assert params(unet.time_embedding) == row.mlp_params
    found = projections(unet)
    assert len(found) == row.blocks
    # the same channels block for block (diffusers registers the middle block last)
    assert sorted(p.out_features for p in found) == sorted(
        tm.unet_resblock_channels(config["block_out_channels"], config["layers_per_block"])
    )
    assert sum(params(p) for p in found) == row.block_params
    if model == "SDXL":  # pooled text + six size/crop sinusoids, into a second MLP
        assert unet.add_embedding.linear_1.in_features == tm.sdxl_add_input_dim() == 2816
        assert unet.add_embedding.linear_2.out_features == row.emb_dim
        assert unet.add_time_proj.num_channels == tm.SDXL_SIZE_EMBED_DIM
        assert str(tm.sdxl_add_input_dim()) in row.extra.replace(",", "")
    else:  # SD 1.x: no pooled text or size conditioning joins the time embedding
        assert getattr(unet, "add_embedding", None) is None and unet.class_embedding is None


def test_dit_xl_sizes_equal_diffusers_dit():
    with torch.device("meta"):
        dit = DiTTransformer2DModel(
            num_attention_heads=16,
            attention_head_dim=72,  # 16 × 72 = 1152
            num_layers=tm.DIT_XL_DEPTH,
            in_channels=4,
            out_channels=8,
            sample_size=32,
            patch_size=2,
            num_embeds_ada_norm=1000,
        )
    row = rows()["DiT-XL/2"]
    block = dit.transformer_blocks[0]
    embedder = block.norm1.emb.timestep_embedder
    assert embedder.linear_1.in_features == row.enc_dim == 256
    assert embedder.linear_2.out_features == row.emb_dim == 1152
    assert params(embedder) == row.mlp_params
    assert block.norm1.linear.out_features == 6 * row.emb_dim  # shift, scale, gate × 2
    assert len(dit.transformer_blocks) == row.blocks
    assert sum(params(b.norm1.linear) for b in dit.transformer_blocks) == row.block_params


def test_ours_is_read_from_the_model_object():
    torch.manual_seed(0)
    unet = UNet(channels=(32, 64, 64), enc_dim=64, emb_dim=128)
    row = tm.ours_row(unet, "digits")
    assert (row.enc_dim, row.emb_dim) == (64, 128)
    assert row.mlp_params == params(unet.time_embed) == unet.describe()["params_time_embedding"]
    assert row.blocks == unet.describe()["residual_blocks"]
    assert row.block_params == sum(params(b.emb_proj) for b in [*unet.down, unet.mid, *unet.up])
    mlp = MLP2D()
    assert tm.ours_row(mlp, "toy2d").mlp_params == params(mlp.time_embed)


def test_bad_sizes_are_a_value_error():
    with pytest.raises(ValueError, match="enc_dim=0"):
        tm.time_mlp_params(0, 8)
