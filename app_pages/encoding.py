"""Encoding explorer: the sinusoidal timestep encoding P(k, j), in three tabs of which only the
open one runs: P itself (sections 1–6), why sinusoids (7 and two more), real layouts (8)."""

import numpy as np
import streamlit as st

from app_pages.sections.k_free import (
    cached_embedding,
    cached_similarities,
    encoding_figures,
    layout_reorder_gap,
    layouts_figure,
    naive_figures,
)
from app_pages.sections.spectral_bias import spectral_bias_section
from app_pages.sections.time_inputs import time_input_section
from timestep_lab.encodings import (
    CONVENTIONS,
    MIN_DIM,
    column_roles,
    frequencies,
    frequency_roles,
    half_similarity_shift,
    normalized_index_encoding,
    raw_index_encoding,
    row_similarity,
    similarity_matrix,
    timestep_embedding,
    wavelengths,
)
from timestep_lab.figures.encoding_static import heatmap_png_figure
from timestep_lab.lesson.evidence import length_change, measured, scalar_twin_sentence
from timestep_lab.ui import (
    choice_control,
    csv_download,
    int_control,
    link_to_view,
    log_control,
    plot,
    png_download,
    show_code,
    tab_control,
)
from timestep_lab.ui.components.encoding_views import encoding_view
from timestep_lab.ui.components.k_sync import followed_k, k_follower
from timestep_lab.ui.downloads import MAX_CSV_CELLS, csv_text, npz_download
from timestep_lab.ui.shared import timestep_controls

BASES = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000]
BASES += [100_000, 200_000, 500_000, 1_000_000]
LAYOUT_NAMES = {
    "transformer": "transformer: sin, cos, sin, cos … (Vaswani et al.)",
    "ddpm": "DDPM: [sin … | cos …] (Ho et al.)",
    "ldm": "Stable Diffusion: [cos … | sin …] (latent diffusion)",
}
# The page's tabs (URL key ``tab``, its label as written here).
TABS = ("The encoding", "Why sinusoids", "Layouts in real code")
# View 6's formula, by layout (KaTeX)
FORMULAS = {
    "transformer": r"P(k, 2i) = \sin\!\left(\frac{k}{n^{2i/d}}\right),\quad "
    r"P(k, 2i+1) = \cos\!\left(\frac{k}{n^{2i/d}}\right)",
    "ddpm": r"P(k, i) = \sin(k\,\omega_i),\ P(k, i + \tfrac{d}{2}) = \cos(k\,\omega_i),\ "
    r"\omega_i = n^{-i/(d/2-1)}",
    "ldm": r"P(k, i) = \cos(k\,\omega_i),\ P(k, i + \tfrac{d}{2}) = \sin(k\,\omega_i),\ "
    r"\omega_i = n^{-i/(d/2)}",
}


def encoding_controls() -> tuple[int, float, int, int, str]:
    """The sidebar: d, n, T, k and the layout, each bound to the URL."""
    st.header("Encoding")
    dim = int_control(
        "d, embedding dimension",
        "d",
        2,
        1024,
        128,
        help="Length of the vector the network receives. Even d gives whole sin/cos pairs.",
    )
    base = log_control(
        "n, base",
        "n",
        BASES,
        10_000,
        help="Sets the slowest wavelength: 2π·n^((d−2)/d) timesteps (transformer and Stable "
        "Diffusion layouts), 2π·n (DDPM layout). 10000 in DDPM, Stable Diffusion and the "
        "Transformer.",
    )
    num_timesteps, k = timestep_controls()
    layout = choice_control(
        "Layout",
        "layout",
        CONVENTIONS,
        "transformer",
        help="Real code orders the same sin/cos values differently; see the tab “Layouts in real "
        "code”.",
    )
    st.caption(LAYOUT_NAMES[layout])
    return dim, base, num_timesteps, k, layout


st.title("Encoding explorer")
with st.sidebar:
    dim, base, num_timesteps, k, layout = encoding_controls()

if dim < MIN_DIM[layout]:
    st.warning(
        f"The {layout} layout needs d ≥ {MIN_DIM[layout]}: its frequency spacing "
        f"n^(−i/(d/2−1)) divides by zero at d = {dim}. Showing d = {MIN_DIM[layout]}.",
        icon=":material/info:",
    )
    dim = MIN_DIM[layout]

