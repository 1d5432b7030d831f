"""The model-card sentences: intervals printed beside every figure, comparisons read from the
paired intervals (a gap whose interval holds 0 is not called a difference), seeds stated."""

from timestep_lab.models.cards import bracket, gap_sentence, score, seeds_note


def _interval(low, high):
    return {"low": low, "high": high, "resample_shift": 0.0, "resamples": 1000, "level": 0.95}


ROW = {
    "class_accuracy": 0.897,
    "frechet": 10.871,
    "class_accuracy_interval": _interval(0.878, 0.915),
    "frechet_interval": _interval(10.2, 11.6),
    "training_seeds": 1,
}


def test_every_figure_comes_with_its_interval():
    assert score(ROW) == "89.7% [87.8–91.5%] / 10.87 [10.20–11.60]"
    assert bracket({"frechet": 3.0}, "frechet") == ""  # an older card: no interval, no bracket
    assert score({"class_accuracy": 0.95, "frechet": 3.0}) == "95.0% / 3.00"


def test_a_gap_is_called_a_difference_only_when_its_interval_excludes_zero():
    tie = {
        "accuracy_minus_sinusoidal": 0.001,
        "accuracy_minus_sinusoidal_interval": _interval(-0.004, 0.006),
        "frechet_minus_sinusoidal": 0.23,
        "frechet_minus_sinusoidal_interval": _interval(-0.1, 0.5),
    }
    text = gap_sentence("k/T", tie)
    assert "no accuracy difference these samples can show" in text
    assert "no Fréchet difference they can show" in text
    loss = {
        "accuracy_minus_sinusoidal": -0.098,
        "accuracy_minus_sinusoidal_interval": _interval(-0.117, -0.079),
        "frechet_minus_sinusoidal": 7.4,
        "frechet_minus_sinusoidal_interval": _interval(6.8, 8.0),
    }
    text = gap_sentence("no k", loss)
    assert "9.8 points less accurate" in text and "a Fréchet distance 7.40 higher" in text


def test_seeds_are_said():
    assert seeds_note(ROW) == "one training run"
    assert seeds_note({}) == "one training run"  # a card holds one set of weights
    assert seeds_note({"training_seeds": 3}) == "3 training runs"


def test_the_readme_prints_the_cards_figures():
    """R1: the README's evaluation table (and, once measured, the paired comparisons and every
    interval) are the cards' own numbers, never typed in."""
    from pathlib import Path

    from timestep_lab.models.cards import readme_comparisons, readme_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme_table()
    assert table.count("\n") == 7 and table in readme
    if "95% interval" in table:
        assert "| – |" not in table  # every figure has its interval
    comparisons = readme_comparisons()
    assert comparisons in readme
