"""Sampler spacing: equal to diffusers' ``set_timesteps``, and what each rule promises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timestep_lab.encodings import SPACINGS, sampling_timesteps

diffusers = pytest.importorskip("diffusers")

SWEEP_T = (10, 50, 1000, 4000)
SWEEP_STEPS = (1, 2, 3, 7, 10, 25, 50, 999, 1000, 4000)


def reference(num_timesteps, steps, spacing, steps_offset=0):
    scheduler = diffusers.DDPMScheduler(
        num_train_timesteps=num_timesteps, timestep_spacing=spacing, steps_offset=steps_offset
    )
    scheduler.set_timesteps(num_inference_steps=steps)
    return scheduler.timesteps.numpy()


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("num_timesteps", SWEEP_T)
def test_matches_diffusers(num_timesteps, spacing):
    for steps in (s for s in SWEEP_STEPS if s <= num_timesteps):
        ours = sampling_timesteps(num_timesteps, steps, spacing)
        np.testing.assert_array_equal(ours, reference(num_timesteps, steps, spacing))
        assert ours.dtype == np.int64


@pytest.mark.parametrize("steps", [10, 50])
def test_leading_with_stable_diffusion_offset_matches_diffusers(steps):
    ours = sampling_timesteps(1000, steps, "leading", steps_offset=1)
    np.testing.assert_array_equal(ours, reference(1000, steps, "leading", steps_offset=1))


def test_pinned_ten_steps_of_a_thousand():
    """Lin et al. 2023, Table 2: T = 1000, S = 10."""
    assert sampling_timesteps(1000, 10, "leading").tolist() == list(range(900, -1, -100))
    assert sampling_timesteps(1000, 10, "trailing").tolist() == list(range(999, 0, -100))
    assert sampling_timesteps(1000, 10, "linspace").tolist() == [
        999, 888, 777, 666, 555, 444, 333, 222, 111, 0,
    ]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 5000).flatmap(lambda t: st.tuples(st.just(t), st.integers(1, t))))
def test_leading_and_linspace_visit_s_distinct_timesteps_in_range(args):
    num_timesteps, steps = args
    for spacing in ("leading", "linspace"):
        k = sampling_timesteps(num_timesteps, steps, spacing)
        assert k.shape == (steps,)
        assert np.all((k >= 0) & (k < num_timesteps))
        assert np.all(np.diff(k) < 0)  # sampling order: noisy to clean, no repeats


@pytest.mark.parametrize(("num_timesteps", "steps"), [(15, 13), (17, 7), (48, 47), (990, 56)])
def test_trailing_visits_s_timesteps_in_range(num_timesteps, steps):
    k = sampling_timesteps(num_timesteps, steps, "trailing")
    assert k.shape == (steps,)
    assert np.all((k >= 0) & (k < num_timesteps))


@settings(max_examples=80, deadline=None)
@given(st.integers(3, 5000).flatmap(lambda t: st.tuples(st.just(t), st.integers(2, t - 1))))
def test_leading_never_visits_the_last_timestep(args):
    """With 1 < S < T, ``leading`` stops short of k = T−1; ``trailing`` starts there."""
    num_timesteps, steps = args
    assert num_timesteps - 1 not in sampling_timesteps(num_timesteps, steps, "leading")
    assert sampling_timesteps(num_timesteps, steps, "trailing")[0] == num_timesteps - 1
    linspace = sampling_timesteps(num_timesteps, steps, "linspace")
    assert (linspace[0], linspace[-1]) == (num_timesteps - 1, 0)


def test_leading_reaches_the_last_timestep_only_when_s_equals_t():
    assert sampling_timesteps(10, 10, "leading")[0] == 9


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1000, 10, "evil"), "leading, trailing, linspace"),
        ((1000, 0, "leading"), "steps"),
        ((1000, 1001, "trailing"), "steps"),
        ((0, 1, "linspace"), "num_timesteps"),
    ],
)
def test_bad_arguments_raise_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        sampling_timesteps(*args)