slowest = float(wavelengths(dim, base=base, convention=layout)[-1])
# One element per heading and the paragraph under it: each element is a message the server
# builds and sends on every run of the page (a class shares one server process).
st.markdown(
    "A diffusion network shares one set of weights across every noise level, so it is usually "
    "told which timestep k it is looking at (it can also read much of the noise level off the "
    "noisy image itself: see the twins on Watch it denoise). In DDPM and Stable Diffusion it "
    "is not told the bare number: k becomes a vector P(k) of sines and cosines at d/2 "
    "different speeds, from one turn every 2π steps to one turn every "
    f"{slowest:,.0f} steps here ({'2π·n' if layout == 'ddpm' else '2π·n^((d−2)/d)'} for the "
    f"{layout} layout at d = {dim}, n = {base:g}). Move the sliders and watch what each part "
    "does."
)


@k_follower("encoding:heatmap_png")
def heatmap_png(embedding: np.ndarray, layout: str, dim: int, base: float, stem: str) -> None:
    """The heatmap as a PNG, with the row k outlined: it follows k."""
    k = followed_k()
    png_download(
        "Heatmap (PNG)",
        lambda: heatmap_png_figure(embedding, k, title=f"P, {layout}, d={dim}, n={base:g}"),
        f"{stem}_k{k}.png",
        key="heatmap_png",
    )


