"""What the model cards measured, in plain sentences a page can show beside an experiment.

Every claim the app makes about the ablation twins and guidance is built here from the numbers
``python -m timestep_lab.models.evaluate`` wrote into the cards, never from lore; when a card
has no evaluation the sentences say so instead of guessing.
"""

from __future__ import annotations

from timestep_lab.models.pretrained import load_card

TWINS = {"digits": "sinusoidal P(k)", "digits-scalar": "k/T", "digits-raw": "raw k"}
TWINS["digits-none"] = "no k"
SAMPLER_NAMES = {"ddim50": "DDIM-50:", "ddpm1000": "DDPM-1000:", "": ""}  # card keys


def evaluation_of(name: str) -> dict:
    """The ``evaluation`` block of a model card; empty when it is missing or not measured yet."""
    try:
        return load_card(name).get("evaluation") or {}
    except ValueError:
        return {}


def card_row(name: str, w: float) -> tuple[dict | None, float | None]:
    """A digits model card's numbers at the evaluated w nearest to ``w``: (row, that w).

    The row also carries the run that measured it (``num``, ``steps``) and the Fréchet floor.
    """
    evaluation = evaluation_of(name)
    rows = {
        r["guidance"]: r for r in evaluation.values() if isinstance(r, dict) and "guidance" in r
    }
    if not rows:
        return None, None
    nearest = min(rows, key=lambda g: abs(g - w))
    shared = {key: evaluation.get(key) for key in ("num", "steps", "frechet_floor")}
    return {**shared, **rows[nearest]}, nearest


def bracket(row: dict, key: str) -> str:
    """' [93.6–96.4%]' (accuracy) or ' [2.81–3.22]' (Fréchet): a figure's 95 % bootstrap
    interval from the card, or '' when the card has none."""
    interval = row.get(f"{key}_interval")
    if not interval:
        return ""
    if key.endswith("accuracy") or key.startswith("accuracy"):
        return f" [{100 * interval['low']:.1f}–{100 * interval['high']:.1f}%]"
    return f" [{interval['low']:.2f}–{interval['high']:.2f}]"


def score(row: dict) -> str:
    """'95.0% [93.6–96.4%] / 3.00 [2.81–3.22]': accuracy / Fréchet with their intervals."""
    return (
        f"{row['class_accuracy']:.1%}{bracket(row, 'class_accuracy')} / "
        f"{row['frechet']:.2f}{bracket(row, 'frechet')}"
    )


def seeds_note(row: dict) -> str:
    """How many training runs stand behind a row's numbers, in words.

    A card describes one set of weights, so one run unless the card says otherwise.
    """
    seeds = row.get("training_seeds") or 1
    return "one training run" if seeds == 1 else f"{seeds} training runs"


def card_sentence(name: str, dataset: str | None, w: float) -> str:
    """What the model card measured for this model, or that it has not been measured yet."""
    if dataset is not None:
        evaluation = evaluation_of(name)
        shape = evaluation.get(dataset)
        if not shape:
            return "The model card has no evaluation yet for this shape."
        runs = {key: r for key, r in shape.items() if isinstance(r, dict)} or {"": shape}
        measured = "; ".join(
            f"{SAMPLER_NAMES.get(key, key)} energy distance {r['energy_distance']:.4f}, "
            f"{r['ratio']:.2f}× that between two true samples"
            for key, r in runs.items()
        )
        return (
            f"Model card, {evaluation['num']:,} samples of {dataset} at w = "
            f"{evaluation['guidance']:g} against fresh true points: {measured}."
        )
    row, w_eval = card_row(name, w)
    if row is None:
        return "The model card has no evaluation yet (training or evaluation is unfinished)."
    floor = f"{row['frechet_floor']}{bracket(row, 'frechet_floor')}"
    intervals = (
        " Brackets: 95% bootstrap intervals over the evaluation samples."
        if row.get("class_accuracy_interval")
        else ""
    )
    return (
        f"Model card at w = {w_eval:g} ({row['num']:,} DDIM-{row['steps']} samples, every "
        f"digit alike; {seeds_note(row)}): an independent classifier reads "
        f"{row['class_accuracy']:.1%}{bracket(row, 'class_accuracy')} as the digit asked for; "
        f"Fréchet distance to held-out digits {row['frechet']:.2f}{bracket(row, 'frechet')} "
        f"(real digits against real: {floor}).{intervals}"
    )


def paired_gap(name: str) -> dict | None:
    """A twin card's paired comparison with ``digits`` at w = 1 (``evaluate.ablation``)."""
    gap = evaluation_of(name).get("vs_digits_w1")
    return gap if isinstance(gap, dict) and "accuracy_minus_sinusoidal_interval" in gap else None


