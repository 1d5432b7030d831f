"""What the shipped models' cards measured, read without torch, for sentences on any page.

The model cards (``timestep_lab/models/weights/NAME.json``) hold the numbers
``python -m timestep_lab.models.evaluate`` measured: class accuracy and Fréchet distance with
95 % bootstrap intervals over the evaluation samples. Pages that must stay free of torch (home,
encoding, noise, the lesson's text) quote them through this module; when a card has no
evaluation, the functions return None and the sentence that needed the number is left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from timestep_lab.encodings import noise_schedule

CARDS_DIR = Path(__file__).resolve().parents[1] / "models" / "weights"
CARD_NAMES = ("digits", "digits-scalar", "digits-raw", "digits-none")


@dataclass(frozen=True)
class Measured:
    """One evaluated figure: the estimate, its 95 % bootstrap interval and the sample size."""

    value: float
    low: float | None
    high: float | None
    num: int

    def percent(self) -> str:
        """'89.7 % (95 % interval 87.8–91.6 %)', or the bare percentage without an interval."""
        text = f"{100 * self.value:.1f}%"
        if self.low is None or self.high is None:
            return text
        if self.low == self.high == self.value:
            return f"{text} (all {self.num:,} samples)"
        return f"{text} (95% interval {100 * self.low:.1f}–{100 * self.high:.1f}%)"

    def plain(self, spec: str = ".2f") -> str:
        """'3.45 (95 % interval 3.21–3.70)', or the bare figure."""
        text = f"{self.value:{spec}}"
        if self.low is None or self.high is None:
            return text
        return f"{text} (95% interval {self.low:{spec}}–{self.high:{spec}})"


def card_evaluation(name: str) -> dict:
    """The ``evaluation`` block of a digits model card; {} when missing or unreadable.

    Read and parsed once per version of the file (its size and modification time), not on
    every call: a page quotes the cards several times a run. The dict is shared: read it only.
    """
    if name not in CARD_NAMES:
        raise ValueError(f"name={name!r} is not one of {', '.join(CARD_NAMES)}")
    path = CARDS_DIR / f"{name}.json"
    try:
        stat = path.stat()
    except OSError:
        return {}
    return card_file_evaluation(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2 * len(CARD_NAMES))
def card_file_evaluation(path: str, mtime_ns: int, size: int) -> dict:
    """The ``evaluation`` block of the card at ``path`` as it is now (the stat keys the cache)."""
    try:
        card = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    evaluation = card.get("evaluation") if isinstance(card, dict) else None
    return evaluation if isinstance(evaluation, dict) else {}


def measured(name: str, figure: str, w: float = 1.0) -> Measured | None:
    """A card's ``figure`` (``class_accuracy`` or ``frechet``) at guidance ``w``, or None."""
    evaluation = card_evaluation(name)
    row = evaluation.get(f"w={w:g}")
    if not isinstance(row, dict) or figure not in row:
        return None
    interval = row.get(f"{figure}_interval") or {}
    return Measured(
        float(row[figure]), interval.get("low"), interval.get("high"), int(evaluation["num"])
    )


def training_seeds(name: str) -> int | None:
    """How many training runs stand behind a card's numbers (None when not recorded)."""
    seeds = card_evaluation(name).get("training_seeds")
    return int(seeds) if seeds is not None else None


def blind_model_sentence(w: float = 1.0) -> str | None:
    """The measured finding that a denoiser told nothing about k still works; None if unmeasured."""
    blind = measured("digits-none", "class_accuracy", w)
    told = measured("digits", "class_accuracy", w)
    if blind is None or told is None:
        return None
    text = (
        f"Our `digits-none` twin, whose network is never told the timestep (the sampler "
        f"still uses ᾱ_k at each step), still draws the digit it is asked for in "
        f"{blind.percent()} of its samples, against {told.percent()} for the same network "
        f"told P(k) (model cards, w = {w:g}, {blind.num:,} samples each, one training run "
        "each)"
    )
    blind_f, told_f = measured("digits-none", "frechet", w), measured("digits", "frechet", w)
    if blind_f is not None and told_f is not None and told_f.value > 0:
        text += (
            f"; it pays in Fréchet distance, {blind_f.plain()} against {told_f.plain()} "
            f"({blind_f.value / told_f.value:.1f}×)"
        )
    return text + (
        ". Much of the noise level can be read off x_k itself, as blind denoisers do "
        "(Sun et al. 2025, “Is noise conditioning necessary for denoising generative "
        "models?”)."
    )


def scalar_twin_sentence(w: float = 1.0) -> str | None:
    """The k/T twin beside the P(k) model, from the cards; None when not measured."""
    figures = [
        measured(name, fig, w)
        for name in ("digits-scalar", "digits")
        for fig in ("class_accuracy", "frechet")
    ]
    if any(f is None for f in figures):
        return None
    s_acc, s_fr, p_acc, p_fr = figures
    return (
        f"Our digits-scalar twin, fed k/T, draws the asked-for digit in {s_acc.percent()} of "
        f"its samples with Fréchet distance {s_fr.plain()}, against {p_acc.percent()} and "
        f"{p_fr.plain()} fed P(k) (model cards, w = {w:g}, one training run each)."
    )


@dataclass(frozen=True)
class LengthChange:
    """What one timestep means when T changes: ᾱ at the same k and at the same k/T."""

    schedule: str
    k: int
    num_timesteps: int
    other_timesteps: int
    same_fraction_k: int  # round(k · T′ / T): the same k/T under T′
    alpha_bar: float  # ᾱ_k under T
    same_k_alpha_bar: float  # ᾱ_k under T′
    same_fraction_alpha_bar: float  # ᾱ at round(k·T′/T) under T′


def length_change(
    k: int, num_timesteps: int, other_timesteps: int, schedule: str = "cosine"
) -> LengthChange:
    """ᾱ at timestep k for T, at the same k for T′ and at the same fraction k/T for T′.

    k: in [0, min(T, T′)). The cosine schedule defines ᾱ as a function of k/T (Nichol &
    Dhariwal 2021, eq. 17), so the same fraction keeps the noise level and the same k does not.
    """
    if not 0 <= k < min(num_timesteps, other_timesteps):
        raise ValueError(f"k={k} must lie in 0 … {min(num_timesteps, other_timesteps) - 1}")
    here = noise_schedule(schedule, num_timesteps).alpha_bar
    there = noise_schedule(schedule, other_timesteps).alpha_bar
    k2 = min(other_timesteps - 1, round(k * other_timesteps / num_timesteps))
    return LengthChange(
        schedule,
        k,
        num_timesteps,
        other_timesteps,
        k2,
        float(here[k]),
        float(there[k]),
        float(there[k2]),
    )
