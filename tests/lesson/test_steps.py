"""The lesson's data: every question answerable, every number computed from the library."""

import numpy as np
import pytest

from timestep_lab.encodings import noise_schedule, wavelengths
from timestep_lab.lesson import Choice, Guess, lesson
from timestep_lab.lesson.steps import half_signal_timestep, slowest_wavelength

STEPS = lesson()


def test_the_lesson_has_eight_to_fourteen_steps_and_covers_the_story():
    assert 8 <= len(STEPS) <= 14
    titles = " ".join(step.title.lower() for step in STEPS)
    for topic in (
        "network",
        "k / t",
        "sines",
        "heatmap",
        "near",
        "noise",
        "layouts",
        "embedder",
        "guidance",
        "lie",
    ):
        assert topic in titles, topic


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.title)
def test_every_question_is_well_formed(step):
    assert step.questions and step.text and step.after
    for question in step.questions:
        if isinstance(question, Choice):
            assert 0 <= question.answer < len(question.options)
            assert len(set(question.options)) == len(question.options)
            assert question.is_right(question.options[question.answer])
            wrong = [o for i, o in enumerate(question.options) if i != question.answer]
            assert wrong and not any(question.is_right(o) for o in wrong)
        else:
            assert isinstance(question, Guess)
            assert question.lo <= question.answer <= question.hi
            assert question.is_right(question.answer + question.tolerance)
            assert not question.is_right(question.answer + question.tolerance + 1)


def test_computed_answers_match_the_library():
    alpha_bar = noise_schedule("linear", 1000).alpha_bar
    k = half_signal_timestep()
    assert alpha_bar[k] <= 0.5 < alpha_bar[k - 1]
    assert half_signal_timestep("cosine") > k  # cosine keeps the signal longer
    assert slowest_wavelength() == round(2 * np.pi * 10000 ** (126 / 128))
    assert slowest_wavelength() == round(wavelengths(128)[-1])


def test_the_faq_is_in_the_quiz():
    prompts = " ".join(q.prompt for step in STEPS for q in step.questions)
    assert "Stable Diffusion use for the timestep" in prompts
    assert "Why does the timestep encoding matter" in prompts
    assert "How does the sinusoidal encoding work" in prompts
    assert "text (or class) embedder" in prompts


def step_with_figure(figure):
    return next(step for step in STEPS if step.figure == figure)


def test_spectral_bias_answer_is_what_the_fit_measures():
    """The step's answer ("the one fed P(k)") is the fit the walkthrough draws, measured."""
    import torch

    from timestep_lab.models.spectral_bias import spectral_bias_fits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = spectral_bias_fits(1000, dim=32)  # the walkthrough's settings
    finally:
        torch.set_num_threads(threads)
    question = step_with_figure("spectral_bias").questions[0]
    assert question.options[question.answer] == "The one fed P(k)"
    assert result.error_ratio >= 3
    assert result.detail_captured("sinusoidal") > 0.9 > 0.25 > result.detail_captured("scalar")


def test_noise_reading_answer_and_numbers_come_from_the_estimate():
    from timestep_lab.images import WORKING_SIZE, bundled_image, to_signed
    from timestep_lab.images.noise_level import estimate_sigma
    from timestep_lab.lesson.steps import noise_reading

    reading = noise_reading()
    schedule = noise_schedule("linear", 1000)
    x0 = to_signed(bundled_image("hopper", WORKING_SIZE))
    noise = np.random.default_rng(0).standard_normal(x0.shape)
    assert reading.sigma_hat == pytest.approx(
        estimate_sigma(schedule.q_sample(x0, reading.k, noise)), rel=1e-12
    )
    assert reading.holds_at_k and reading.texture_ratio > 1.5
    question = step_with_figure("noise_level").questions[0]
    assert "except near k = 0" in question.options[question.answer]
    assert f"σ̂ = {reading.sigma_hat:.3f}" in question.why


def test_guidance_why_quotes_the_card_and_says_what_it_cannot_show():
    """W11: the guidance answer quotes the digits card's accuracy and Fréchet at w = 1, 2, 4,
    says accuracy is saturated (above the classifier on real digits) and that the card has no
    measure of variety; the digits-none twin's Fréchet falling from w = 1 to 2 is named."""
    from timestep_lab.lesson.evidence import card_evaluation, measured

    step = next(s for s in lesson() if s.title == "Watching it denoise, and guidance")
    why = step.questions[0].why
    for w in (1.0, 2.0, 4.0):
        assert f"{measured('digits', 'frechet', w).value:.2f}" in why
        assert f"{100 * measured('digits', 'class_accuracy', w).value:.1f}%" in why
    ceiling = float(card_evaluation("digits")["classifier_held_out_accuracy"])
    assert measured("digits", "class_accuracy", 1.0).value >= ceiling
    assert f"{100 * ceiling:.1f}% on real digits" in why
    assert "no measure of variety" in why
    blind = [measured("digits-none", "frechet", w).value for w in (1.0, 2.0)]
    assert blind[1] < blind[0]
    assert f"falls from {blind[0]:.2f} to {blind[1]:.2f}" in why


def test_spectral_bias_why_puts_the_k_over_t_twin_beside_p_of_k():
    """W41, E17: the answer does not call spectral bias the reason for sinusoids; it quotes the
    digits-scalar (k/T) twin's card beside the P(k) model's."""
    from timestep_lab.lesson.evidence import measured

    step = next(s for s in lesson() if s.title == "Why sines help a small network")
    why = step.questions[0].why
    assert "the strong reason" not in why
    for name in ("digits-scalar", "digits"):
        assert f"{measured(name, 'frechet').value:.2f}" in why
        assert f"{100 * measured(name, 'class_accuracy').value:.1f}%" in why
