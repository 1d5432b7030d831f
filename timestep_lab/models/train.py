"""Train a shipped denoiser: ``python -m timestep_lab.models.train NAME``.

Notation (see shared NOTATION.md): x_0 a training sample, k ~ U{0, …, T−1}, ε ~ N(0, I),
x_k = √ᾱ_k·x_0 + √(1−ᾱ_k)·ε (Ho et al. eq. 4), loss ‖ε − ε̂(x_k, k, c)‖² (Ho et al. eq. 14,
"simple" loss), with c replaced by ∅ with probability ``label_drop`` (classifier-free guidance,
Ho & Salimans 2022).

Design (measured on this 2-core CPU, see the model cards):

- Schedule: cosine (Nichol & Dhariwal 2021), T = 1000. The linear schedule is below −20 dB SNR
  for the last third of the timesteps (k ≥ 674: 32.6 % of them; cosine: 6.4 %), so a third of the
  training and sampling budget goes to near-pure noise; Nichol & Dhariwal (§3.2) show this
  hurts most at low resolution, and 8×8 is as low as it gets.
- Digits at 8×8 (scikit-learn's native size): 4× fewer pixels than 16×16, so more optimizer
  steps fit the budget, the weights are smaller and sampling is faster.
- Deterministic: a fixed seed drives every batch, timestep, noise draw and label drop, and the
  budget is a number of optimizer steps (the ablation twins get exactly the same: 6,000 steps of
  128 digits; ≈ 46 ms a step on 2 idle cores, so ≈ 5 minutes, but 13–16.5 minutes were measured
  while other jobs shared the 2 cores; wall times are in the cards), with a
  wall-clock guard (``max_minutes``) that stops early and says so in the card
  (``stopped_early``, ``steps_done``).
- EMA weights are what ships (raw weights swung 2D metrics 2–5× between checkpoints), stored
  as fp16 safetensors (half the size; samples move by ≈ 0.01).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from tqdm import tqdm

from timestep_lab.encodings import noise_schedule
from timestep_lab.models.data import DATASETS_2D, digits_split, sample_2d
from timestep_lab.models.pretrained import (
    ARCHITECTURES,
    CLIP_RANGE,
    MODEL_NAMES,
    SCHEDULE,
    build_model,
    check_name,
    freeze,
    sha256_of,
    weights_paths,
)

TOY2D_TRAIN_POINTS, TOY2D_TRAIN_SEED = 20_000, 0  # per dataset; evaluation draws other seeds


@dataclass(frozen=True)
class Recipe:
    """Optimizer budget of one model: steps, batch, learning rate, EMA and label dropout."""

    steps: int
    batch_size: int
    lr: float
    warmup: int = 200
    ema_decay: float = 0.999
    label_drop: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    max_minutes: float = 25.0


DIGITS_RECIPE = Recipe(steps=6000, batch_size=128, lr=1e-3)
RECIPES: dict[str, Recipe] = {
    **{name: DIGITS_RECIPE for name in MODEL_NAMES if name.startswith("digits")},
    "toy2d": Recipe(steps=40000, batch_size=256, lr=1e-3, ema_decay=0.9995, max_minutes=30.0),
}


@dataclass(frozen=True)
class TrainResult:
    """What a run produced: the EMA model (frozen), the per-step losses and the model card."""

    model: torch.nn.Module
    losses: list[float]
    card: dict[str, Any]


def _training_data(kind: str) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    if kind == "unet":
        split = digits_split()
        x0 = torch.from_numpy(np.array(split.train_images))[:, None]  # (N, 1, 8, 8)
        labels = torch.from_numpy(np.array(split.train_labels))
        info = {
            "source": "sklearn.datasets.load_digits, 8×8, pixels 0…16 scaled to [−1, 1]",
            "train_images": len(labels),
            "held_out_images": len(split.held_out_labels),
            "split": "stratified 80/20, random_state 0 (held-out never trained on)",
        }
        return x0, labels, info
    points = [sample_2d(d, TOY2D_TRAIN_POINTS, TOY2D_TRAIN_SEED) for d in DATASETS_2D]
    x0 = torch.from_numpy(np.concatenate(points))
    labels = torch.arange(len(DATASETS_2D)).repeat_interleave(TOY2D_TRAIN_POINTS)
    info = {
        "source": "moons / swiss_roll / rings point clouds (timestep_lab.models.data)",
        "datasets": list(DATASETS_2D),
        "train_points_per_dataset": TOY2D_TRAIN_POINTS,
        "train_seed": TOY2D_TRAIN_SEED,
        "evaluation": "fresh samples from other seeds",
    }
    return x0, labels, info


def train(
    name: str,
    *,
    steps: int | None = None,
    out_dir: Path | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train model ``name`` with its recipe; write weights and card to ``out_dir`` if given.

    name: one of ``MODEL_NAMES``. steps: override the recipe's optimizer steps (≥ 1), e.g. for a
    smoke run. out_dir: folder for ``NAME.safetensors`` and ``NAME.json`` (None: write nothing).
    """
    check_name(name)
    recipe = RECIPES[name]
    if steps is not None:
        if steps < 1:
            raise ValueError(f"steps={steps} must be ≥ 1")
        warmup = min(recipe.warmup, max(1, steps // 5))  # a short run still reaches full lr
        recipe = Recipe(**{**asdict(recipe), "steps": steps, "warmup": warmup})
    torch.set_flush_denormal(True)  # denormals made the first steps ~10× slower on this CPU
    torch.manual_seed(recipe.seed)
    gen = torch.Generator().manual_seed(recipe.seed)
    kind, config = ARCHITECTURES[name]
    model = build_model(kind, config)
    ema = build_model(kind, config)
    ema.load_state_dict(model.state_dict())
    x0_all, labels_all, data_info = _training_data(kind)
    schedule = noise_schedule(
        SCHEDULE["name"], SCHEDULE["num_timesteps"], zero_terminal_snr=SCHEDULE["zero_terminal_snr"]
    )
    # coefficient tables once, float64 → float32 at the edge
    sqrt_alpha_bar = torch.from_numpy(schedule.sqrt_alpha_bar.astype(np.float32))
    sqrt_one_minus_alpha_bar = torch.from_numpy(
        schedule.sqrt_one_minus_alpha_bar.astype(np.float32)
    )
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=0.0)

    def lr_at(step: int) -> float:  # linear warm-up, then cosine decay to 10 %
        if step < recipe.warmup:
            return recipe.lr * (step + 1) / recipe.warmup
        frac = (step - recipe.warmup) / max(1, recipe.steps - recipe.warmup)
        return recipe.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))

    ema_params, params = list(ema.parameters()), list(model.parameters())
    losses: list[float] = []
    start = time.perf_counter()
    stopped_early = False
    bar = tqdm(range(recipe.steps), desc=name, disable=not progress, mininterval=2.0)
    for step in bar:
        idx = torch.randint(0, len(labels_all), (recipe.batch_size,), generator=gen)
        x0, labels = x0_all[idx], labels_all[idx].clone()
        drop = torch.rand(recipe.batch_size, generator=gen) < recipe.label_drop
        labels[drop] = model.null_label  # ∅ for classifier-free guidance
        k = torch.randint(0, schedule.num_timesteps, (recipe.batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        shape = (-1,) + (1,) * (x0.ndim - 1)
        xk = sqrt_alpha_bar[k].view(shape) * x0 + sqrt_one_minus_alpha_bar[k].view(shape) * noise
        loss = torch.nn.functional.mse_loss(model(xk, k, labels), noise)  # Ho et al. eq. 14
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, recipe.grad_clip)
        opt.step()
        decay = min(recipe.ema_decay, (1 + step) / (10 + step))  # EMA warm-up
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, params, 1.0 - decay)
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-200:]):.4f}")
        if time.perf_counter() - start > recipe.max_minutes * 60:
            stopped_early = True
            break
    wall = time.perf_counter() - start
    bar.close()
    ema = freeze(ema)
    card: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "architecture": config,
        "description": ema.describe(),
        "timestep_encoding": {
            "mode": config["time_mode"],
            "convention": config["convention"],
            "enc_dim": config["enc_dim"],
        },
        "prediction": "epsilon",
        "schedule": SCHEDULE,
        "clip_range": CLIP_RANGE[kind],
        "data": data_info,
        "training": {
            **asdict(recipe),
            "steps_done": len(losses),
            "stopped_early": stopped_early,
            "wall_time_s": round(wall, 1),
            "final_loss_mean_last_200": round(float(np.mean(losses[-200:])), 5),
            "ema_weights": True,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "platform": platform.machine(),
        },
        "evaluation": None,
    }
    if out_dir is not None:
        card = write_weights(name, ema, card, Path(out_dir))
    return TrainResult(ema, losses, card)


