"""Measure the shipped denoisers: ``python -m timestep_lab.models.evaluate``.

Prints a table and writes JSON (default ``weights/evaluation.json``); with ``--update-cards``
(the default) each model card gets its own numbers under ``evaluation``.

- Digits (each of ``DIGITS_NAMES``): an independent classifier (``classifier.py``, trained on the
  real train split) scores 1,000 samples, 100 per class, DDIM-50 (``trailing``, η = 0, seed 0) at
  guidance w ∈ {1, 2, 4}: **class accuracy** (fraction classified as the requested digit) and the
  **Fréchet distance** of the classifier's penultimate features to the held-out real digits, next
  to the real-vs-real floor (1,000 train digits vs held-out). Each figure gets a 95 % bootstrap
  interval (``bootstrap_interval``, Efron 1979) over the evaluation samples: the generated
  digits and, for Fréchet, the held-out real digits, resampled independently. The twins'
  differences from ``digits`` get paired intervals (the same sample indices in both models:
  they share seeds and labels). These intervals cover the draw of evaluation samples only;
  each model is one training run (seed 0), so they say nothing about retraining.
- Toy 2D: the energy distance (Székely & Rizzo) between 2,000 samples (DDIM-50 and DDPM-1000,
  w = 1) and 2,000 fresh points of the true shape, next to the floor of two fresh true samples.
- Speed: 16 ``digits`` samples with DDIM-50 at w = 2 (two passes, batched) and w = 1, and with
  DDPM-1000 at w = 1, in wall milliseconds on this CPU (after one warm-up run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from scipy.stats import bootstrap

from timestep_lab.models.classifier import classify, frechet_distance, train_classifier
from timestep_lab.models.data import DATASETS_2D, digits_split, sample_2d
from timestep_lab.models.pretrained import (
    DIGITS_NAMES,
    MODEL_NAMES,
    WEIGHTS_DIR,
    load_pretrained,
    model_schedule,
    weights_paths,
)
from timestep_lab.models.sampling import sample

GUIDANCES = (1.0, 2.0, 4.0)
PER_CLASS, POINTS_2D, SEED = 100, 2000, 0
TRUE_SEEDS_2D = (1001, 2002)  # fresh draws of the true shapes, never the training seed
TOY2D_SAMPLERS = (("ddim50", "ddim", 50), ("ddpm1000", "ddpm", 1000))
RESAMPLES, LEVEL = 1000, 0.95  # bootstrap resamples and confidence level of every interval


def bootstrap_interval(
    statistic, sizes: tuple[int, ...], *, resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, Any]:
    """A 95 % bootstrap interval of ``statistic(*index_arrays)`` over independent samples.

    sizes: the length of each sample; ``statistic`` receives one array of indices per sample
    (resampled with replacement) and returns a float. The interval is the percentile interval
    of the bootstrap distribution re-centred on the estimate (θ* − mean θ* + θ̂): a Fréchet
    distance of resampled features is inflated by the duplicates a resample holds (a bias of
    its own, reported as ``resample_shift``), while its spread still measures how much the
    figure moves with the samples. For a mean (an accuracy) the shift is ~0 and this is the
    plain percentile interval.

    Returns {"low", "high", "resample_shift", "resamples", "level"}.
    """
    indices = tuple(np.arange(n) for n in sizes)
    estimate = statistic(*indices)
    result = bootstrap(
        indices,
        lambda *idx: statistic(*(i.astype(np.int64) for i in idx)),
        n_resamples=resamples,
        vectorized=False,
        paired=False,
        confidence_level=LEVEL,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    shift = float(np.mean(result.bootstrap_distribution) - estimate)
    low, high = np.quantile(
        result.bootstrap_distribution - shift, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]
    )
    return {
        "low": round(float(low), 4),
        "high": round(float(high), 4),
        "resample_shift": round(shift, 4),
        "resamples": resamples,
        "level": LEVEL,
    }


def accuracy_interval(correct: NDArray[np.bool_]) -> dict[str, Any]:
    """The bootstrap interval of the fraction of ``correct`` (N,) that is true."""
    correct = np.asarray(correct, dtype=np.float64)
    return bootstrap_interval(lambda i: float(correct[i].mean()), (correct.size,))


def frechet_interval(feats: NDArray, real_feats: NDArray) -> dict[str, Any]:
    """The bootstrap interval of the Fréchet distance, resampling both feature sets.

    A distance is never negative, so the re-centred interval is cut at 0: intersecting an
    interval with the values the parameter can take keeps its coverage. The interval is wide
    (resampling with duplicates moves this statistic by ``resample_shift``); read model
    differences from the paired intervals of ``paired_differences`` instead.
    """
    interval = bootstrap_interval(
        lambda i, j: frechet_distance(feats[i], real_feats[j]), (len(feats), len(real_feats))
    )
    interval["low"] = max(interval["low"], 0.0)
    return interval


def energy_distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ between point sets a (N, D) and b (M, D)."""

    def mean_dist(p: NDArray, q: NDArray) -> float:
        return float(np.sqrt(((p[:, None, :] - q[None, :, :]) ** 2).sum(-1)).mean())

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return 2.0 * mean_dist(a, b) - mean_dist(a, a) - mean_dist(b, b)


