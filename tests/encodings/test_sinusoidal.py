"""The sinusoidal encoding: equal to diffusers, pinned per lineage, and its properties."""

import math

import numpy as np
import pytest
import torch
from diffusers.models.embeddings import get_timestep_embedding
from hypothesis import given, settings
from hypothesis import strategies as st

from timestep_lab.encodings import (
    CONVENTIONS,
    column_roles,
    frequencies,
    frequency_roles,
    half_similarity_shift,
    layout_reorder_gap,
    normalized_index_encoding,
    raw_index_encoding,
    rotation,
    row_similarity,
    shift_similarity,
    similarity_matrix,
    timestep_embedding,
    wavelengths,
)

DIFFUSERS_FLAGS = {  # convention → (flip_sin_to_cos, downscale_freq_shift)
    "ddpm": (False, 1),
    "ldm": (True, 0),
}
TIMESTEPS = np.array([0, 1, 2, 7, 10.5, 99, 250, 999, 1000.25, 3999])


def reference(timesteps, dim, base, convention):
    flip, shift = DIFFUSERS_FLAGS[convention]
    emb = get_timestep_embedding(
        torch.tensor(timesteps, dtype=torch.float64), dim, flip, shift, max_period=base
    )
    return emb.double().numpy()


def float32_tolerance(timesteps):
    # diffusers works in float32: the angle k·ω carries a relative error of ~6e-8, so
    # sin/cos of it are off by up to ~k·1e-7 (plus rounding of the result itself).
    return 2e-7 * (1 + np.abs(np.asarray(timesteps)))[:, None] + 1e-6


@pytest.mark.parametrize("convention", ["ddpm", "ldm"])
@pytest.mark.parametrize("dim", [4, 5, 6, 7, 8, 16, 33, 128, 320, 1024])
@pytest.mark.parametrize("base", [2.0, 100.0, 10000.0, 1e6])
def test_equals_diffusers(convention, dim, base):
    ours = timestep_embedding(TIMESTEPS, dim, base=base, convention=convention)
    theirs = reference(TIMESTEPS, dim, base, convention)
    assert ours.shape == theirs.shape == (TIMESTEPS.size, dim)
    assert np.all(np.abs(ours - theirs) <= float32_tolerance(TIMESTEPS))


def test_ldm_at_dim_two_and_three_equals_diffusers():
    for dim in (2, 3):
        ours = timestep_embedding(TIMESTEPS, dim, convention="ldm")
        assert np.all(np.abs(ours - reference(TIMESTEPS, dim, 10000.0, "ldm")) <= 1e-3)


def test_transformer_is_the_seed_formula_cell_by_cell():
    dim, base = 7, 10000.0
    emb = timestep_embedding(TIMESTEPS, dim, base=base)
    for r, k in enumerate(TIMESTEPS):
        for j in range(dim):
            i = j // 2
            angle = k / base ** (2 * i / dim)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert emb[r, j] == pytest.approx(expected, abs=1e-12)


def test_transformer_even_dim_is_ldm_with_columns_reordered():
    ours = timestep_embedding(TIMESTEPS, 64, convention="transformer")
    ldm = timestep_embedding(TIMESTEPS, 64, convention="ldm")
    np.testing.assert_allclose(np.hstack([ours[:, 1::2], ours[:, 0::2]]), ldm, atol=1e-12)


@pytest.mark.parametrize(("T", "d", "n"), [(700, 130, 500.0), (1, 4, 10_000.0), (257, 64, 2.0)])
def test_layout_reorder_gap_is_the_whole_matrices_gap(T, d, n):
    """Computed 256 rows at a time; the same number as the whole matrices give."""
    k = np.arange(T)
    ours = timestep_embedding(k, d, base=n, convention="transformer")
    ldm = timestep_embedding(k, d, base=n, convention="ldm")
    whole = np.abs(np.hstack([ours[:, 1::2], ours[:, 0::2]]) - ldm).max()
    assert layout_reorder_gap(T, d, base=n) == whole
    assert whole < 1e-9


@pytest.mark.parametrize(
    ("T", "d", "n", "message"),
    [(0, 8, 10.0, "≥ 1"), (2.5, 8, 10.0, "whole"), (10, 7, 10.0, "even"), (10, 8, 1.0, "> 1")],
)
def test_layout_reorder_gap_refuses_bad_input(T, d, n, message):
    with pytest.raises(ValueError, match=message):
        layout_reorder_gap(T, d, base=n)


