"""ε, x₀ and v: the conversions round-trip, equal diffusers' scheduler, and zero SNR needs v."""

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler

from timestep_lab.encodings import noise_schedule
from timestep_lab.encodings import targets as tg

RNG = np.random.default_rng(0)
X0 = RNG.uniform(-1, 1, (4, 3, 8, 8))
EPS = RNG.standard_normal(X0.shape)


def per_sample(values):
    return np.asarray(values)[:, None, None, None]


@pytest.mark.parametrize("zero_terminal_snr", [False, True])
def test_velocity_equals_diffusers_get_velocity(zero_terminal_snr):
    schedule = noise_schedule("scaled_linear", 1000, zero_terminal_snr=zero_terminal_snr)
    scheduler = DDPMScheduler(
        beta_schedule="scaled_linear",
        beta_start=0.00085,
        beta_end=0.012,
        rescale_betas_zero_snr=zero_terminal_snr,
        prediction_type="v_prediction",
    )
    k = np.array([0, 250, 700, 999])
    want = scheduler.get_velocity(
        torch.from_numpy(X0), torch.from_numpy(EPS), torch.from_numpy(k)
    ).numpy()
    got = tg.velocity(X0, EPS, per_sample(schedule.alpha_bar[k]))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)  # diffusers keeps ᾱ in float32


@pytest.mark.parametrize("prediction_type", ["epsilon", "sample", "v_prediction"])
def test_x0_from_each_target_equals_diffusers_ddpm_step(prediction_type):
    schedule = noise_schedule("linear", 1000)
    scheduler = DDPMScheduler(prediction_type=prediction_type, clip_sample=False)
    k = 400
    a = schedule.alpha_bar[k]
    xk = schedule.q_sample(X0, k, EPS)
    truth = {"epsilon": EPS, "sample": X0, "v_prediction": tg.velocity(X0, EPS, a)}
    output = truth[prediction_type]
    step = scheduler.step(torch.from_numpy(output), k, torch.from_numpy(xk))
    got = tg.convert(output, prediction_type, "sample", xk, a)
    np.testing.assert_allclose(got, step.pred_original_sample.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got, X0, atol=1e-12)  # the exact target gives back x₀


@pytest.mark.parametrize("source", tg.TARGETS)
@pytest.mark.parametrize("goal", tg.TARGETS)
def test_every_conversion_recovers_the_truth(source, goal):
    schedule = noise_schedule("cosine", 1000)
    for k in (1, 300, 900):
        a = schedule.alpha_bar[k]
        xk = schedule.q_sample(X0, k, EPS)
        truth = {"epsilon": EPS, "sample": X0, "v_prediction": tg.velocity(X0, EPS, a)}
        got = tg.convert(truth[source], source, goal, xk, a)
        np.testing.assert_allclose(got, truth[goal], atol=1e-9)


def test_zero_terminal_snr_breaks_epsilon_but_not_v():
    """At ᾱ = 0, x̂₀ from ε̂ is (x_k − ε̂)/0; from v̂ it is −v̂, finite and exact."""
    schedule = noise_schedule("linear", 1000, zero_terminal_snr=True)
    last = schedule.num_timesteps - 1
    a = schedule.alpha_bar[last]
    assert a == 0
    xk = schedule.q_sample(X0, last, EPS)
    from_eps = tg.convert(EPS + 0.01, "epsilon", "sample", xk, a)
    assert not np.any(np.isfinite(from_eps))
    from_v = tg.convert(tg.velocity(X0, EPS, a), "v_prediction", "sample", xk, a)
    np.testing.assert_allclose(from_v, X0, atol=1e-12)
    assert np.isinf(tg.x0_error_gain("epsilon", a))
    assert tg.x0_error_gain("v_prediction", a) == 1.0


def test_error_gain_is_the_derivative_of_the_conversion():
    schedule = noise_schedule("linear", 1000)
    for k in (0, 500, 999):
        a = schedule.alpha_bar[k]
        xk = schedule.q_sample(X0, k, EPS)
        for target in tg.TARGETS:
            base = tg.convert(EPS, target, "sample", xk, a)
            moved = tg.convert(EPS + 1.0, target, "sample", xk, a)
            gain = tg.x0_error_gain(target, a)
            np.testing.assert_allclose(np.abs(moved - base), gain, rtol=1e-9)
    np.testing.assert_allclose(
        tg.x0_error_gain("epsilon", schedule.alpha_bar), 1 / np.sqrt(schedule.snr)
    )


def test_bad_target_or_alpha_bar_is_a_value_error():
    with pytest.raises(ValueError, match="target='score'"):
        tg.convert(EPS, "score", "sample", X0, 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alpha_bar"):
        tg.velocity(X0, EPS, 1.5)
    with pytest.raises(ValueError, match="target='x'"):
        tg.x0_error_gain("x", 0.5)  # type: ignore[arg-type]
