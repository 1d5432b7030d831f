"""The scientific sentences of the encoding, noise and lesson pages, each pinned to the library.

Every test here fails if the sentence it holds (its id in docs/claims.md) stops being true.
"""

import numpy as np
import pytest

from timestep_lab.encodings import (
    SCHEDULES,
    noise_schedule,
    sampling_timesteps,
    signal_fraction,
    timestep_embedding,
)
from timestep_lab.images import BUNDLED_IMAGES, WORKING_SIZE, bundled_image, to_signed
from timestep_lab.lesson.evidence import length_change


@pytest.mark.parametrize(
    ("k", "T", "other"), [(250, 1000, 4000), (40, 100, 400), (999, 4000, 1000)]
)
def test_k_over_t_keeps_the_cosine_noise_level_and_k_does_not(k, T, other):
    """E-kT, W-kT: for diffusion, k/T is what stays put when T changes (cosine)."""
    change = length_change(k, T, other)
    assert change.same_fraction_k == round(k * other / T)
    assert abs(change.same_fraction_alpha_bar - change.alpha_bar) < 0.02
    assert abs(change.same_k_alpha_bar - change.alpha_bar) > 10 * abs(
        change.same_fraction_alpha_bar - change.alpha_bar
    )


@pytest.mark.parametrize("name", ["linear", "scaled_linear"])
def test_k_over_t_does_not_keep_the_noise_level_of_beta_range_schedules(name):
    """E14, W3: k/T stays put only for cosine; under linear or scaled_linear β (not scaled by
    1000/T) the same k/T at T = 4000 holds far less signal than at T = 1000."""
    change = length_change(250, 1000, 4000, name)
    assert change.alpha_bar - change.same_fraction_alpha_bar > 0.3


def test_the_issue_example_cosine_numbers():
    """W-kT: k/T = 0.25 gives ᾱ ≈ 0.846 at T = 1000 and 4000; k = 250 gives 0.846 and 0.988."""
    change = length_change(250, 1000, 4000)
    assert round(change.alpha_bar, 3) == 0.846
    assert round(change.same_k_alpha_bar, 3) == 0.988
    assert abs(change.same_fraction_alpha_bar - 0.846) < 0.0015


def test_length_change_refuses_a_k_outside_both_processes():
    with pytest.raises(ValueError, match="k=400"):
        length_change(400, 1000, 250)


@pytest.mark.parametrize("name", SCHEDULES)
def test_alpha_bar_reaches_zero_only_with_zero_terminal_snr(name):
    """N-end, W-schedule: ᾱ_{T−1} > 0 without zero terminal SNR (signal leak), = 0 with it."""
    assert noise_schedule(name, 1000).alpha_bar[-1] > 0
    assert noise_schedule(name, 1000, zero_terminal_snr=True).alpha_bar[-1] == 0


def test_scaled_linear_leaks_signal_at_the_last_step():
    """N-end: Stable Diffusion's scaled_linear ends at ᾱ ≈ 0.0047 (Lin et al. 2024, Table 1)."""
    assert noise_schedule("scaled_linear", 1000).alpha_bar[-1] == pytest.approx(0.00466, abs=5e-5)


@pytest.mark.parametrize("name", ["linear", "scaled_linear", "sigmoid"])
def test_t_changes_the_process_of_beta_range_schedules(name):
    """N-T: with β over a fixed range, the last step's ᾱ depends strongly on T."""
    ends = [noise_schedule(name, T).alpha_bar[-1] for T in (10, 100, 1000)]
    assert ends[0] > 1.5 * ends[1] > 100 * ends[2]


def test_linear_last_step_at_ten_and_a_hundred_steps():
    """N-T (issue example): linear ᾱ_{T−1} is 0.90 at T = 10 and 0.36 at T = 100."""
    assert round(noise_schedule("linear", 10).alpha_bar[-1], 2) == 0.90
    assert round(noise_schedule("linear", 100).alpha_bar[-1], 2) == 0.36


def test_cosine_keeps_its_process_when_t_changes():
    """N-T: cosine's ᾱ at the same k/T barely moves between T = 100 and T = 1000."""
    a100 = noise_schedule("cosine", 100).alpha_bar
    a1000 = noise_schedule("cosine", 1000).alpha_bar
    assert np.max(np.abs(a100[9::10][:-1] - a1000[99::100][:-1])) < 1e-9 + 0.01


