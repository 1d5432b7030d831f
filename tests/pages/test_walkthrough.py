"""The walkthrough through AppTest: the whole lesson, right and wrong answers, deep links."""

import pytest

from tests.conftest import open_page, pictures, warnings_text
from timestep_lab.lesson import Choice, lesson

PAGE = "app_pages/walkthrough.py"
STEPS = lesson()
# steps whose figure has a PNG for slides
SLIDE_FIGURES = {"filmstrip", "heatmap", "guidance", "lie"}
SLIDE_STEPS = {n for n, step in enumerate(STEPS, 1) if step.figure in SLIDE_FIGURES}


def answer(at, number: int, *, right: bool):
    """Answer every question of the step shown, right or wrong, and check each."""
    for i, question in enumerate(STEPS[number - 1].questions):
        key = f"q{number}_{i}"
        if isinstance(question, Choice):
            pick = question.answer if right else (question.answer + 1) % len(question.options)
            at.radio(key=key).set_value(question.options[pick]).run()
        else:
            off = 0 if right else question.tolerance + 1
            value = (
                question.answer + off
                if question.answer + off <= question.hi
                else (question.answer - off)
            )
            at.slider(key=key).set_value(value).run()
        at.button(key=f"{key}_check").click().run()
        assert not at.exception, (number, i)
    return at


def figure_shown(at) -> bool:
    kinds = ("plotly_chart", "graphviz_chart", "bidi_component")
    return any(at.get(kind) for kind in kinds) or bool(pictures(at))


@pytest.mark.parametrize(("figure", "dim"), [("heatmap", 64), ("shift", 128)])
def test_lesson_steps_use_the_encoding_pages_browser_views(figure, dim):
    import json

    number = next(n for n, step in enumerate(STEPS, 1) if step.figure == figure)
    at = answer(open_page(PAGE, {"step": str(number)}), number, right=True)
    assert not at.exception
    views = [
        json.loads(c.proto.json)
        for c in at.get("bidi_component")
        if c.proto.component_name.endswith("encoding_views")
    ]
    assert [(v["view"], v["d"], v["T"]) for v in views] == [(figure, dim, 1000)]


@pytest.mark.parametrize("presenter", ["0", "1"])
def test_the_noise_level_step_uses_the_noise_pages_step_view_and_level_panel(presenter):
    """The lesson's σ̂ step mounts the noise page's own browser views: the step view with the
    photo, ε of the lesson's seed and the linear ᾱ table at k = K, and §4's level panel on
    that view's token with the library's k-free sweep (the browser's σ̂ at k is checked
    against estimate_sigma in tests/ui/components/test_noise_views.py)."""
    import numpy as np

    from app_pages.sections.noise_level import SWEEP_POINTS
    from timestep_lab.encodings import noise_schedule
    from timestep_lab.encodings.display import evenly_spaced
    from timestep_lab.images import WORKING_SIZE, bundled_image, to_signed
    from timestep_lab.images.noise_level import noise_level_sweep
    from timestep_lab.ui.components import read_json_bytes, read_typed_array

    k, seed = 250, 0  # the walkthrough's K and SEED
    number = next(n for n, step in enumerate(STEPS, 1) if step.figure == "noise_level")
    at = answer(open_page(PAGE, {"step": str(number), "presenter": presenter}), number, right=True)
    assert not at.exception and not at.error
    assert not at.get("plotly_chart")  # no figure of its own: the noise page's views
    sent = [
        read_json_bytes(c)
        for c in at.get("bidi_component")
        if c.proto.component_name.endswith("noise_views")
    ]
    assert [data.get("panel") for data in sent] == [None, "level"]
    step, level = sent
    schedule = noise_schedule("linear", 1000)
    pixels = bundled_image("hopper", WORKING_SIZE)
    noise = np.random.default_rng(seed).standard_normal(pixels.shape)
    assert (step["k"], step["schedule"], step["presenter"]) == (k, "linear", presenter == "1")
    np.testing.assert_array_equal(read_typed_array(step["pixels"]), pixels)
    np.testing.assert_array_equal(read_typed_array(step["noise"]), noise.astype(np.float32))
    np.testing.assert_array_equal(read_typed_array(step["alphaBar"]), schedule.alpha_bar)
    np.testing.assert_array_equal(read_typed_array(step["betas"]), schedule.betas)
    assert step["meanSquare"] == float(np.mean(to_signed(pixels) ** 2))
    assert (level["token"], level["k"], level["T"]) == (step["token"], k, 1000)
    assert not {"pixels", "noise", "alphaBar", "betas"} & set(level)  # sent once, by token
    sweep = noise_level_sweep(
        to_signed(pixels),
        noise,
        schedule.sqrt_alpha_bar,
        schedule.sqrt_one_minus_alpha_bar,
        evenly_spaced(1000, SWEEP_POINTS),
    )
    for name, expected in [("timesteps", sweep.timesteps), ("sigma", sweep.sigma),
                           ("sigmaHat", sweep.sigma_hat), ("kHat", sweep.k_hat)]:  # fmt: skip
        np.testing.assert_array_equal(read_typed_array(level["sweep"][name]), expected, name)
    caption = " ".join(c.value for c in at.caption)
    assert f"Within 10% of the true σ from k = {sweep.first_within(0.10)} on" in caption
    last = schedule.sqrt_one_minus_alpha_bar[-1]
    assert f"σ_k = {last:.4f} at k = 999" in caption


