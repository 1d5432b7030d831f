"""Class mode's answer figures: exact counts, and the answer hidden until it is passed."""

import numpy as np
import pytest

from timestep_lab.figures.classroom import (
    choice_counts_figure,
    guess_bins,
    guess_histogram_figure,
    option_counts,
)


def test_option_counts_count_every_answer():
    assert option_counts([0, 2, 2, 1, 2], 4).tolist() == [1, 1, 3, 0]
    assert option_counts([], 3).tolist() == [0, 0, 0]


@pytest.mark.parametrize(("lo", "hi"), [(0, 999), (0, 100_000), (3, 7)])
def test_guess_bins_hold_every_guess_once(lo, hi):
    rng = np.random.default_rng(0)
    guesses = np.concatenate([[lo, hi, hi, lo], rng.integers(lo, hi + 1, 200)])
    edges, counts = guess_bins(guesses, lo, hi)
    assert counts.sum() == len(guesses)  # the ends included: nothing falls off the histogram
    assert edges[0] == lo and edges[-1] == hi + 1
    for value in (lo, hi, guesses[7]):
        where = np.searchsorted(edges, value, side="right") - 1
        assert counts[where] >= np.sum(guesses == value)
    if hi - lo < 20:  # one bar per whole number: exact
        assert counts.tolist() == [int(np.sum(guesses == v)) for v in range(lo, hi + 1)]


def test_the_answer_shows_only_once_revealed():
    hidden = choice_counts_figure(["a", "b", "c"], [1, 2, 0])
    shown = choice_counts_figure(["a", "b", "c"], [1, 2, 0], answer=1)
    assert len(set(hidden.data[0].marker.color)) == 1
    assert shown.data[0].marker.color[1] != shown.data[0].marker.color[0]
    assert list(shown.data[0].text) == ["1", "2", "0"]
    assert not guess_histogram_figure([5, 6], 0, 10).layout.shapes
    (line,) = guess_histogram_figure([5, 6], 0, 10, answer=7).layout.shapes
    assert line.x0 == 7