def evaluate_digits(
    name: str, classifier: torch.nn.Module, per_sample: dict | None = None
) -> dict[str, Any]:
    """Class accuracy and Fréchet distance of model ``name`` at each guidance w, with intervals.

    per_sample: if given, ``per_sample[w]`` receives (correct (N,), features (N, 64)) for the
    paired comparisons of ``ablation``.
    """
    model, card = load_pretrained(name)
    schedule = model_schedule(card)
    held_out = digits_split().held_out_images
    _, real_feats = classify(classifier, held_out)
    labels = np.repeat(np.arange(10), PER_CLASS)
    rows = {}
    for w in GUIDANCES:
        images = sample(model, schedule, steps=50, guidance=w, labels=labels, num=len(labels))
        pred, feats = classify(classifier, images)
        correct = pred == labels
        rows[f"w={w:g}"] = {
            "guidance": w,
            "class_accuracy": round(float(np.mean(correct)), 4),
            "frechet": round(frechet_distance(feats, real_feats), 3),
            "class_accuracy_interval": accuracy_interval(correct),
            "frechet_interval": frechet_interval(feats, real_feats),
        }
        if per_sample is not None:
            per_sample[w] = (correct, feats)
    return {
        "sampler": "ddim",
        "steps": 50,
        "spacing": "trailing",
        "num": len(labels),
        "training_seeds": 1,  # one training run per model: intervals cover the samples only
        **rows,
    }


def digits_floor(classifier: torch.nn.Module) -> dict[str, float]:
    """The classifier's held-out accuracy and the real-vs-real Fréchet floor."""
    split = digits_split()
    pred, real_feats = classify(classifier, split.held_out_images)
    idx = np.random.default_rng(SEED).choice(len(split.train_labels), 1000, replace=False)
    _, train_feats = classify(classifier, split.train_images[idx])
    correct = pred == split.held_out_labels
    return {
        "classifier_held_out_accuracy": round(float(np.mean(correct)), 4),
        "classifier_held_out_accuracy_interval": accuracy_interval(correct),
        "frechet_floor": round(frechet_distance(train_feats, real_feats), 3),
        "frechet_floor_interval": frechet_interval(train_feats, real_feats),
    }


def evaluate_toy2d() -> dict[str, Any]:
    """Energy distance of each shape's samples to fresh true points, and its floor."""
    model, card = load_pretrained("toy2d")
    schedule = model_schedule(card)
    out: dict[str, Any] = {"guidance": 1.0, "num": POINTS_2D}
    for label, dataset in enumerate(DATASETS_2D):
        true_a, true_b = (sample_2d(dataset, POINTS_2D, s) for s in TRUE_SEEDS_2D)
        floor = energy_distance(true_b, true_a)
        out[dataset] = {"floor": round(floor, 6)}
        for key, sampler, steps in TOY2D_SAMPLERS:
            points = sample(
                model, schedule, sampler=sampler, steps=steps, labels=label, num=POINTS_2D
            )
            distance = energy_distance(points, true_a)
            out[dataset][key] = {
                "energy_distance": round(distance, 6),
                "ratio": round(distance / floor, 2),
            }
    return out