@k_follower("encoding:fraction")
def fraction_caption(num_timesteps: int) -> None:
    """What k/T means at k under two schedules and two T: it follows k."""
    k = followed_k()
    other = 4 * num_timesteps if 4 * num_timesteps <= 4000 else max(10, num_timesteps // 4)
    change = length_change(min(k, other - 1), num_timesteps, other)
    linear = length_change(min(k, other - 1), num_timesteps, other, "linear")
    st.caption(
        "Bounded. Whether it keeps its meaning when T changes depends on the schedule. The "
        "cosine schedule defines ᾱ from k/T (Nichol & Dhariwal 2021, eq. 17): k = "
        f"{change.k} has ᾱ = {change.alpha_bar:.3f} at T = {num_timesteps} but "
        f"{change.same_k_alpha_bar:.3f} at T = {other}, while the same k/T (k = "
        f"{change.same_fraction_k} at T = {other}) has ᾱ = "
        f"{change.same_fraction_alpha_bar:.3f}. Linear β does not: there the same k has "
        f"ᾱ = {linear.alpha_bar:.3f} at T = {num_timesteps}, {linear.same_k_alpha_bar:.3f} at "
        f"T = {other} and the same k/T {linear.same_fraction_alpha_bar:.3f} (unless β is "
        "scaled by 1000/T, as improved DDPM's code does). Continuous-time models feed t or "
        "the noise level itself (score SDE: 999·t, Song et al. 2021; VDM: −log-SNR rescaled "
        "to [0, 1], Kingma et al. 2021; see “Index or noise level?” below). The case against "
        "k/T in the seed article comes from transformers, where a position means the same "
        "thing in a short and a long sentence. What remains: neighbours differ by only 1/T = "
        f"{1 / num_timesteps:.4g}."
    )


def layout_check(num_timesteps: int, comparison_dim: int, base: float) -> None:
    """The transformer vector reordered equals Stable Diffusion's, checked for every k."""
    gap = layout_reorder_gap(num_timesteps, comparison_dim, base)
    why = (
        " (rounding: the two compute the same frequencies by different formulas, n^(−2i/d) "
        "for the transformer layout and exp(−ln n · i/(d/2)) for Stable Diffusion's, the "
        "formula of diffusers' get_timestep_embedding; both in float64 here)"
        if gap > 0
        else ""
    )
    st.info(
        "Reorder the transformer vector P(k) as [all cos | all sin] and it equals the Stable "
        f"Diffusion vector, for every k from 0 to {num_timesteps - 1}: largest difference "
        f"{gap:.1e}{why}. DDPM's slowest pair has ω = 1/n = {1 / base:.3g} instead of "
        f"n^(−(d/2−1)/(d/2)) = {base ** (-(comparison_dim // 2 - 1) / (comparison_dim // 2)):.3g}.",
        icon=":material/compare_arrows:",
    )


def the_encoding(num_timesteps: int, dim: int, base: float, layout: str, k: int) -> None:
    """Sections 1–6: P itself, seen from six sides (the browser draws what follows k)."""
    # 1 ─ the heatmap ─────────────────────────────────────────────────────────────────
    st.markdown(
        "### 1 · The whole matrix P\n\n"
        "Each row is one timestep's vector; each column one sin or cos wave. Columns that "
        "belong to fast frequencies flicker from row to row; slow ones change only over "
        "hundreds of rows or more."
    )
    embedding = cached_embedding(num_timesteps, dim, base, layout)
    setting = dict(k=k, num_timesteps=num_timesteps, dim=dim, base=base, layout=layout)
    encoding_view("heatmap", key="heatmap", **setting)
    st.caption(
        f"Heatmap of P for T = {num_timesteps}, d = {dim}, n = {base:g}, {layout} layout: all "
        f"{num_timesteps * dim:,} cells, computed by your browser (no averaging). Drag on it, use "
        "the arrow keys or press Play to move the outlined row k; point at a cell to read it."
    )
    left, middle, right, _ = st.columns([1, 1, 1, 1])
    stem = f"encoding_{layout}_d{dim}_n{base:g}_T{num_timesteps}"

    with left:
        heatmap_png(embedding, layout, dim, base, stem)
    with middle:
        npz_download(
            "P as .npz (float32)",
            lambda: {"P": embedding, "k": np.arange(num_timesteps)},
            f"{stem}.npz",
            key="matrix_npz",
        )
    with right:
        if embedding.size <= MAX_CSV_CELLS:
            csv_download(
                "P as CSV",
                lambda: csv_text(
                    ["k", *[f"P_{j}" for j in range(dim)]],
                    [np.arange(num_timesteps), *embedding.T],
                ),
                f"{stem}.csv",
                key="matrix_csv",
            )
        else:
            st.caption(
                f"P has {embedding.size:,} values, more than a CSV offered here holds "
                f"({MAX_CSV_CELLS:,}): take the .npz (`numpy.load`), or lower T or d."
            )
    show_code(timestep_embedding)

    # 2 ─ one vector ──────────────────────────────────────────────────────────────────
    st.markdown(
        "### 2 · The vector P(k) the network receives\n\n"
        "This row is what the network is told about time. Its length is always √(d/2) for even d, "
        "so no timestep's vector is larger than another's."
    )
    encoding_view("vector", key="vector", **setting)
    show_code(column_roles)

    # 3 ─ wavelengths ─────────────────────────────────────────────────────────────────
    lam = wavelengths(dim, base=base, convention=layout)
    roles = frequency_roles(lam, num_timesteps)
    still = int(np.count_nonzero(roles == "still"))
    aliased = int(np.count_nonzero(roles == "aliased"))
    st.markdown(
        "### 3 · Wavelengths against T\n\n"
        "A pair can tell timesteps apart only if it turns a noticeable amount across 0 … T−1; one "
        "that barely turns is nearly the same number for every k. Wavelengths grow geometrically "
        "from 2π to about 2π·n."
    )
    figures = encoding_figures(num_timesteps, dim, base, layout)
    plot(figures["wavelengths"], key="wavelengths")
    st.caption(
        f"{lam.size} wavelengths from {lam[0]:.3g} to {lam[-1]:.4g} timesteps (log scale). "
        f"{still} of them turn less than 5% of a circle over all {num_timesteps} timesteps, so "
        f"their values barely change; {aliased} are shorter than 2 steps"
        + (
            " (none can be: the fastest pair has ω = n⁰ = 1, a wavelength of 2π ≈ 6.3 steps)."
            if aliased == 0
            else "."
        )
    )
    show_code(wavelengths, frequency_roles)

    # 4 ─ similarity ──────────────────────────────────────────────────────────────────
    st.markdown(
        "### 4 · Which timesteps look alike?\n\n"
        "The dot product of two rows measures how alike the two *input vectors* are, before the "
        "network has done anything with them; the MLP that follows can merge or separate them. "
        "Near timesteps have similar vectors, far ones less so, and the pattern depends only on "
        "the distance Δ between them, not on where they are."
    )
    sim_rows, _, _, half = cached_similarities(num_timesteps, dim, base, layout)
    left, right = st.columns(2)
    with left:
        plot(figures["similarity"], key="similarity")
        st.caption(
            f"Cosine similarity of P(a) and P(b) for {sim_rows.size} evenly spaced timesteps: "
            "the bright diagonal band is 'near in time'."
        )
    with right:
        encoding_view("shift", key="shift", **setting)
        st.caption(
            "Similarity of P(k) and P(k+Δ) against Δ (blue) and of P(0) and P(Δ) (dashed): "
            "the curves coincide, which is the relative-position property."
            + (
                f" The similarity first drops to ½ at Δ = {half:g}: timesteps closer than that "
                "have similar input vectors."
                if half is not None
                else " Within this range it never drops to ½: every timestep looks alike."
            )
        )
    show_code(row_similarity, half_similarity_shift, similarity_matrix)

    # 5 ─ phase circle ────────────────────────────────────────────────────────────────
    st.markdown(
        "### 5 · A shift is a rotation\n\n"
        "Each (sin, cos) pair is a point on a circle that turns by ω_i per timestep. Moving from "
        "k to k + Δ turns it by ω_i·Δ, the same angle wherever k starts: P(k + Δ) is P(k) times "
        "one fixed rotation matrix, so a single linear layer can apply the shift for every k "
        "(Vaswani et al. 2017, §3.5)."
    )
    n_freqs = lam.size
    c1, c2 = st.columns(2)
    with c1:
        i = int_control("i, frequency index", "i", 0, n_freqs - 1, 8)
    with c2:
        delta = int_control("Δ, shift in timesteps", "delta", 1, 200, 5)
    encoding_view("phase", key="phase", i=i, delta=delta, **setting)
    show_code(frequencies)

    # 6 ─ the formula ─────────────────────────────────────────────────────────────────
    # The heading and the display formula as one element (st.latex writes the same $$ … $$).
    st.markdown(f"### 6 · The formula with these numbers\n\n$$\n{FORMULAS[layout]}\n$$")
    encoding_view("formula", key="formula", i=i, **setting)


def why_sinusoids(num_timesteps: int, dim: int, base: float, layout: str) -> None:
    """Section 7, “Why sines?” and “Index or noise level?”: what P(k) replaces, and why."""
    naive = naive_figures(num_timesteps, dim, base, layout)
    # 7 ─ the naive alternatives ──────────────────────────────────────────────────────
    st.markdown(
        "### 7 · Why not just give the network k?\n\n"
        "Two simpler inputs come first. Neither is wrong, and both can be trained; each has a "
        "weakness the sinusoidal code avoids."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Raw index k**")
        plot(naive["naive_raw"], key="naive_raw")
        raw = measured("digits-raw", "class_accuracy")
        told = measured("digits", "class_accuracy")
        st.caption(
            f"The input runs from 0 to {num_timesteps - 1}, while the other inputs (pixels in "
            "[−1, 1]) and the usual weight initialisation expect values near 1: badly scaled "
            "input, which training has to compensate for."
            + (
                f" It can: our digits-raw twin, fed the bare k, draws the asked-for digit in "
                f"{raw.percent()} of its samples, against {told.percent()} with P(k) (model "
                "cards, one training run each)."
                if raw and told
                else ""
            )
        )
    with c2:
        st.markdown("**Index divided by T**")
        plot(naive["naive_norm"], key="naive_norm")
        fraction_caption(num_timesteps)
    with c3:
        st.markdown("**Sinusoidal P(k)**")
        plot(naive["naive_sin"], key="naive_sin")
        st.caption(
            "Every value stays in [−1, 1]; fast columns change a lot between neighbours, slow ones "
            "place k in the whole range. Fast columns help a small MLP when the function of k "
            "has fine detail (“Why sines?” below); DDPM took the code from the Transformer (Ho "
            "et al. 2020, Appendix B). A denoiser's best answer changes smoothly with k, and "
            "a scalar can do: " + (scalar_twin_sentence() or "")
        )
    show_code(raw_index_encoding, normalized_index_encoding, length_change)
    spectral_bias_section(num_timesteps, dim, base, layout)
    time_input_section(num_timesteps, dim, base, layout)


def layouts_in_real_code(num_timesteps: int, dim: int, base: float) -> None:
    """Section 8: the three layouts real code uses, and how they differ."""
    # 8 ─ layouts ─────────────────────────────────────────────────────────────────────
    st.markdown(
        "### 8 · Three layouts, one idea\n\n"
        "Transformer code interleaves sin and cos; DDPM puts all sines first; Stable Diffusion "
        "puts all cosines first. The numbers are the same waves in a different column order, "
        "and DDPM spaces its frequencies slightly differently."
    )
    comparison_dim = max(dim, MIN_DIM["ddpm"])
    plot(layouts_figure(dim, base), key="layouts")
    st.caption(
        f"Frequency carried by each column for d = {comparison_dim}: transformer's staircase of "
        "pairs, and two descending ramps (one sin, one cos) for DDPM and Stable Diffusion."
    )
    if comparison_dim % 2 == 0:
        layout_check(num_timesteps, comparison_dim, base)
    show_code(frequencies, column_roles)


# Only the open tab runs: sections 7 and 8 were about a third of the server's CPU for an
# open of this page, the page a class opens first (README, Performance). The URL keeps the
# open tab, so a link shows the same one.
explore, why, layouts = tab_control(TABS, "tab")
with explore:
    if explore.open:
        the_encoding(num_timesteps, dim, base, layout, k)
with why:
    if why.open:
        why_sinusoids(num_timesteps, dim, base, layout)
with layouts:
    if layouts.open:
        layouts_in_real_code(num_timesteps, dim, base)

with st.sidebar:
    link_to_view()
