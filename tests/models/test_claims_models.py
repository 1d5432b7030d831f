"""The denoiser sentences the app makes, measured on the shipped models (docs/claims.md).

Each test runs a real model and fails if the sentence it holds stops being true.
"""

import numpy as np
import pytest
from sklearn.svm import SVC

from timestep_lab.models.data import digits_split
from timestep_lab.models.measures import neighbour_correlation, rms, run_measures
from timestep_lab.models.pretrained import load_pretrained, model_schedule
from timestep_lab.models.sampling import TimestepLie, sample, sample_trajectory

LESSON = dict(sampler="ddim", steps=25, spacing="trailing", guidance=1.0, labels=3, num=8, seed=0)


@pytest.fixture(scope="module")
def digits():
    return load_pretrained("digits")


@pytest.fixture(scope="module")
def lie_runs(digits):
    """The walkthrough's runs: honest, told k = 0 and told k = T − 1 at every step."""
    model, card = digits
    schedule = model_schedule(card)
    lies = {"honest": None, "k=0": TimestepLie("fixed", 0.0), "k=T-1": TimestepLie("fixed", 999.0)}
    return {
        name: run_measures(list(sample_trajectory(model, schedule, lie=lie, **LESSON)))
        for name, lie in lies.items()
    }


def test_honest_eps_has_the_scale_of_the_true_noise(lie_runs):
    """W-lie: honest ε̂ at the first step has RMS ≈ 1, the RMS of the noise it faces."""
    assert 0.9 < lie_runs["honest"]["eps_rms_first"] < 1.1


def test_told_k0_predicts_a_larger_eps_not_a_smaller_one(lie_runs):
    """W-lie, D-lie: told k = 0, ε̂ is far larger than honest (≈ 2.1 against ≈ 1.0)."""
    assert lie_runs["k=0"]["eps_rms_first"] > 1.6 * lie_runs["honest"]["eps_rms_first"]


def test_told_k0_pushes_x0_to_the_clip(lie_runs):
    """W-lie: told k = 0, x̂₀ sits at ±1 far more often over the first half of the steps."""
    assert lie_runs["k=0"]["x0_clipped_early"] > lie_runs["honest"]["x0_clipped_early"] + 0.2


def test_told_k0_ends_in_black_and_white_blobs(lie_runs):
    """W-lie: the samples stay saturated (mean |pixel| near the honest digits', not grey)."""
    assert lie_runs["k=0"]["mean_abs_pixel"] > 0.9 * lie_runs["honest"]["mean_abs_pixel"]


def test_told_the_last_step_leaves_speckled_noise_not_a_grey_average(lie_runs):
    """W-lie: told k = T−1, ε̂ shrinks below the real noise and the samples keep noise with no
    spatial structure (adjacent pixels uncorrelated), not a smooth grey average."""
    lie, honest = lie_runs["k=T-1"], lie_runs["honest"]
    assert lie["eps_rms_last"] < 0.75 * honest["eps_rms_last"]
    assert abs(lie["neighbour_correlation"]) < 0.15 < 0.3 < honest["neighbour_correlation"]


def test_neighbour_correlation_tells_digits_from_noise():
    digits_images = digits_split().held_out_images
    assert neighbour_correlation(digits_images) > 0.3
    noise = np.random.default_rng(0).standard_normal(digits_images.shape)
    assert abs(neighbour_correlation(noise)) < 0.05
    assert rms(np.full(4, 2.0)) == 2.0
    with pytest.raises(ValueError, match="shape"):
        neighbour_correlation(np.zeros(8))
    with pytest.raises(ValueError, match="at least one step"):
        run_measures([])


def test_a_blind_denoiser_still_draws_the_digit_it_is_asked_for():
    """H-blind, D-twins: digits-none, told nothing about k, draws the asked-for digit far above
    chance (10 %), as its model card says."""
    split = digits_split()
    svc = SVC(gamma="scale", C=10.0).fit(split.train_images.reshape(-1, 64), split.train_labels)
    model, card = load_pretrained("digits-none")
    labels = np.repeat(np.arange(10), 5)
    images = sample(model, model_schedule(card), steps=20, labels=labels, num=50, seed=0)
    accuracy = float(np.mean(svc.predict(images.reshape(-1, 64)) == labels))
    assert accuracy >= 0.7
    assert card["evaluation"]["w=1"]["class_accuracy"] >= 0.7


def test_guidance_trades_variety_for_fidelity_in_the_card():
    """W-guidance: in the digits card, class accuracy does not fall and the Fréchet distance to
    real digits grows as w goes 1 → 2 → 4 (Ho & Salimans 2022's trade-off)."""
    evaluation = load_pretrained("digits")[1]["evaluation"]
    rows = [evaluation[f"w={w}"] for w in (1, 2, 4)]
    accuracy = [r["class_accuracy"] for r in rows]
    frechet = [r["frechet"] for r in rows]
    assert accuracy == sorted(accuracy)
    assert frechet[0] < frechet[1] < frechet[2]


def test_x0_estimate_is_a_typical_digit_at_high_noise(digits):
    """D1: x̂₀ ≈ E[x₀ | x_k, c] (w = 1): at high noise the samples' estimates are alike and
    greyer than the finished digits; at the very first step x̂₀ is clipped (√ᾱ_k tiny)."""
    model, card = digits
    steps = list(sample_trajectory(model, model_schedule(card), **LESSON))
    first, high, last = steps[0], steps[3], steps[-1]
    assert high.k > 800 > last.k
    assert np.mean(np.abs(first.x0_pred) >= 0.999) > 0.9
    spread = lambda x: float(x.std(axis=0).mean())  # noqa: E731  how unalike the samples are
    assert spread(high.x0_pred) < 0.6 * spread(last.x_prev)
    assert np.abs(high.x0_pred).mean() < np.abs(last.x_prev).mean()