# Pinned values, labelled by lineage: d = 4, n = 10000, k = 1.
SIN1, COS1 = 0.8414709848078965, 0.5403023058681398


@pytest.mark.parametrize(
    ("lineage", "convention", "expected"),
    [
        # transformer / seed: ω = (1, 10000^(-1/2) = 0.01), interleaved
        (
            "transformer / seed",
            "transformer",
            [SIN1, COS1, 0.009999833334166664, 0.9999500004166653],
        ),
        # DDPM: ω = (1, 10000^(-1/(2-1)) = 1e-4), [sin | cos]
        ("DDPM", "ddpm", [SIN1, 9.999999983333334e-05, COS1, 0.999999995]),
        # LDM / Stable Diffusion: ω = (1, 0.01), [cos | sin]
        ("LDM/SD", "ldm", [COS1, 0.9999500004166653, SIN1, 0.009999833334166664]),
    ],
)
def test_pinned_values(lineage, convention, expected):
    row = timestep_embedding([1], 4, convention=convention)[0]
    np.testing.assert_allclose(row, expected, rtol=0, atol=1e-15, err_msg=lineage)


def test_odd_dim_pads_blocked_layouts_and_keeps_sin_for_transformer():
    k = np.array([3.0])
    assert timestep_embedding(k, 5, convention="ddpm")[0, -1] == 0.0
    assert timestep_embedding(k, 5, convention="ldm")[0, -1] == 0.0
    last = timestep_embedding(k, 5, convention="transformer")[0, -1]
    assert last == pytest.approx(math.sin(3.0 / 10000 ** (4 / 5)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(timesteps=[1], dim=0), "dim=0"),
        (dict(timesteps=[1], dim=3, convention="ddpm"), "dim ≥ 4"),
        (dict(timesteps=[1], dim=2, convention="ddpm"), "dim ≥ 4"),
        (dict(timesteps=[1], dim=1, convention="ldm"), "dim ≥ 2"),
        (dict(timesteps=[1], dim=8, base=1.0), "base"),
        (dict(timesteps=[1], dim=8, base=float("inf")), "base"),
        (dict(timesteps=[np.nan], dim=8), "finite"),
        (dict(timesteps=[np.inf], dim=8), "finite"),
        (dict(timesteps=[[1, 2]], dim=8), "1-D"),
        (dict(timesteps=[1], dim=8, convention="vaswani"), "transformer, ddpm, ldm"),
        (dict(timesteps=[1], dim=8.5), "whole number"),
    ],
)
def test_invalid_input_names_the_value_and_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timestep_embedding(**kwargs)


def test_diffusers_returns_nan_where_we_refuse():
    # the reason "ddpm" needs d ≥ 4: diffusers divides by d/2 − 1 = 0 and returns NaN
    emb = get_timestep_embedding(torch.tensor([1.0]), 2, False, 1)
    assert torch.isnan(emb).any()


def test_scalar_timestep_is_one_row():
    assert timestep_embedding(5, 8).shape == (1, 8)


# ── properties ────────────────────────────────────────────────────────────────
dims = st.integers(1, 256)
bases = st.floats(1.5, 1e6)
ks = st.floats(-1e4, 1e4, allow_nan=False)
conventions = st.sampled_from(CONVENTIONS)


@settings(max_examples=60, deadline=None)
@given(dims, bases, st.lists(ks, min_size=1, max_size=20), conventions)
def test_every_value_in_unit_range(dim, base, timesteps, convention):
    dim = max(dim, 4)
    emb = timestep_embedding(timesteps, dim, base=base, convention=convention)
    assert np.all(np.abs(emb) <= 1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 256), bases, st.lists(ks, min_size=1, max_size=20), conventions)