def test_walk_the_whole_lesson_answering_right():
    at = open_page(PAGE)
    for number in range(1, len(STEPS) + 1):
        assert at.subheader[0].value.startswith(f"{number} · ")
        assert not figure_shown(at), "the figure must wait for an answer"
        assert at.info, "a hint says the figure appears after answering"
        answer(at, number, right=True)
        assert len(at.success) == len(STEPS[number - 1].questions)
        assert not at.error
        assert figure_shown(at), number
        downloads = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
        assert bool(downloads) == (number in SLIDE_STEPS), (number, downloads)
        next_button = at.button[-1]
        assert next_button.disabled == (number == len(STEPS))
        if number < len(STEPS):
            next_button.click().run()
    assert at.slider(key="step").value == len(STEPS)


def test_walk_the_whole_lesson_answering_wrong_explains_the_answer():
    at = open_page(PAGE)
    for number in range(1, len(STEPS) + 1):
        answer(at, number, right=False)
        errors = " ".join(e.value for e in at.error)
        assert len(at.error) == len(STEPS[number - 1].questions)
        assert "answer is" in errors
        assert figure_shown(at)  # a wrong answer still reveals the explanation
        if number < len(STEPS):
            at.button[-1].click().run()


def test_previous_goes_back():
    at = open_page(PAGE, {"step": "5"})
    at.button[-2].click().run()
    assert at.subheader[0].value.startswith("4 · ")


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_deep_link_to_each_step(number):
    at = open_page(PAGE, {"step": str(number)})
    assert not at.exception and not at.warning
    assert at.subheader[0].value == f"{number} · {STEPS[number - 1].title}"
    assert at.get("progress")[0].proto.text == f"Step {number} of {len(STEPS)}"


@pytest.mark.parametrize(
    ("query", "shown", "note"),
    [
        ({"step": "0"}, 1, "outside the valid range"),
        ({"step": "99"}, len(STEPS), "outside the valid range"),
        ({"step": "-3"}, 1, "outside the valid range"),
        ({"step": "abc"}, 1, "not a number"),
        ({"step": "2.5"}, 2, "not a whole number"),
        ({"presenter": "2"}, 1, "`presenter` should be 1 or 0"),
        ({"hide": "step;drop"}, 1, "`hide` lists names of controls"),
    ],
)
def test_hostile_links_get_friendly_handling(query, shown, note):
    at = open_page(PAGE, query)
    assert not at.exception
    assert note in warnings_text(at)
    assert at.subheader[0].value.startswith(f"{shown} · ")


def test_hidden_step_control_still_moves_with_the_buttons():
    at = open_page(PAGE, {"step": "3", "hide": "step", "presenter": "1"})
    assert not at.exception and not at.warning
    assert not [s for s in at.slider if s.key == "step"]
    assert at.subheader[0].value.startswith("3 · ")
    at.button[-1].click().run()
    assert at.subheader[0].value.startswith("4 · ")
    at.button[-2].click().run()
    at.button[-2].click().run()
    assert at.subheader[0].value.startswith("2 · ")