@pytest.mark.parametrize("mean_square", [0.2, 0.45, 1.0, 2.5])
def test_signal_fraction_is_the_image_share_of_the_energy_of_xk(mean_square):
    """N-share: ᾱ·E[x₀²]/(ᾱ·E[x₀²] + 1 − ᾱ) is the image's share of E[x_k²], measured."""
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(400_000) * np.sqrt(mean_square)
    schedule = noise_schedule("linear", 1000)
    for k in (50, 300, 700):
        signal = schedule.sqrt_alpha_bar[k] * x0
        xk = schedule.q_sample(x0, k, rng.standard_normal(x0.shape))
        measured = np.mean(signal**2) / np.mean(xk**2)
        expected = signal_fraction(schedule.alpha_bar[k], np.mean(x0**2))
        assert measured == pytest.approx(expected, rel=0.02)


def test_signal_fraction_is_alpha_bar_only_for_unit_mean_square():
    alpha_bar = noise_schedule("cosine", 1000).alpha_bar
    assert np.allclose(signal_fraction(alpha_bar, 1.0), alpha_bar)
    assert np.all(signal_fraction(alpha_bar[:-1], 0.45) < alpha_bar[:-1])
    with pytest.raises(ValueError, match="data_mean_square"):
        signal_fraction(alpha_bar, 0.0)


def test_the_bundled_photo_is_not_unit_variance():
    """N-share (issue example): at ᾱ = ½ the photo is ~31 % of x_k's energy, not 50 %."""
    x0 = to_signed(bundled_image("hopper", WORKING_SIZE))
    assert 0.25 < x0.var() < 0.40
    assert 0.28 < signal_fraction(0.5, np.mean(x0**2)) < 0.34
    for name in BUNDLED_IMAGES:  # none of them has the unit spread the nominal SNR assumes
        assert np.mean(to_signed(bundled_image(name, WORKING_SIZE)) ** 2) < 0.9


@pytest.mark.parametrize(("T", "S"), [(1000, 10), (1000, 50), (100, 7)])
def test_leading_first_step_still_had_signal_in_training(T, S):
    """N-leading: leading's first k < T−1, and ᾱ there is > 0 even with zero terminal SNR."""
    first = sampling_timesteps(T, S, "leading")[0]
    assert first < T - 1
    for zsnr in (False, True):
        assert noise_schedule("cosine", T, zero_terminal_snr=zsnr).alpha_bar[first] > 0
    assert sampling_timesteps(T, S, "trailing")[0] == T - 1


def test_zero_snr_makes_x0_from_eps_a_division_by_zero_at_the_last_step():
    """N-zsnr: with ε-prediction, x̂₀ = (x_k − √(1−ᾱ)·ε̂)/√ᾱ is undefined when ᾱ_{T−1} = 0."""
    schedule = noise_schedule("scaled_linear", 1000, zero_terminal_snr=True)
    assert schedule.sqrt_alpha_bar[-1] == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x0 = schedule.predict_x0_from_eps(np.ones(4), 999, np.zeros(4))
    assert not np.any(np.isfinite(x0))


def test_every_timestep_gets_a_different_vector():
    """H-unique: P(k) differs for every k (here all k < 4000, d = 2 … 128)."""
    for dim in (2, 16, 128):
        P = timestep_embedding(np.arange(4000), dim)
        assert np.unique(np.round(P, 9), axis=0).shape[0] == 4000


def test_the_lesson_k_over_t_question_rewards_the_same_fraction():
    """W-kT: the lesson's right answer is the timestep with the same k/T, and it is right."""
    from timestep_lab.lesson import lesson

    question = next(
        q for step in lesson() for q in step.questions if "about the same noise level" in q.prompt
    )
    change = length_change(250, 1000, 4000)
    assert str(change.same_fraction_k) in question.options[question.answer]
    others = [o for i, o in enumerate(question.options) if i != question.answer]
    schedule = noise_schedule("cosine", 4000).alpha_bar
    for option in others:  # every wrong option is further from the asked noise level
        k = int(option.split("=")[1].split(",")[0])
        assert abs(schedule[k] - change.alpha_bar) > abs(
            change.same_fraction_alpha_bar - change.alpha_bar
        )
