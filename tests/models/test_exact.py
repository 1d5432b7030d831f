"""The exact denoiser of Gaussian-mixture data against Monte Carlo on the forward process."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timestep_lab.encodings import noise_schedule
from timestep_lab.models import exact
from timestep_lab.models.exact import (
    gaussian_eps_floor,
    gaussian_mixture,
    k_posterior,
    k_posterior_width,
    mse_floors,
    noised_draws,
    optimal_blind_eps,
    optimal_eps,
)

SCHEDULE = noise_schedule("cosine", 1000)
SMALL = noise_schedule("linear", 50)
MIX_1D = gaussian_mixture([0.3, 0.7], [-1.0, 1.0], [0.1, 0.3])
MIX_2D = gaussian_mixture(
    [0.5, 0.25, 0.25], [[0.8, 0.0], [-0.6, 0.6], [-0.6, -0.6]], [0.2, 0.1, 0.3]
)


def test_eps_star_equals_binned_monte_carlo_average_of_the_noise():
    """E[ε | x_k ≈ x] from 1.2 M forward draws at one k, in narrow bins, matches ε*(x, k)."""
    k = 300
    x0 = np.concatenate([MIX_1D.sample(200_000, seed) for seed in range(6)])
    noise = np.random.default_rng(99).standard_normal(x0.shape)
    xk = SCHEDULE.q_sample(x0, k, noise)[:, 0]
    centres = np.linspace(-1.8, 1.8, 7)
    for centre in centres:
        inside = np.abs(xk - centre) < 0.01
        assert inside.sum() > 500
        mc = noise[inside, 0]
        # the bin's own spread of ε* (its width) plus the sampling error of the mean
        spread = np.ptp(optimal_eps(xk[inside], k, MIX_1D, SCHEDULE))
        tol = 4 * mc.std() / np.sqrt(inside.sum()) + spread
        assert abs(mc.mean() - optimal_eps([centre], k, MIX_1D, SCHEDULE)[0, 0]) < tol


@pytest.mark.parametrize("mixture", [MIX_1D, MIX_2D], ids=["1d", "2d"])
def test_residual_is_orthogonal_to_functions_of_x_and_k(mixture):
    """E[(ε − ε*(x_k, k))·g(x_k, k)] = 0 for every g: the defining property of E[ε | x_k, k]."""
    xk, k, noise = noised_draws(mixture, SCHEDULE, 100_000, seed=3)
    resid = noise - optimal_eps(xk, k, mixture, SCHEDULE)
    t = k[:, None] / 1000.0
    for g in (xk, xk**2, np.sin(3 * xk), xk * t, np.tanh(xk) * (1 - t)):
        prod = resid * g
        se = prod.std(0) / np.sqrt(len(prod))
        assert np.all(np.abs(prod.mean(0)) < 5 * se)
    # and a wrong predictor is not orthogonal: ε itself correlates with x_k
    assert np.all(np.abs((noise * xk).mean(0)) > 0.1)


@pytest.mark.parametrize("mixture", [MIX_1D, MIX_2D], ids=["1d", "2d"])
def test_blind_residual_is_orthogonal_to_functions_of_x_only(mixture):
    """E[(ε − ε*_∅(x_k))·g(x_k)] = 0 with k unknown (uniform): ε*_∅ is E[ε | x_k]."""
    xk, _, noise = noised_draws(mixture, SMALL, 60_000, seed=4)
    resid = noise - optimal_blind_eps(xk, mixture, SMALL)
    for g in (np.ones_like(xk), xk, xk**2, np.sin(3 * xk)):
        prod = resid * g
        se = prod.std(0) / np.sqrt(len(prod))
        assert np.all(np.abs(prod.mean(0)) < 5 * se)


def test_blind_eps_is_the_posterior_average_of_eps_star():
    x = np.linspace(-2, 2, 9)
    post = k_posterior(x, MIX_1D, SMALL)
    np.testing.assert_allclose(post.sum(1), 1.0, rtol=1e-12)
    per_k = np.stack([optimal_eps(x, k, MIX_1D, SMALL)[:, 0] for k in range(50)], axis=1)
    np.testing.assert_allclose(
        optimal_blind_eps(x, MIX_1D, SMALL)[:, 0], (post * per_k).sum(1), rtol=1e-10, atol=1e-12
    )


def test_single_gaussian_floor_matches_its_closed_form():
    mixture = gaussian_mixture([1.0], [[0.5, -0.5]], [0.3])
    floors = mse_floors(mixture, SMALL, num=40_000, seed=1)
    exact_floor = gaussian_eps_floor(0.3, SMALL).mean()
    assert abs(floors.eps - exact_floor) < 4 * floors.eps_se


def test_floors_order_and_bands():
    floors = mse_floors(MIX_1D, SMALL, num=20_000, seed=0, num_bands=5)
    assert floors.eps < floors.blind  # knowing k helps on this data
    assert floors.band_edges.tolist() == [0, 10, 20, 30, 40, 50]
    assert np.all(floors.eps_bands <= floors.blind_bands + 3 * floors.blind_se * np.sqrt(5))
    # a perturbed ε* does worse: the floor is a minimum
    xk, k, noise = noised_draws(MIX_1D, SMALL, 20_000, seed=0)
    star = optimal_eps(xk, k, MIX_1D, SMALL)
    assert ((noise - 1.1 * star) ** 2).mean() > ((noise - star) ** 2).mean()


def test_coarse_k_grid_moves_the_blind_answer_little():
    x = np.linspace(-2.5, 2.5, 41)
    full = optimal_blind_eps(x, MIX_1D, SCHEDULE)
    coarse = optimal_blind_eps(x, MIX_1D, SCHEDULE, k_grid=np.arange(2, 1000, 5))
    assert np.max(np.abs(full - coarse)) < 0.02


def test_k_is_readable_in_high_dimension_and_not_in_one():
    dims = np.array([1, 16, 256, 4096])
    widths = k_posterior_width(dims, 500, SCHEDULE, std=0.5, num=100)
    assert np.all(np.diff(widths) < 0)
    assert widths[0] > 0.5 * widths.max() and widths[-1] < 0.05 * widths[0]


def test_unit_variance_gaussian_data_says_nothing_about_k():
    """At σ = 1 every x_k is N(0, I): p(k | x_k) is the uniform prior, in any dimension."""
    T = SCHEDULE.num_timesteps
    widths = k_posterior_width(np.array([1, 4096]), 500, SCHEDULE, std=1.0, num=10)
    np.testing.assert_allclose(widths, np.sqrt((T**2 - 1) / 12.0), rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    mu=st.floats(-3, 3),
    std=st.floats(0.0, 2.0),
    k=st.integers(0, 49),
    x=st.lists(st.floats(-5, 5), min_size=1, max_size=8),
)
def test_one_component_is_the_linear_gaussian_formula(mu, std, k, x):
    mixture = gaussian_mixture([1.0], [mu], [std])
    ab = SMALL.alpha_bar[k]
    var = ab * std**2 + 1 - ab
    expected = np.sqrt(1 - ab) * (np.asarray(x) - np.sqrt(ab) * mu) / var
    np.testing.assert_allclose(
        optimal_eps(x, k, mixture, SMALL)[:, 0], expected, rtol=1e-9, atol=1e-9
    )


@settings(max_examples=30, deadline=None)
@given(
    weights=st.lists(st.floats(0.05, 5.0), min_size=2, max_size=4),
    seed=st.integers(0, 1000),
    k=st.integers(0, 49),
)
def test_components_order_and_weight_scale_do_not_matter(weights, seed, k):
    rng = np.random.default_rng(seed)
    K = len(weights)
    means, stds = rng.normal(size=(K, 2)), rng.uniform(0, 1, K)
    x = rng.normal(size=(5, 2)) * 2
    a = gaussian_mixture(weights, means, stds)
    order = rng.permutation(K)
    b = gaussian_mixture(np.asarray(weights)[order] * 7.0, means[order], stds[order])
    np.testing.assert_allclose(a.weights.sum(), 1.0)
    np.testing.assert_allclose(optimal_eps(x, k, a, SMALL), optimal_eps(x, k, b, SMALL), atol=1e-9)
    np.testing.assert_allclose(
        optimal_blind_eps(x, a, SMALL), optimal_blind_eps(x, b, SMALL), atol=1e-9
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: gaussian_mixture([1, 1], [0.0], [0.1]), "weights must be 1"),
        (lambda: gaussian_mixture([-1.0], [0.0], [0.1]), "≥ 0"),
        (lambda: gaussian_mixture([1.0], [np.nan], [0.1]), "finite"),
        (lambda: gaussian_mixture([1.0], [0.0], [-0.1]), r"\[0, 100\]"),
        (lambda: gaussian_mixture([1.0], np.zeros((1, 5000)), [0.1]), "D in 1 … 4096"),
        (lambda: optimal_eps([[0.0, 0.0]], 0, MIX_1D, SMALL), r"\(N, 1\)"),
        (lambda: optimal_eps([0.0], 50, MIX_1D, SMALL), r"\[0, 50\)"),
        (lambda: optimal_eps([0.0], 1.5, MIX_1D, SMALL), "whole numbers"),
        (lambda: optimal_eps([np.inf], 1, MIX_1D, SMALL), "finite"),
        (lambda: k_posterior_width(np.array([0]), 1, SMALL), "1 … 4096"),
        (lambda: MIX_1D.sample(0, 0), "1 … 200000"),
    ],
)
def test_bad_input_names_the_value_and_range(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_blind_work_is_bounded():
    many = gaussian_mixture(np.ones(4096), np.zeros((4096, 1)), [0.0])
    with pytest.raises(ValueError, match="coarser k_grid"):
        optimal_blind_eps(np.zeros(200), many, SCHEDULE)
    assert exact.MAX_WORK < 200 * 1000 * 4096
