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
    return (
        f"Model card at w = {w_eval:g} ({row['num']:,} DDIM-{row['steps']} samples, every "
        f"digit alike): an independent classifier reads {row['class_accuracy']:.1%} as the "
        f"digit asked for; Fréchet distance to held-out digits {row['frechet']:.2f} (real "
        f"digits against real: {row['frechet_floor']})."
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
    floor = base.get("frechet_floor")
    text = (
        f"Measured at w = {w_eval:g} (model cards; accuracy / Fréchet distance, real digits "
        f"against real: {floor}): "
        + "; ".join(
            f"{TWINS[n]} {r['class_accuracy']:.1%} / {r['frechet']:.2f}" for n, r in known.items()
        )
        + "."
    )
    close = []
    for n in ("digits-scalar", "digits-raw"):
        if n in known:
            gap = base["class_accuracy"] - known[n]["class_accuracy"]
            if abs(gap) <= 0.02 and known[n]["frechet"] <= 1.15 * base["frechet"]:
                close.append(TWINS[n])
            else:
                points = f"{abs(gap) * 100:.1f} points {'less' if gap > 0 else 'more'} accurate"
                text += f" {TWINS[n]} is {points}."
    if close:
        verb = "work" if len(close) > 1 else "works"
        text += (
            f" For this small model, {' and '.join(close)} {verb} about as well as the "
            "sinusoidal code (within 2 points of accuracy and 15% of Fréchet distance)."
        )
    if "digits-none" in known:
        none = known["digits-none"]
        drop = base["class_accuracy"] - none["class_accuracy"]
        text += (
            f" Never telling the network k costs {drop * 100:.1f} points of accuracy"
            if drop > 0.02
            else " Even never telling the network k costs less than 2 points of accuracy"
        )
        if none["frechet"] < base["frechet"]:
            text += f", though its Fréchet distance is lower ({none['frechet']:.2f})"
        text += "."
    lead = (
        f"So at this size the sinusoidal form buys no accuracy over {' or '.join(close)}; "
        "what it buys"
        if close
        else "Besides these numbers, what the sinusoidal form buys"
    )
    return (
        f"{text} {lead} is a bounded, multi-scale code: values in [−1, 1] for any T, the "
        "same vector for the same k whatever T is, and fast and slow columns that tell "
        "neighbours apart while placing k in the whole range, so it keeps working for long "
        "schedules and large networks."
    )