def gap_sentence(label: str, gap: dict) -> str:
    """One twin against P(k) at w = 1, from its paired bootstrap intervals."""
    acc, acc_iv = gap["accuracy_minus_sinusoidal"], gap["accuracy_minus_sinusoidal_interval"]
    fd, fd_iv = gap["frechet_minus_sinusoidal"], gap["frechet_minus_sinusoidal_interval"]
    if acc_iv["low"] <= 0 <= acc_iv["high"]:
        accuracy = "no accuracy difference these samples can show"
    else:
        accuracy = f"{abs(acc) * 100:.1f} points {'less' if acc < 0 else 'more'} accurate"
    if fd_iv["low"] <= 0 <= fd_iv["high"]:
        frechet = "no Fréchet difference they can show"
    else:
        frechet = f"a Fréchet distance {abs(fd):.2f} {'higher' if fd > 0 else 'lower'}"
    return (
        f"{label}: {accuracy} ({acc * 100:+.1f} points, interval {acc_iv['low'] * 100:+.1f} to "
        f"{acc_iv['high'] * 100:+.1f}) and {frechet} ({fd:+.2f}, interval {fd_iv['low']:+.2f} "
        f"to {fd_iv['high']:+.2f})"
    )


def twins_summary(rows: dict[str, dict | None], w_eval: float | None) -> str:
    """What the model cards measured about the four encodings, in plain sentences."""
    known = {n: r for n, r in rows.items() if r is not None}
    if "digits" not in known:
        return (
            "The model cards have no evaluation yet, so this page makes no claim about "
            "which encoding works better."
        )
    base = known["digits"]
    floor = f"{base.get('frechet_floor')}{bracket(base, 'frechet_floor')}"
    brackets = (
        "; brackets: 95% bootstrap intervals over the evaluation samples"
        if base.get("class_accuracy_interval")
        else ""
    )
    text = (
        f"Measured at w = {w_eval:g} (model cards; accuracy / Fréchet distance, real digits "
        f"against real: {floor}{brackets}): "
        + "; ".join(f"{TWINS[n]} {score(r)}" for n, r in known.items())
        + "."
    )
    gaps = {n: paired_gap(n) for n in ("digits-scalar", "digits-raw", "digits-none") if n in known}
    if all(gaps.values()) and gaps:
        text += (
            " Paired with P(k) on the same seeds and labels at w = 1: "
            + "; ".join(gap_sentence(TWINS[n], g) for n, g in gaps.items())
            + "."
        )
    else:  # older cards: single estimates, no paired intervals, so no verdict
        text += (
            " No paired intervals are recorded for these cards, so no twin is called better "
            "or worse than P(k) here: the figures above are single estimates."
        )
    return (
        f"{text} Each model is {seeds_note(base)}: the intervals cover which samples were "
        "drawn, not how a retrained network would do, so a small gap may not survive another "
        "training seed. This comparison does not test why large models use sinusoids "
        "(DDPM took them from the Transformer, Ho et al. 2020, Appendix B); the encoding "
        "explorer shows what their fast features add when a function of k has fine detail."
    )


README_ROWS = (("digits", 1.0), ("digits", 2.0), ("digits", 4.0))
README_ROWS += (("digits-scalar", 1.0), ("digits-raw", 1.0), ("digits-none", 1.0))


def readme_table() -> str:
    """The README's evaluation table, built from the model cards (a test keeps them equal).

    The interval columns appear once the cards hold intervals (``evaluate.py`` writes them).
    """
    labels = {"digits": "digits (sinusoidal)", "digits-scalar": "digits-scalar (k/T)"}
    labels |= {"digits-raw": "digits-raw (k)", "digits-none": "digits-none (no k)"}
    rows = [(name, w, *card_row(name, w)) for name, w in README_ROWS]
    rows = [(name, w, row) for name, w, row, w_eval in rows if row is not None and w_eval == w]
    with_intervals = any(row.get("class_accuracy_interval") for _, _, row in rows)
    if with_intervals:
        lines = [
            "| model | w | class accuracy | 95% interval | Fréchet | 95% interval | × floor |",
            "|---|---|---|---|---|---|---|",
        ]
    else:
        lines = ["| model | w | class accuracy | Fréchet | × floor |", "|---|---|---|---|---|"]
    for name, w, row in rows:
        acc, fd = row.get("class_accuracy_interval"), row.get("frechet_interval")
        cells = [labels[name] if w == 1 or name != "digits" else name, f"{w:g}"]
        cells.append(f"{row['class_accuracy']:.3f}")
        if with_intervals:
            cells.append(f"{acc['low']:.3f}–{acc['high']:.3f}" if acc else "–")
        cells.append(f"{row['frechet']:.2f}")
        if with_intervals:
            cells.append(f"{fd['low']:.2f}–{fd['high']:.2f}" if fd else "–")
        cells.append(f"{row['frechet'] / row['frechet_floor']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def readme_comparisons() -> str:
    """The README's paired comparisons of each twin with ``digits`` at w = 1, from the cards."""
    lines = []
    for name in ("digits-scalar", "digits-raw", "digits-none"):
        gap = paired_gap(name)
        if gap is None:
            continue
        acc, fd = (
            gap["accuracy_minus_sinusoidal_interval"],
            gap["frechet_minus_sinusoidal_interval"],
        )
        lines.append(
            f"- {TWINS[name]} − sinusoidal P(k): accuracy "
            f"{gap['accuracy_minus_sinusoidal'] * 100:+.1f} points "
            f"[{acc['low'] * 100:+.1f}, {acc['high'] * 100:+.1f}], Fréchet "
            f"{gap['frechet_minus_sinusoidal']:+.2f} [{fd['low']:+.2f}, {fd['high']:+.2f}]"
        )
    return "\n".join(lines)
