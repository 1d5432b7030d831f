"""Sample a shipped denoiser from the command line and save the result as ``.npz``.

``python -m timestep_lab.models.sample --model digits --label 3 --num 64 --sampler ddim
--steps 50 --guidance 2 --seed 0 --out samples.npz`` writes ``images`` (N, H, W), float in
[0, 1], and ``labels`` (N,) (−1 for unconditional samples). ``--model toy2d --dataset moons``
writes ``points`` (N, 2) and ``dataset``. ``--model`` takes every name in ``MODEL_NAMES``.
Without ``--label`` digits cycle through 0 … 9; ``--label none`` samples unconditionally.

A bad argument prints one line (``error: …``) on stderr and exits with code 2; weights that
are missing or corrupt print one line and exit with code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

import numpy as np

from timestep_lab.encodings import SPACINGS
from timestep_lab.models.data import DATASETS_2D, digits_to_unit
from timestep_lab.models.pretrained import (
    DIGITS_NAMES,
    MODEL_NAMES,
    SCHEDULE,
    WeightsError,
    load_pretrained,
    model_schedule,
)
from timestep_lab.models.sampling import MAX_GUIDANCE, MAX_NUM, SAMPLERS, sample


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    p = _OneLineParser(prog="python -m timestep_lab.models.sample")
    p.add_argument("--model", required=True, choices=MODEL_NAMES)
    p.add_argument("--label", default=None, help="digit 0–9, or 'none' (default: 0 … 9 in turn)")
    p.add_argument("--dataset", default=None, choices=DATASETS_2D, help="toy2d shape")
    p.add_argument("--num", type=int, default=16, help=f"samples, 1 … {MAX_NUM}")
    p.add_argument("--sampler", choices=SAMPLERS, default="ddim")
    p.add_argument("--steps", type=int, default=50, help="sampler steps S, 1 … T")
    p.add_argument("--spacing", choices=SPACINGS, default="trailing")
    p.add_argument("--eta", type=float, default=0.0, help="DDIM η in [0, 1]")
    p.add_argument("--guidance", type=float, default=1.0, help="w in [0, 50]; 1 = no guidance")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help="output .npz file")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse, sample and save; see the module docstring for exit codes."""
    parser = build_parser()
    args = parser.parse_args(argv)
    is_digits = args.model in DIGITS_NAMES
    if not 1 <= args.num <= MAX_NUM:
        parser.error(f"--num={args.num} must lie in 1 … {MAX_NUM}")
    if not 0.0 <= args.eta <= 1.0:
        parser.error(f"--eta={args.eta} must lie in [0, 1]")
    if not 0.0 <= args.guidance <= MAX_GUIDANCE:
        parser.error(f"--guidance={args.guidance} must lie in [0, {MAX_GUIDANCE:g}]")
    if args.seed < 0:
        parser.error(f"--seed={args.seed} must be ≥ 0")
    if args.out.suffix != ".npz":
        parser.error(f"--out={args.out} must end in .npz")
    if is_digits and args.dataset is not None:
        parser.error(f"--dataset is only for toy2d, not {args.model}")
    if not is_digits and args.label is not None:
        parser.error("--label is only for the digits models; toy2d takes --dataset")
    labels: np.ndarray | None
    if is_digits:
        if args.label is None:
            labels = np.arange(args.num) % 10
        elif args.label.lower() == "none":
            labels = None
        elif args.label.isdigit() and 0 <= int(args.label) <= 9:
            labels = np.full(args.num, int(args.label))
        else:
            parser.error(f"--label={args.label!r} must be a digit 0 … 9 or 'none'")
    else:
        labels = np.full(args.num, DATASETS_2D.index(args.dataset or "moons"))
    if not 1 <= args.steps <= SCHEDULE["num_timesteps"]:
        parser.error(f"--steps={args.steps} must lie in 1 … {SCHEDULE['num_timesteps']}")
    try:
        model, card = load_pretrained(args.model)
    except WeightsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    schedule = model_schedule(card)
    x0 = sample(
        model,
        schedule,
        sampler=args.sampler,
        steps=args.steps,
        spacing=args.spacing,
        eta=args.eta,
        guidance=args.guidance,
        labels=labels,
        num=args.num,
        seed=args.seed,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if is_digits:
        saved_labels = np.full(args.num, -1) if labels is None else labels
        np.savez(args.out, images=digits_to_unit(x0), labels=saved_labels.astype(np.int64))
    else:
        np.savez(args.out, points=x0, dataset=np.array(args.dataset or "moons"))
    print(f"wrote {args.out} ({args.num} samples of {args.model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
