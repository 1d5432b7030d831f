"""The evaluation's bootstrap intervals (models/evaluate.py): right width for a proportion,
re-centred for the Fréchet distance, paired comparisons that see no gap between twins."""

import numpy as np
import pytest

from timestep_lab.models.classifier import frechet_distance
from timestep_lab.models.evaluate import (
    accuracy_interval,
    bootstrap_interval,
    frechet_interval,
    paired_differences,
    span,
)


def test_accuracy_interval_has_the_binomial_width():
    correct = np.r_[np.ones(897), np.zeros(103)].astype(bool)
    interval = accuracy_interval(correct)
    assert interval["low"] < 0.897 < interval["high"]
    half_width = 1.96 * np.sqrt(0.897 * 0.103 / 1000)  # the normal approximation
    assert (interval["high"] - interval["low"]) / 2 == pytest.approx(half_width, rel=0.2)
    assert abs(interval["resample_shift"]) < 0.002  # a mean is not biased by resampling
    assert interval["level"] == 0.95 and interval["resamples"] == 1000


def test_a_perfect_score_has_a_degenerate_bootstrap_interval():
    interval = accuracy_interval(np.ones(1000, dtype=bool))
    assert interval["low"] == interval["high"] == 1.0


def test_frechet_interval_is_recentred_on_the_estimate():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((400, 8)), rng.standard_normal((200, 8)) + 0.5
    estimate = frechet_distance(a, b)
    interval = bootstrap_interval(
        lambda i, j: frechet_distance(a[i], b[j]), (len(a), len(b)), resamples=300
    )
    assert interval["low"] < estimate < interval["high"]
    assert interval["resample_shift"] > 0  # duplicated samples inflate the distance


def test_a_frechet_interval_never_goes_below_zero():
    # two small heavy-tailed samples of one distribution: the re-centred interval's low end
    # falls below 0 (as it did for the digits' features), and a distance cannot
    rng = np.random.default_rng(0)
    a, b = rng.standard_t(2, (60, 2)), rng.standard_t(2, (60, 2))
    raw = bootstrap_interval(lambda i, j: frechet_distance(a[i], b[j]), (len(a), len(b)))
    assert raw["low"] < 0
    interval = frechet_interval(a, b)
    assert interval["low"] == 0.0 and interval["high"] == raw["high"]


def test_identical_twins_show_no_paired_gap():
    rng = np.random.default_rng(1)
    correct = rng.random(300) < 0.9
    feats, real = rng.standard_normal((300, 6)), rng.standard_normal((120, 6))
    gap = paired_differences((correct, feats), (correct, feats), real)
    assert gap["accuracy_minus_sinusoidal"] == 0.0
    assert gap["accuracy_minus_sinusoidal_interval"]["low"] == 0.0
    assert gap["frechet_minus_sinusoidal"] == 0.0
    assert gap["frechet_minus_sinusoidal_interval"]["high"] == 0.0


def test_a_real_paired_gap_excludes_zero():
    rng = np.random.default_rng(2)
    base = rng.random(500) < 0.99
    worse = base & (rng.random(500) < 0.85)  # the twin loses ~15 % of what the base got right
    feats = rng.standard_normal((500, 6))
    gap = paired_differences((worse, feats + 0.3), (base, feats), rng.standard_normal((200, 6)))
    assert gap["accuracy_minus_sinusoidal_interval"]["high"] < 0
    assert gap["frechet_minus_sinusoidal_interval"]["low"] > 0


def test_span_prints_an_interval_or_nothing():
    assert span({"low": 0.1, "high": 0.25}, ".2f") == " [0.10, 0.25]"
    assert span(None, ".2f") == ""
