"""Samplers: single steps equal diffusers; seeded runs are reproducible; the shipped models
generate recognisable digits and 2D shapes (and a broken model fails the same bars)."""

import itertools
import threading

import numpy as np
import pytest
import torch
from diffusers import DDIMScheduler, DDPMScheduler
from sklearn.svm import SVC

from timestep_lab.encodings import noise_schedule
from timestep_lab.models.data import digits_split, sample_2d
from timestep_lab.models.evaluate import energy_distance
from timestep_lab.models.pretrained import load_pretrained, model_schedule
from timestep_lab.models.sampling import (
    TimestepLie,
    ddim_step,
    ddpm_step,
    sample,
    sample_trajectory,
)
from timestep_lab.models.unet import UNet

COSINE = noise_schedule("cosine", 1000)
F64 = torch.float64
EXACT = {"rtol": 1e-12, "atol": 1e-12}


def _inputs(seed):
    g = torch.Generator().manual_seed(seed)
    shape = (4, 1, 8, 8)
    return torch.randn(shape, generator=g, dtype=F64), torch.randn(shape, generator=g, dtype=F64)


def _in_float64(ref):
    """Run diffusers' step in float64 on our ᾱ table (its own float32 table is the same ᾱ, but
    1 − ᾱ_k/ᾱ_k′ loses ~3 digits in float32 near k = 0, which would hide a formula error)."""
    torch.testing.assert_close(
        ref.alphas_cumprod, torch.from_numpy(COSINE.alpha_bar.copy()).float()
    )
    ref.alphas_cumprod = torch.from_numpy(COSINE.alpha_bar.copy())
    ref.one = ref.final_alpha_cumprod = torch.tensor(1.0, dtype=F64)
    return ref


def _noise(seed):
    return torch.randn((4, 1, 8, 8), generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("steps", [1000, 50, 7])
@pytest.mark.parametrize("position", [0, 1, -2, -1])
def test_ddpm_step_equals_diffusers(steps, position):
    ref = _in_float64(DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2"))
    ref.set_timesteps(steps)
    timesteps = ref.timesteps.numpy()
    k = int(timesteps[position])
    k_prev = int(timesteps[position + 1]) if position not in (-1, len(timesteps) - 1) else -1
    xk, eps = _inputs(k)
    want = ref.step(eps, k, xk, generator=torch.Generator().manual_seed(7))
    noise = _noise(7) if k > 0 else None
    ab_prev = COSINE.alpha_bar[k_prev] if k_prev >= 0 else 1.0
    x_prev, x0_pred = ddpm_step(eps, xk, COSINE.alpha_bar[k], ab_prev, noise=noise)
    torch.testing.assert_close(x0_pred, want.pred_original_sample, **EXACT)
    torch.testing.assert_close(x_prev, want.prev_sample, **EXACT)


@pytest.mark.parametrize("clipped", [True, False])
@pytest.mark.parametrize("spacing", ["leading", "trailing"])
@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("position", [0, 1, 25, -1])
def test_ddim_step_equals_diffusers(spacing, eta, position, clipped):
    ref = _in_float64(
        DDIMScheduler(
            num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", timestep_spacing=spacing
        )
    )
    ref.set_timesteps(50)
    timesteps = ref.timesteps.numpy()
    k = int(timesteps[position])
    k_prev = k - 1000 // 50  # diffusers' DDIM rule; equals the next visited timestep here
    assert k_prev == (int(timesteps[position + 1]) if position != -1 else k_prev)
    xk, eps = _inputs(k)
    eps = 3.0 * eps  # a large ε̂ makes x̂_0 leave [−1, 1], so clipping matters
    gen = torch.Generator().manual_seed(3)
    want = ref.step(eps, k, xk, eta=eta, generator=gen, use_clipped_model_output=clipped)
    noise = _noise(3)
    ab_prev = COSINE.alpha_bar[k_prev] if k_prev >= 0 else 1.0
    x_prev, x0_pred = ddim_step(
        eps,
        xk,
        COSINE.alpha_bar[k],
        ab_prev,
        eta=eta,
        noise=noise,
        use_clipped_model_output=clipped,
    )
    assert x0_pred.abs().max() == 1.0  # clipping was active
    torch.testing.assert_close(x0_pred, want.pred_original_sample, **EXACT)
    torch.testing.assert_close(x_prev, want.prev_sample, **EXACT)


@pytest.fixture(scope="module")
def digits():
    return load_pretrained("digits")


def test_trajectory_is_seeded_and_follows_the_spacing(digits):
    model, card = digits
    schedule = model_schedule(card)
    run = dict(sampler="ddim", steps=10, spacing="linspace", guidance=2.0, labels=4, num=3)
    a = list(sample_trajectory(model, schedule, seed=1, **run))
    b = list(sample_trajectory(model, schedule, seed=1, **run))
    c = sample(model, schedule, seed=2, **run)
    assert [s.k for s in a] == [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]
    assert [s.k_told for s in a] == [float(s.k) for s in a]
    for s, t in zip(a, b, strict=True):
        np.testing.assert_array_equal(s.x_prev, t.x_prev)
    for s, t in itertools.pairwise(a):
        np.testing.assert_array_equal(s.x_prev, t.xk)
    assert a[-1].x_prev.shape == (3, 8, 8) and a[0].encoding.shape == (64,)
    assert np.abs(a[-1].x_prev - c).max() > 0.1
    assert np.abs(a[-1].x0_pred).max() <= 1.0  # x̂_0 is clipped to the data range


def test_one_model_serves_concurrent_runs(digits):
    # The app shares one loaded model between every session's thread: concurrent runs must give
    # exactly what each gives alone, and leave the weights as they were.
    model, card = digits
    schedule = model_schedule(card)
    run = dict(sampler="ddim", steps=20, spacing="leading", guidance=2.0, labels=None, num=4)
    weights = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    alone = {seed: sample(model, schedule, seed=seed, **run) for seed in range(4)}
    together: dict[int, list] = {seed: [] for seed in range(4)}
    threads = [
        threading.Thread(
            target=lambda seed=seed: together[seed].append(
                sample(model, schedule, seed=seed, **run)
            )
        )
        for seed in (*range(4), *range(4))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed, results in together.items():
        assert len(results) == 2
        for result in results:
            np.testing.assert_array_equal(result, alone[seed])
    assert np.abs(alone[0] - alone[1]).max() > 0.1  # the seeds really differ
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, weights[name]), name


def test_timestep_lies(digits):
    model, card = digits
    schedule = model_schedule(card)
    run = dict(steps=5, labels=1, num=2, seed=0)
    offset = list(sample_trajectory(model, schedule, lie=TimestepLie("offset", 100.0), **run))
    assert [s.k_told for s in offset] == [999.0, 899.0, 699.0, 499.0, 299.0]
    fixed = list(sample_trajectory(model, schedule, lie=TimestepLie("fixed", 0.0), **run))
    assert {s.k_told for s in fixed} == {0.0}
    zero = list(sample_trajectory(model, schedule, lie=TimestepLie("zero"), **run))
    assert not any(s.encoding.any() for s in zero)
    shuffled = next(sample_trajectory(model, schedule, lie=TimestepLie("shuffle"), **run))
    honest = next(sample_trajectory(model, schedule, **run))
    assert sorted(shuffled.encoding) == sorted(honest.encoding)
    assert not np.array_equal(shuffled.encoding, honest.encoding)
    with pytest.raises(ValueError, match="offset"):
        TimestepLie("rewind")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "value", "match"),
    [
        ("steps", 0, "steps"),
        ("eta", 1.5, "eta"),
        ("guidance", -1.0, "guidance"),
        ("labels", 10, r"\[0, 10\)"),
        ("num", 0, "num"),
        ("sampler", "euler", "sampler"),
    ],
)
def test_bad_options_are_value_errors(digits, option, value, match):
    model, card = digits
    with pytest.raises(ValueError, match=match):
        # raised when called, before the first step is asked for (so a page can check early)
        sample_trajectory(model, model_schedule(card), **{"steps": 2, "labels": 1, option: value})


