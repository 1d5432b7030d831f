"""Reading σ off x_k alone (Donoho's MAD of the finest Haar diagonal): where it holds, where not.

These tests hold the noise page's view "Can you tell the step from the image?": the estimate
recovers the true noise level √(1−ᾱ_k) within 15% wherever that level is at least 0.15, on
every bundled image, schedule and several noise draws; and near k = 0 a photo's own texture
makes it read too high.
"""

import numpy as np
import pytest

from timestep_lab.encodings import noise_schedule
from timestep_lab.images import BUNDLED_IMAGES, WORKING_SIZE, bundled_image, to_signed
from timestep_lab.images.noise_level import (
    MAD_NORMAL,
    estimate_sigma,
    haar_diagonal,
    noise_level_sweep,
    timestep_from_sigma,
)


def sweep(name, schedule_name, seed, timesteps=None):
    x0 = to_signed(bundled_image(name, WORKING_SIZE))
    schedule = noise_schedule(schedule_name, 1000)
    noise = np.random.default_rng(seed).standard_normal(x0.shape)
    k = np.arange(1000) if timesteps is None else np.asarray(timesteps)
    result = noise_level_sweep(
        x0, noise, schedule.sqrt_alpha_bar, schedule.sqrt_one_minus_alpha_bar, k
    )
    return x0, noise, schedule, result


def test_mad_constant_is_the_median_of_a_standard_normal_magnitude():
    from statistics import NormalDist

    assert NormalDist().inv_cdf(0.75) == pytest.approx(MAD_NORMAL, rel=1e-12)


def test_haar_diagonal_is_the_orthonormal_2x2_diagonal_filter():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 9, 3))  # odd sizes: the last row and column are dropped
    kernel = np.outer([1, -1], [1, -1]) / 2  # unit norm: ‖kernel‖ = 1
    assert np.sum(kernel**2) == pytest.approx(1.0)
    want = np.empty((3, 4, 3))
    for r in range(3):
        for c in range(4):
            block = x[2 * r : 2 * r + 2, 2 * c : 2 * c + 2]
            want[r, c] = np.einsum("ij,ijk->k", kernel, block)
    np.testing.assert_allclose(haar_diagonal(x), want, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sigma", [0.01, 0.3, 1.0, 5.0])
def test_pure_noise_gives_its_sigma(sigma):
    noise = sigma * np.random.default_rng(2).standard_normal((256, 256))
    assert estimate_sigma(noise) == pytest.approx(sigma, rel=0.03)


@pytest.mark.parametrize("schedule_name", ["linear", "cosine", "scaled_linear"])
@pytest.mark.parametrize("name", list(BUNDLED_IMAGES))
def test_estimate_holds_within_15_percent_where_sigma_is_at_least_015(name, schedule_name):
    for seed in range(3):
        _, _, _, result = sweep(name, schedule_name, seed)
        where = result.sigma >= 0.15
        worst = np.abs(result.relative_error[where]).max()
        assert worst <= 0.15, (name, schedule_name, seed, worst)


def test_near_k0_a_photo_texture_is_read_as_noise():
    """Where it fails: at k = 0 the photo's fine detail doubles the estimate (linear, cosine)."""
    for schedule_name in ("linear", "cosine"):
        _, _, _, result = sweep("hopper", schedule_name, 0, timesteps=[0, 1, 2])
        assert np.all(result.relative_error > 0.5), schedule_name
        assert result.first_within(0.10) is None


def test_sweep_equals_the_estimate_on_each_noised_image():
    x0, noise, schedule, result = sweep("pattern", "cosine", 0, timesteps=[0, 10, 300, 999])
    for k, sigma_hat in zip(result.timesteps, result.sigma_hat, strict=True):
        xk = schedule.q_sample(x0, k, noise)
        assert estimate_sigma(xk) == pytest.approx(sigma_hat, rel=1e-12)
    np.testing.assert_array_equal(result.sigma, schedule.sqrt_one_minus_alpha_bar[result.timesteps])


def test_k_hat_is_close_where_sigma_still_moves():
    """k̂ is within 40 steps of k wherever σ_k is below 0.9; near the end σ_k is flat."""
    for name in BUNDLED_IMAGES:
        *_, result = sweep(name, "linear", 0)
        moving = result.sigma < 0.9
        assert np.abs(result.k_hat - result.timesteps)[moving].max() <= 40, name


def test_exact_sigma_inverts_to_its_own_timestep():
    schedule = noise_schedule("cosine", 1000)
    k = np.array([0, 5, 100, 500, 900])
    np.testing.assert_array_equal(
        timestep_from_sigma(
            schedule.sqrt_one_minus_alpha_bar[k], schedule.sqrt_one_minus_alpha_bar
        ),
        k,
    )


def test_first_within_reads_the_sweep():
    _, _, _, result = sweep("hopper", "linear", 0, timesteps=np.arange(0, 1000, 10))
    start = result.first_within(0.10)
    assert start is not None and start > 0
    after = result.timesteps >= start
    assert np.all(np.abs(result.relative_error[after]) <= 0.10)
    assert np.abs(result.relative_error[result.timesteps == start - 10]) > 0.10


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        haar_diagonal(np.zeros(5))
    with pytest.raises(ValueError, match="shape"):
        haar_diagonal(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="finite"):
        estimate_sigma(np.full((4, 4), np.nan))
    schedule = noise_schedule("linear", 10)
    with pytest.raises(ValueError, match="same shape"):
        noise_level_sweep(
            np.zeros((4, 4)),
            np.zeros((4, 5)),
            schedule.sqrt_alpha_bar,
            schedule.sqrt_one_minus_alpha_bar,
            [0],
        )
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        noise_level_sweep(
            np.zeros((4, 4)),
            np.zeros((4, 4)),
            schedule.sqrt_alpha_bar,
            schedule.sqrt_one_minus_alpha_bar,
            [10],
        )