def write_weights(
    name: str, model: torch.nn.Module, card: dict[str, Any], out_dir: Path
) -> dict[str, Any]:
    """Save fp16 safetensors and the card (with the file's sha256); return the card."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights_path, card_path = weights_paths(name, out_dir)
    state = {
        key: t.detach().to(torch.float16).contiguous() for key, t in model.state_dict().items()
    }
    save_file(state, str(weights_path))
    weights_path.chmod(0o644)  # safetensors writes 0600; the app may run as another user
    card = {
        **card,
        "weights": {
            "file": weights_path.name,
            "dtype": "float16",
            "bytes": weights_path.stat().st_size,
            "sha256": sha256_of(weights_path),
        },
    }
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> int:
    """Command line: train one model and write its weights and card."""
    parser = argparse.ArgumentParser(prog="python -m timestep_lab.models.train")
    parser.add_argument("name", choices=MODEL_NAMES, help="which model to train")
    parser.add_argument("--steps", type=int, default=None, help="override optimizer steps")
    parser.add_argument("--out-dir", type=Path, default=weights_paths("digits")[0].parent)
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps={args.steps} must be ≥ 1")
    result = train(args.name, steps=args.steps, out_dir=args.out_dir)
    t = result.card["training"]
    print(
        f"{args.name}: {t['steps_done']} steps in {t['wall_time_s']} s, "
        f"loss {t['final_loss_mean_last_200']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
