"""Spectral bias, measured: the scalar k/T fit stays smooth, the P(k) fit draws the jumps.

These tests hold the encoding page's claim (and the walkthrough's answer) that the same small
MLP fed k/T misses sharp detail in k that it reaches when fed P(k).
"""

import numpy as np
import pytest
import torch

from timestep_lab.encodings import timestep_embedding
from timestep_lab.models import spectral_bias as sb


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """As the app runs the fit: one thread (two threads on a shared small CPU thrash)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def default_fits(one_thread):
    return sb.spectral_bias_fits()


def test_the_scalar_fit_is_several_times_worse_and_misses_the_jumps(default_fits):
    scalar = default_fits.fits["scalar"].rms_error
    sinusoidal = default_fits.fits["sinusoidal"].rms_error
    print(f"RMS error: k/T {scalar:.4f}, P(k) {sinusoidal:.4f}, ratio {scalar / sinusoidal:.2f}")
    assert default_fits.error_ratio >= 3
    # the k/T network reproduces almost none of the square wave, the P(k) one almost all
    assert default_fits.detail_captured("scalar") < 0.25
    assert default_fits.detail_captured("sinusoidal") > 0.9


def test_the_scalar_fit_is_smooth_where_the_target_jumps(default_fits):
    """At each jump the target moves by 1 in one step; the k/T fit moves far less."""
    k, y = default_fits.timesteps, default_fits.target
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5)
    assert jumps.size == 2 * default_fits.cycles - 1
    for kind, most in (("scalar", 0.1), ("sinusoidal", None)):
        step = np.abs(np.diff(default_fits.fits[kind].prediction))[jumps]
        if most is not None:
            assert step.max() < most, kind
        else:
            assert np.median(step) > 0.25, kind
    assert k.size == 1000


def test_both_fits_use_the_same_width_steps_and_targets(default_fits):
    for fit in default_fits.fits.values():
        assert fit.prediction.shape == default_fits.target.shape
        assert fit.loss_curve.shape == (default_fits.steps,)
        # the loss it reports is the error it ends with (one more step apart at most)
        assert fit.loss_curve[-1] == pytest.approx(fit.rms_error**2, rel=0.2)


def test_the_fit_is_seeded_and_deterministic():
    k = sb.fit_timesteps(200)
    target = sb.sharp_target(k, 200)
    inputs = timestep_embedding(k, 16)
    first = sb.fit_mlp(inputs, target, "sinusoidal", steps=30)
    again = sb.fit_mlp(inputs, target, "sinusoidal", steps=30)
    other_seed = sb.fit_mlp(inputs, target, "sinusoidal", steps=30, seed=1)
    np.testing.assert_array_equal(first.prediction, again.prediction)
    assert not np.array_equal(first.prediction, other_seed.prediction)


def test_target_is_a_sine_plus_a_square_wave():
    k = np.arange(1000)
    y = sb.sharp_target(k, 1000, cycles=10)
    square = y - np.sin(2 * np.pi * k / 1000)
    np.testing.assert_allclose(np.abs(square), 0.5)
    assert square[0] == 0.5 and square[50] == -0.5 and square[100] == 0.5


def test_work_is_bounded():
    assert sb.fit_timesteps(4000).size == sb.MAX_POINTS
    np.testing.assert_array_equal(sb.fit_timesteps(10), np.arange(10))
    assert sb.fit_inputs("sinusoidal", np.arange(5), 10, dim=sb.MAX_DIM).shape == (5, sb.MAX_DIM)
    for bad in (
        lambda: sb.fit_timesteps(5),
        lambda: sb.fit_timesteps(1.5),
        lambda: sb.sharp_target(np.arange(3), 10, cycles=0),
        lambda: sb.fit_inputs("raw", np.arange(3), 10),
        lambda: sb.fit_inputs("sinusoidal", np.arange(3), 10, dim=sb.MAX_DIM + 1),
        lambda: sb.fit_mlp(np.zeros((3, 1)), np.zeros(3), "scalar", steps=sb.MAX_STEPS + 1),
        lambda: sb.fit_mlp(np.zeros((3, 1)), np.zeros(3), "scalar", width=0),
    ):
        with pytest.raises(ValueError):
            bad()


def test_a_large_d_is_cut_to_the_bound():
    result = sb.spectral_bias_fits(20, dim=1024, steps=2)
    assert result.dim == sb.MAX_DIM


def test_the_stepwise_fit_reports_progress_and_equals_the_whole_fit(default_fits):
    run = sb.spectral_bias_steps()
    fractions = []
    while True:
        try:
            fractions.append(next(run))
        except StopIteration as finished:
            result = finished.value
            break
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    for kind, fit in default_fits.fits.items():
        np.testing.assert_array_equal(result.fits[kind].prediction, fit.prediction)
    assert sb.fit_cost() == 4 * 2 * sb.DEFAULT_STEPS


def test_initial_weights_do_not_touch_the_global_random_state():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    sb.small_mlp(4, 8, seed=0)
    np.testing.assert_array_equal(torch.rand(3), before)
    first, again = sb.small_mlp(4, 8, seed=5), sb.small_mlp(4, 8, seed=5)
    for a, b in zip(first.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_page_keys_fits_with_the_library_bound():
    from app_pages.sections.spectral_bias import FIT_MAX_DIM

    assert FIT_MAX_DIM == sb.MAX_DIM