def test_each_sin_cos_pair_has_unit_norm(dim, base, timesteps, convention):
    dim = max(dim, 4)
    emb = timestep_embedding(timesteps, dim, base=base, convention=convention)
    i, kind = column_roles(dim, convention=convention)
    for pair in range(dim // 2):
        sin_col = np.flatnonzero((i == pair) & (kind == "sin"))[0]
        cos_col = np.flatnonzero((i == pair) & (kind == "cos"))[0]
        np.testing.assert_allclose(emb[:, sin_col] ** 2 + emb[:, cos_col] ** 2, 1.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(dims, bases, conventions)
def test_row_zero_is_sin_zero_cos_one(dim, base, convention):
    dim = max(dim, 4)
    row = timestep_embedding([0], dim, base=base, convention=convention)[0]
    _, kind = column_roles(dim, convention=convention)
    assert np.all(row[kind == "sin"] == 0.0)
    assert np.all(row[kind == "cos"] == 1.0)
    assert np.all(row[kind == "pad"] == 0.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 128), bases, ks, st.floats(-500, 500), conventions)
def test_shift_is_a_fixed_rotation_of_each_pair(dim, base, k, delta, convention):
    dim = max(dim, 4)
    here, there = timestep_embedding([k, k + delta], dim, base=base, convention=convention)
    i, kind = column_roles(dim, convention=convention)
    omega = frequencies(dim, base=base, convention=convention)
    for pair in range(dim // 2):
        s = np.flatnonzero((i == pair) & (kind == "sin"))[0]
        c = np.flatnonzero((i == pair) & (kind == "cos"))[0]
        rotated = rotation(omega[pair] * delta) @ np.array([here[s], here[c]])
        # the rotation depends on Δ only; k enters only through the starting point
        np.testing.assert_allclose(rotated, [there[s], there[c]], atol=1e-9 * (1 + abs(k)))


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 64).map(lambda h: 2 * h), bases, st.integers(0, 2000))
def test_shift_similarity_does_not_depend_on_k(dim, base, k):
    deltas = np.arange(0, 50)
    np.testing.assert_allclose(
        shift_similarity(k, deltas, dim, base=base),
        shift_similarity(0, deltas, dim, base=base),
        atol=1e-9,
    )


def test_frequencies_and_wavelengths():
    omega = frequencies(8, base=10000.0)
    np.testing.assert_allclose(omega, [1.0, 0.1, 0.01, 0.001])
    np.testing.assert_allclose(wavelengths(8), 2 * np.pi / omega)
    np.testing.assert_allclose(frequencies(8, convention="ddpm"), 10000.0 ** (-np.arange(4) / 3))
    np.testing.assert_allclose(frequencies(8, convention="ldm"), 10000.0 ** (-np.arange(4) / 4))
    assert frequencies(7).size == 4 and frequencies(7, convention="ddpm").size == 3


def test_frequency_roles():
    roles = frequency_roles(np.array([1.5, 10.0, 1e6]), 1000)
    assert roles.tolist() == ["aliased", "informative", "still"]


def test_column_roles():
    i, kind = column_roles(5, convention="ddpm")
    assert i.tolist() == [0, 1, 0, 1, -1]
    assert kind.tolist() == ["sin", "sin", "cos", "cos", "pad"]
    i, kind = column_roles(4, convention="ldm")
    assert kind.tolist() == ["cos", "cos", "sin", "sin"]
    i, kind = column_roles(3)
    assert i.tolist() == [0, 0, 1] and kind.tolist() == ["sin", "cos", "sin"]


def test_naive_encodings():
    ks_ = np.array([0, 1, 999])
    np.testing.assert_array_equal(raw_index_encoding(ks_, 3), np.repeat(ks_[:, None], 3, 1))
    np.testing.assert_allclose(normalized_index_encoding(ks_, 2, 1000)[:, 0], ks_ / 1000)
    with pytest.raises(ValueError, match="num_timesteps"):
        normalized_index_encoding(ks_, 2, 0)


def test_similarity_helpers():
    emb = timestep_embedding(np.arange(50), 16)
    sim = similarity_matrix(emb)
    np.testing.assert_allclose(np.diag(sim), 1.0)
    np.testing.assert_allclose(sim, sim.T)
    deltas = np.arange(0, 200)
    curve = shift_similarity(0, deltas, 16)
    half = half_similarity_shift(curve, deltas)
    assert half is not None and curve[int(half)] <= 0.5 < curve[int(half) - 1]
    assert half_similarity_shift(np.ones(5), np.arange(5)) is None


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_row_similarity_is_a_row_of_the_matrix_and_the_shift_curve(convention):
    emb = timestep_embedding(np.arange(120), 16, convention=convention)
    for k in (0, 37, 119):
        row = row_similarity(emb, k)
        np.testing.assert_allclose(row, similarity_matrix(emb)[k], atol=1e-12)
        deltas = np.arange(120) - k
        np.testing.assert_allclose(
            row, shift_similarity(k, deltas, 16, convention=convention), atol=1e-12
        )
