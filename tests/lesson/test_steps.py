"""The lesson's data: every question answerable, every number computed from the library."""

import numpy as np
import pytest

from timestep_lab.encodings import noise_schedule, wavelengths
from timestep_lab.lesson import Choice, Guess, lesson
from timestep_lab.lesson.steps import half_signal_timestep, slowest_wavelength

STEPS = lesson()


def test_the_lesson_has_eight_to_twelve_steps_and_covers_the_story():
    assert 8 <= len(STEPS) <= 12
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