def speed() -> dict[str, float]:
    """Wall milliseconds for 16 ``digits`` samples with DDIM-50 (w = 1, 2) and DDPM-1000."""
    model, card = load_pretrained("digits")
    schedule = model_schedule(card)
    runs = {
        "ddim50_w2_ms": {"sampler": "ddim", "steps": 50, "guidance": 2.0},
        "ddim50_w1_ms": {"sampler": "ddim", "steps": 50, "guidance": 1.0},
        "ddpm1000_w1_ms": {"sampler": "ddpm", "steps": 1000, "guidance": 1.0},
    }
    sample(model, schedule, steps=10, guidance=2.0, labels=3, num=16)  # warm-up
    out = {}
    for key, options in runs.items():
        start = time.perf_counter()
        sample(model, schedule, labels=3, num=16, **options)
        out[key] = round((time.perf_counter() - start) * 1000.0, 1)
    return out


def paired_differences(
    twin: tuple[NDArray, NDArray], base: tuple[NDArray, NDArray], real_feats: NDArray
) -> dict[str, Any]:
    """Twin minus ``digits`` at one w, with paired bootstrap intervals.

    twin, base: (correct (N,), features (N, 64)) of samples drawn with the same seeds and
    labels, so sample i of one is paired with sample i of the other; the held-out real
    features are resampled too (the same resample for both distances).
    """
    (c_twin, f_twin), (c_base, f_base) = twin, base
    diff = np.asarray(c_twin, np.float64) - np.asarray(c_base, np.float64)

    def frechet_gap(i, j):
        return frechet_distance(f_twin[i], real_feats[j]) - frechet_distance(
            f_base[i], real_feats[j]
        )

    return {
        "accuracy_minus_sinusoidal": round(float(diff.mean()), 4),
        "accuracy_minus_sinusoidal_interval": bootstrap_interval(
            lambda i: float(diff[i].mean()), (diff.size,)
        ),
        "frechet_minus_sinusoidal": round(
            frechet_gap(np.arange(len(f_twin)), np.arange(len(real_feats))), 3
        ),
        "frechet_minus_sinusoidal_interval": bootstrap_interval(
            frechet_gap, (len(f_twin), len(real_feats))
        ),
    }


def ablation(models: dict[str, Any], per_sample: dict | None = None, real_feats=None) -> dict:
    """Each digits twin against ``digits`` (sinusoidal) at w = 1: differences and intervals.

    per_sample: {name: {w: (correct, features)}} from ``evaluate_digits``; without it (a
    ``--merge`` of older numbers) only the point differences are given.
    """
    base = models["digits"]["w=1"]
    out = {}
    for name, r in models.items():
        if name not in DIGITS_NAMES or name == "digits":
            continue
        row = {
            "accuracy_minus_sinusoidal": round(
                r["w=1"]["class_accuracy"] - base["class_accuracy"], 4
            ),
            "frechet_over_sinusoidal": round(r["w=1"]["frechet"] / base["frechet"], 2),
        }
        if per_sample and name in per_sample and "digits" in per_sample:
            row.update(
                paired_differences(per_sample[name][1.0], per_sample["digits"][1.0], real_feats)
            )
        out[name] = row
    return out


def span(interval: dict | None, spec: str) -> str:
    """' [low, high]' of an interval from ``bootstrap_interval``; '' when there is none."""
    return f" [{interval['low']:{spec}}, {interval['high']:{spec}}]" if interval else ""