@pytest.fixture(scope="module")
def scorer():
    split = digits_split()
    svc = SVC(gamma="scale", C=10.0).fit(split.train_images.reshape(-1, 64), split.train_labels)
    held_out = svc.score(split.held_out_images.reshape(-1, 64), split.held_out_labels)
    assert held_out > 0.97  # the scorer itself is good
    return svc


def _accuracy(model, schedule, scorer):
    labels = np.repeat(np.arange(10), 5)
    images = sample(model, schedule, steps=20, labels=labels, num=50, seed=0)
    return float(np.mean(scorer.predict(images.reshape(-1, 64)) == labels))


def test_shipped_digits_are_recognisable(digits, scorer):
    model, card = digits
    assert _accuracy(model, model_schedule(card), scorer) >= 0.96  # digits-none scores 0.94


def test_a_broken_digits_model_fails_the_same_bar(digits, scorer):
    model, card = digits
    broken = UNet(**{**card["architecture"], "channels": tuple(card["architecture"]["channels"])})
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["conv_out.weight"] = -state["conv_out.weight"]  # predicts −ε: a plausible sign bug
    broken.load_state_dict(state)
    broken.eval()
    assert _accuracy(broken, model_schedule(card), scorer) < 0.5


def test_toy2d_moons_are_close_to_the_true_shape():
    model, card = load_pretrained("toy2d")
    schedule = model_schedule(card)
    true_a, true_b = sample_2d("moons", 500, 11), sample_2d("moons", 500, 12)
    bar = 2.0 * energy_distance(true_a, true_b)  # twice the real-vs-real floor at this size
    moons = sample(model, schedule, steps=20, labels=0, num=500, seed=0)
    assert energy_distance(moons, true_a) < bar
    rings = sample(model, schedule, steps=20, labels=2, num=500, seed=0)
    assert energy_distance(rings, true_a) > bar  # the wrong shape fails the same bar
