"""Denoiser page section: after the encoding, the time MLP and how each block uses it."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st
from torch import nn

from timestep_lab.models import time_mlp as tm
from timestep_lab.ui import show_code
from timestep_lab.ui.models import weights_stamp

BLOCK_FORMULAS = {
    "add": r"h \leftarrow h + W\,\mathrm{SiLU}(e)",
    "adagn": r"h \leftarrow (1 + s)\odot\mathrm{GroupNorm}(h) + b,\quad [s, b] = W\,"
    r"\mathrm{SiLU}(e)",
    "adaln_zero": r"h \leftarrow h + g\odot\mathrm{Block}\big((1 + s)\odot\mathrm{LayerNorm}(h)"
    r" + b\big),\quad [b, s, g] = W\,\mathrm{SiLU}(e),\ W = 0\ \text{at the start}",
}
BLOCK_SOURCES = {
    "add": "Ho et al. 2020; Stable Diffusion's ResBlocks; ours",
    "adagn": "ADM, Dhariwal & Nichol 2021, §3",
    "adaln_zero": "DiT, Peebles & Xie 2023, §3.2 (per block, for attention and for the MLP)",
}


def sizes_table(rows: list[tm.TimeMLPRow]) -> pd.DataFrame:
    """One row per model: input width, MLP widths and parameters, what the blocks do."""
    return pd.DataFrame(
        {
            "model": [r.model for r in rows],
            "P(k) width d": [r.enc_dim for r in rows],
            "time MLP": [f"{r.enc_dim} → {r.emb_dim} → SiLU → {r.emb_dim}" for r in rows],
            "MLP parameters": [f"{r.mlp_params:,}" for r in rows],
            "blocks that use it": [r.blocks for r in rows],
            "how": [tm.BLOCK_USE[r.block_use] for r in rows],
            "their projections' parameters": [f"{r.block_params:,}" for r in rows],
            "also": [r.extra for r in rows],
            "source": [r.source for r in rows],
        }
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_rows(
    name: str, stamp: tuple[int, int] | None, _model: nn.Module
) -> tuple[list[tm.TimeMLPRow], pa.Table]:
    """The rows and the table for the model ``name`` whose weights file has ``stamp``
    (``weights_stamp``, as ``cached_model`` keys the model: retrained weights get new rows),
    built once, not on every run of the page (pandas → Arrow costs ~10 ms)."""
    rows = [tm.ours_row(_model, name), *tm.reference_rows()]
    return rows, pa.Table.from_pandas(sizes_table(rows), preserve_index=False)


def time_mlp_section(model: nn.Module, name: str) -> None:
    """Our model's time MLP beside Stable Diffusion 1.5, SDXL and DiT-XL/2, and the block rules."""
    st.subheader("8 · After the encoding: the time MLP, and how blocks use it")
    st.write(
        "P(k) is never used as it is. A small MLP, Linear → SiLU → Linear, turns it into the "
        "time embedding e, and in the models below every block then reads e in one of three "
        "ways:"
    )
    for use, formula in BLOCK_FORMULAS.items():
        st.markdown(f"**{tm.BLOCK_USE[use]}** ({BLOCK_SOURCES[use]})")
        st.latex(formula)
    rows, table = cached_rows(name, weights_stamp(name), model)
    st.dataframe(table, hide_index=True)
    ours, sd = rows[0], rows[1]
    dit = rows[-1]
    st.caption(
        f"Ours is read from the loaded model; the others are computed from their published "
        f"configurations (checked against diffusers' classes). Stable Diffusion's time MLP has "
        f"{sd.mlp_params / ours.mlp_params:,.0f}× the parameters of ours, and its "
        f"{sd.blocks} ResBlocks hold {sd.block_params:,} more in their projections of e. "
        f"In DiT-XL/2 the adaLN-Zero projections ({dit.blocks} × Linear({dit.emb_dim} → "
        f"{6 * dit.emb_dim})) hold {dit.block_params:,} parameters: there the timestep "
        "steers every block's normalisation (and there e is time plus class; the final "
        f"layer's adaLN, Linear {dit.emb_dim} → {2 * dit.emb_dim}, adds "
        f"{dit.emb_dim * 2 * dit.emb_dim + 2 * dit.emb_dim:,} more, not counted above)."
    )
    show_code(tm.time_mlp_params, tm.unet_resblock_channels, tm.ours_row)