def format_table(report: dict[str, Any]) -> str:
    """The evaluation report as a plain-text table."""
    lines = []
    if "digits_floor" in report:
        f = report["digits_floor"]
        lines.append(
            f"classifier held-out accuracy {f['classifier_held_out_accuracy']:.4f}"
            f"{span(f.get('classifier_held_out_accuracy_interval'), '.4f')}; "
            f"Fréchet floor (real train vs held-out) {f['frechet_floor']:.3f}"
            f"{span(f.get('frechet_floor_interval'), '.2f')}"
        )
        lines.append("95 % bootstrap intervals over the evaluation samples; one training seed each")
        lines.append(
            f"{'model':<15}{'w':>4}{'accuracy':>10}{'interval':>16}{'Fréchet':>10}"
            f"{'interval':>16}{'× floor':>9}"
        )
        for name in DIGITS_NAMES:
            if name not in report["models"]:
                continue
            for w in GUIDANCES:
                r = report["models"][name][f"w={w:g}"]
                ratio = r["frechet"] / f["frechet_floor"]
                lines.append(
                    f"{name:<15}{w:>4g}{r['class_accuracy']:>10.3f}"
                    f"{span(r.get('class_accuracy_interval'), '.3f'):>16}{r['frechet']:>10.3f}"
                    f"{span(r.get('frechet_interval'), '.2f'):>16}{ratio:>9.2f}"
                )
    for name, r in report.get("ablation_w1", {}).items():
        line = (
            f"{name} vs digits (sinusoidal), w=1: accuracy {r['accuracy_minus_sinusoidal']:+.3f}"
            f"{span(r.get('accuracy_minus_sinusoidal_interval'), '+.3f')}, "
            f"Fréchet ×{r['frechet_over_sinusoidal']:.2f}"
        )
        if "frechet_minus_sinusoidal" in r:
            line += (
                f", Fréchet {r['frechet_minus_sinusoidal']:+.2f}"
                f"{span(r['frechet_minus_sinusoidal_interval'], '+.2f')}"
            )
        lines.append(line)
    if "toy2d" in report["models"]:
        lines.append(
            f"{'toy2d dataset':<15}{'sampler':>10}{'energy':>10}{'floor':>10}{'× floor':>9}"
        )
        for dataset in DATASETS_2D:
            r = report["models"]["toy2d"][dataset]
            for key, _, _ in TOY2D_SAMPLERS:
                lines.append(
                    f"{dataset:<15}{key:>10}{r[key]['energy_distance']:>10.5f}"
                    f"{r['floor']:>10.5f}{r[key]['ratio']:>9.2f}"
                )
    if "speed" in report:
        s = report["speed"]
        lines.append(
            f"speed, 16 digits: DDIM-50 w=2 {s['ddim50_w2_ms']:.0f} ms, DDIM-50 w=1 "
            f"{s['ddim50_w1_ms']:.0f} ms, DDPM-1000 w=1 {s['ddpm1000_w1_ms']:.0f} ms"
        )
    return "\n".join(lines)


def run(models: list[str], *, with_speed: bool = True) -> dict[str, Any]:
    """Evaluate ``models`` (names from ``MODEL_NAMES``) and return the report dict."""
    torch.set_flush_denormal(True)
    report: dict[str, Any] = {"models": {}, "torch_threads": torch.get_num_threads()}
    digits = [name for name in models if name in DIGITS_NAMES]
    per_sample: dict[str, dict] = {}
    if digits:
        classifier = train_classifier()
        report["digits_floor"] = digits_floor(classifier)
        for name in digits:
            per_sample[name] = {}
            report["models"][name] = evaluate_digits(name, classifier, per_sample[name])
    if "digits" in report["models"]:
        _, real_feats = classify(classifier, digits_split().held_out_images)
        report["ablation_w1"] = ablation(report["models"], per_sample, real_feats)
    if "toy2d" in models:
        report["models"]["toy2d"] = evaluate_toy2d()
    if with_speed:
        report["speed"] = speed()
    return report


def update_cards(report: dict[str, Any]) -> None:
    """Write each model's numbers (and the shared floor and speed) into its model card."""
    for name, numbers in report["models"].items():
        _, card_path = weights_paths(name)
        card = json.loads(card_path.read_text(encoding="utf-8"))
        evaluation = dict(numbers)
        if name in DIGITS_NAMES:
            evaluation.update(report["digits_floor"])
        if name == "digits" and "speed" in report:
            evaluation["speed"] = report["speed"]
        elif name == "digits" and "speed" in card.get("evaluation", {}):
            evaluation["speed"] = card["evaluation"]["speed"]  # --no-speed keeps the old figure
        if name in report.get("ablation_w1", {}):
            evaluation["vs_digits_w1"] = report["ablation_w1"][name]
        card["evaluation"] = evaluation
        card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: evaluate, print the table, write the JSON and update the cards."""
    parser = argparse.ArgumentParser(prog="python -m timestep_lab.models.evaluate")
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR / "evaluation.json")
    parser.add_argument("--no-update-cards", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument(
        "--merge", action="store_true", help="keep the other models' numbers already in --out"
    )
    args = parser.parse_args(argv)
    report = run(args.models, with_speed=not args.no_speed)
    if args.merge and args.out.is_file():
        # the classifier and its floor are deterministic, so earlier numbers stay comparable
        old = json.loads(args.out.read_text(encoding="utf-8"))
        report = {**old, **report, "models": {**old["models"], **report["models"]}}
        if "digits" in report["models"] and "digits" not in args.models:
            report["ablation_w1"] = ablation(report["models"])  # point differences only
    print(format_table(report))
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if not args.no_update_cards:
        update_cards(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
