"""The training lab: conditionings, a deterministic loop, cancel, and the exact floors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load

from timestep_lab.encodings import noise_schedule, timestep_embedding
from timestep_lab.models import lab
from timestep_lab.models.lab import LabSettings, build_model, reference, train_lab
from timestep_lab.models.labdata import custom_1d, drawn, preset
from timestep_lab.models.timecond import CONDITIONINGS, TimeConditioning

TINY = {"steps": 150, "width": 16}
SCHEDULE = noise_schedule("cosine", 1000)


@pytest.fixture(scope="module")
def bumps():
    data = preset("bumps_1d")
    return data, reference(data, SCHEDULE)


@pytest.fixture(scope="module")
def tiny_runs(bumps):
    data, ref = bumps
    return {c: train_lab(LabSettings(cond=c, **TINY), data, ref) for c in CONDITIONINGS}


def test_each_conditioning_feeds_what_its_name_says():
    k = torch.tensor([0, 1, 500, 999])
    sin = TimeConditioning("sinusoidal", SCHEDULE, dim=8, base=100.0, layout="ldm")
    expected = timestep_embedding(k.numpy(), 8, base=100.0, convention="ldm")
    np.testing.assert_allclose(sin(k).numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(TimeConditioning("scalar", SCHEDULE)(k)[:, 0], k / 1000.0)
    np.testing.assert_allclose(TimeConditioning("raw", SCHEDULE)(k)[:, 0], k.float())
    assert TimeConditioning("none", SCHEDULE)(k).shape == (4, 0)
    learned = TimeConditioning("learned", SCHEDULE, dim=6)
    assert learned.embed.weight.shape == (1000, 6)
    four_a = TimeConditioning("fourier", SCHEDULE, dim=6, seed=1)(k)
    assert torch.equal(four_a, TimeConditioning("fourier", SCHEDULE, dim=6, seed=1)(k))
    assert not torch.equal(four_a, TimeConditioning("fourier", SCHEDULE, dim=6, seed=2)(k))
    np.testing.assert_allclose((four_a[:, :3] ** 2 + four_a[:, 3:] ** 2).numpy(), 1.0, rtol=1e-5)
    ab = SCHEDULE.alpha_bar[k.numpy()]
    np.testing.assert_allclose(
        TimeConditioning("noise_level", SCHEDULE)(k)[:, 0].numpy(),
        np.clip(np.log(ab / (1 - ab)), -20, 20),
        rtol=1e-5,
    )
    zsnr = noise_schedule("cosine", 1000, zero_terminal_snr=True)
    assert torch.isfinite(TimeConditioning("noise_level", zsnr)(k)).all()


def test_models_differ_only_in_the_time_columns():
    sizes = {}
    for c in CONDITIONINGS:
        model = build_model(LabSettings(cond=c, width=32, dim=8), 2)
        sizes[c] = model.net[0].in_features - 2
    assert sizes == {
        "sinusoidal": 8,
        "scalar": 1,
        "raw": 1,
        "none": 0,
        "learned": 8,
        "fourier": 8,
        "noise_level": 1,
    }


def test_training_lowers_the_loss_and_stays_above_the_exact_floor(tiny_runs):
    for cond, r in tiny_runs.items():
        assert r.loss[-1] < r.loss[0], cond
        assert r.final_loss > r.floor, cond  # ε* does better than any trained model
        np.testing.assert_allclose(r.final_loss - r.floor, r.error_to_star, atol=0.03)


def test_a_model_told_nothing_is_not_below_the_blind_floor(bumps):
    """Paired on the same draws: mean(loss − blind floor) ≥ −4 standard errors."""
    data, ref = bumps
    r = train_lab(LabSettings(cond="none", steps=600, width=32), data, ref)
    model = build_model(LabSettings(cond="none", steps=600, width=32), 1)
    model.load_state_dict(load(r.weights))
    pred = lab._predict(model, ref.xk, ref.k)
    n = ref.num_blind
    diff = ((ref.noise[:n] - pred[:n]) ** 2).mean(1) - ((ref.noise[:n] - ref.eps_blind) ** 2).mean(
        1
    )
    assert diff.mean() > -4 * diff.std() / np.sqrt(n)
    # the same in distance to ε* (the page's grey bars): E‖ε̂ − ε*‖² ≥ E‖ε*_∅ − ε*‖² on average
    excess = ((pred[:n] - ref.eps_star[:n]) ** 2).mean(1) - (
        (ref.eps_blind - ref.eps_star[:n]) ** 2
    ).mean(1)
    assert excess.mean() > -4 * excess.std() / np.sqrt(n)
    assert r.blind_floor > ref.floor() + 0.05  # on this data, k is worth something
    # a model told k goes below the blind floor: conditioning is what buys the difference
    told = train_lab(LabSettings(cond="scalar", steps=600, width=32), data, ref)
    assert told.blind_loss < told.blind_floor


def test_same_settings_same_weights_and_the_file_loads(bumps):
    data, ref = bumps
    a = train_lab(LabSettings(cond="learned", **TINY), data, ref)
    b = train_lab(LabSettings(cond="learned", **TINY), data, ref)
    wa, wb = load(a.weights), load(b.weights)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[n], wb[n]) for n in wa)
    np.testing.assert_array_equal(a.loss, b.loss)
    c = train_lab(LabSettings(cond="learned", seed=1, **TINY), data, ref)
    assert not torch.equal(load(c.weights)["net.0.weight"], wa["net.0.weight"])
    model = build_model(LabSettings(cond="learned", **TINY), 1)
    model.load_state_dict(load(a.weights))
    np.testing.assert_allclose(
        lab._predict(model, ref.field_x[:, None], np.full(len(ref.field_x), ref.field_k[3])),
        a.field_learned[3][:, None],
        rtol=1e-6,
    )


def test_progress_reports_and_cancel(bumps):
    data, ref = bumps
    seen = []
    r = train_lab(
        LabSettings(cond="sinusoidal", steps=1000, width=16),
        data,
        ref,
        report=seen.append,
        cancelled=lambda: len(seen) >= 3,
        snapshot_every=100,
    )
    assert r.cancelled and r.steps_done == 3 * lab.REPORT_EVERY
    assert [p.step for p in seen] == [50, 100, 150]
    assert all(p.seconds_left >= 0 for p in seen)
    assert seen[-1].samples.shape == (lab.SAMPLE_NUM, 1) and seen[-1].samples_step == 100
    assert np.isfinite(seen[-1].band_loss).sum() >= 8
    assert r.trajectories.shape == (lab.SAMPLE_STEPS + 1, lab.TRAJECTORIES, 1)


def test_results_row_and_csv(tiny_runs):
    runs = list(tiny_runs.values())
    row = runs[0].row()
    assert row["gap to blind floor"] == runs[0].blind_loss - runs[0].blind_floor
    csv = lab.loss_curves_csv(runs[:2])
    lines = csv.splitlines()
    assert lines[0] == "cond,seed,step,loss"
    assert len(lines) == 1 + sum(len(r.loss) for r in runs[:2])


def test_point_sets_and_custom_data():
    points = drawn([[0, 0], [1, 1], [-1, 0.5]])
    assert points.is_point_set and points.dim == 2
    ref = reference(points, SCHEDULE)
    r = train_lab(LabSettings(**TINY), points, ref)
    assert r.samples.shape == (lab.SAMPLE_NUM, 2)
    assert custom_1d([0.0, 2.0], [0.1, 0.2], [1, 3]).mixture.weights.tolist() == [0.25, 0.75]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: LabSettings(steps=10**6).check(), "steps=1000000 must be a whole number in 100"),
        (lambda: LabSettings(width=3).check(), "width=3"),
        (lambda: LabSettings(cond="time").check(), "cond='time' is not one of"),
        (lambda: LabSettings(base=1.0).check(), "base=1.0"),
        (lambda: LabSettings(schedule="sqrt").check(), "schedule='sqrt'"),
        (lambda: drawn([[0, 0]]), "3 … 1000 points"),
        (lambda: drawn([[0, 0], [5, 0], [1, 1]]), r"\[−1.5, 1.5\]"),
        (lambda: custom_1d([0.0], [0.0], [1.0]), "at least 0.01"),
        (lambda: custom_1d(np.zeros(5), np.ones(5), np.ones(5)), "1 … 4 components"),
        (lambda: preset("custom_1d"), "not a preset"),
        (lambda: TimeConditioning("fourier", SCHEDULE, dim=5), "even"),
    ],
)
def test_bad_settings_name_the_value_and_range(make, match):
    with pytest.raises(ValueError, match=match):
        make()
