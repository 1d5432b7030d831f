"""Reverse diffusion with a trained denoiser: DDPM ancestral sampling and DDIM, step by step.

Notation (see shared NOTATION.md; diffusers' index convention, k = 0 is the first noising step):

| code name      | symbol       | meaning                                                    |
|----------------|--------------|------------------------------------------------------------|
| `k`, `k_prev`  | k, k′        | this step's timestep and the next one visited (−1: done)   |
| `alpha_bar`    | ᾱ_k          | signal variance left at k (ᾱ_{−1} = 1)                     |
| `xk`, `x_prev` | x_k, x_k′    | the sample entering the step and leaving it                |
| `eps_pred`     | ε̂            | the (guided) noise prediction                              |
| `x0_pred`      | x̂_0          | (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k, clipped to the data range         |
| `eta`          | η            | DDIM noise (0 = deterministic)                             |
| `guidance`     | w            | ε̂ = ε̂(x_k, ∅) + w·(ε̂(x_k, c) − ε̂(x_k, ∅))                 |

API (stable; the generation page depends on it):

- ``sample_trajectory(model, schedule, *, sampler, steps, spacing, eta, guidance, labels, num,
  seed, lie, clip_range)`` yields one frozen ``Step`` per sampler step: ``index``, ``k`` (the true
  timestep), ``k_told`` (what the network was told), ``xk``, ``x0_pred``, ``eps_pred``,
  ``x_prev`` (float32 NumPy, images as (N, H, W), points as (N, 2), in the model's data space:
  [−1, 1] for digits) and ``encoding``, the row P the time MLP actually received (d,).
  The last step's ``x_prev`` is the sample; ``sample(...)`` returns just that.
- Seeded with a ``torch.Generator``: the same settings give the same run. Runs under
  ``torch.inference_mode()`` and never changes the model, so one cached model can serve
  several sessions.
- Guidance w: w = 1 runs only the conditional pass, w = 0 (or ``labels=None``) only the
  unconditional one; otherwise both, batched.
- ``TimestepLie`` changes what the network is told, not where the sampler is: ``offset`` (tell
  k + Δ, clipped to [0, T−1]), ``fixed`` (always tell k = value), ``zero`` (P = 0) and
  ``shuffle`` (P's columns in a fixed random order drawn from ``seed``).
- ``ddpm_step`` / ``ddim_step`` equal diffusers' ``DDPMScheduler.step`` (``fixed_small``
  variance, ``clip_sample``) and ``DDIMScheduler.step`` (``set_alpha_to_one``, ``clip_sample``)
  for the same inputs and noise. DDIM recomputes ε̂ from the clipped x̂_0 (diffusers'
  ``use_clipped_model_output=True``): with diffusers' default (False) the clipped x̂_0 and the
  unclipped ε̂ disagree, and guided digits fell apart (class accuracy 0.73 at w = 2, 0.28 at
  w = 4, against 1.0 with the option; measured on ``digits``, DDIM-50, 200 samples).
  The next timestep k′ is the next one in the visited list (for
  ``leading`` and ``trailing`` with S dividing T this is k − T/S, diffusers' DDIM rule).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from numpy.typing import NDArray

from timestep_lab.encodings import NoiseSchedule, sampling_timesteps
from timestep_lab.encodings.spacing import Spacing
from timestep_lab.models.pretrained import CLIP_RANGE, Denoiser

Sampler = Literal["ddpm", "ddim"]
SAMPLERS: tuple[Sampler, ...] = ("ddpm", "ddim")
LieMode = Literal["offset", "fixed", "zero", "shuffle"]
LIE_MODES: tuple[LieMode, ...] = ("offset", "fixed", "zero", "shuffle")
MAX_NUM, MAX_GUIDANCE = 4096, 50.0


@dataclass(frozen=True)
class TimestepLie:
    """What to tell the network instead of the true timestep k.

    mode: ``offset`` (k + value), ``fixed`` (value), ``zero`` (P = 0) or ``shuffle``
    (P's columns permuted). value: Δ for ``offset``, the told k for ``fixed``; else unused.
    """

    mode: LieMode
    value: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in LIE_MODES:
            raise ValueError(f"mode={self.mode!r} is not one of {', '.join(LIE_MODES)}")
        if not math.isfinite(self.value):
            raise ValueError(f"value={self.value!r} must be a finite number")


@dataclass(frozen=True)
class Step:
    """One sampler step: the state x_k, what the network said about it, and the result."""

    index: int
    k: int
    k_told: float
    xk: NDArray[np.float32]
    x0_pred: NDArray[np.float32]
    eps_pred: NDArray[np.float32]
    x_prev: NDArray[np.float32]
    encoding: NDArray[np.float32]


def ddpm_step(
    eps_pred: torch.Tensor,
    xk: torch.Tensor,
    alpha_bar_k: float,
    alpha_bar_prev: float,
    *,
    noise: torch.Tensor | None,
    clip_range: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One ancestral step x_k → x_k′ ~ q(x_k′ | x_k, x̂_0) (Ho et al. eqs. 6–7); (x_prev, x0_pred).

    alpha_bar_k, alpha_bar_prev: ᾱ_k and ᾱ_k′ (1.0 after the last step). noise: ε′ for the
    posterior noise (None: none is added, as at k = 0). clip_range: x̂_0 is clipped to ±this.
    """
    beta_bar_k, beta_bar_prev = 1.0 - alpha_bar_k, 1.0 - alpha_bar_prev
    alpha_k = alpha_bar_k / alpha_bar_prev  # α over the whole jump k → k′
    beta_k = 1.0 - alpha_k
    x0_pred = (xk - math.sqrt(beta_bar_k) * eps_pred) / math.sqrt(alpha_bar_k)  # eq. 15
    x0_pred = x0_pred.clamp(-clip_range, clip_range)
    x0_coeff = math.sqrt(alpha_bar_prev) * beta_k / beta_bar_k  # eq. 7, μ̃ coefficient of x_0
    xk_coeff = math.sqrt(alpha_k) * beta_bar_prev / beta_bar_k  # eq. 7, μ̃ coefficient of x_k
    x_prev = x0_coeff * x0_pred + xk_coeff * xk
    if noise is not None:
        variance = max(beta_bar_prev / beta_bar_k * beta_k, 1e-20)  # β̃ of eq. 7
        x_prev = x_prev + math.sqrt(variance) * noise
    return x_prev, x0_pred


def ddim_step(
    eps_pred: torch.Tensor,
    xk: torch.Tensor,
    alpha_bar_k: float,
    alpha_bar_prev: float,
    *,
    eta: float = 0.0,
    noise: torch.Tensor | None = None,
    clip_range: float = 1.0,
    use_clipped_model_output: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One DDIM step x_k → x_k′ (Song et al. 2021, eq. 12); returns (x_prev, x0_pred).

    alpha_bar_k, alpha_bar_prev: ᾱ_k and ᾱ_k′ (1.0 after the last step). eta: η in [0, 1].
    noise: ε′ (needed when η > 0). clip_range: x̂_0 is clipped to ±this.
    use_clipped_model_output: recompute ε̂ from the clipped x̂_0 (diffusers' option of that
    name; its default is False, which broke guided digits here: accuracy 0.73 at w = 2).
    """
    beta_bar_k = 1.0 - alpha_bar_k
    x0_pred = (xk - math.sqrt(beta_bar_k) * eps_pred) / math.sqrt(alpha_bar_k)  # eq. 12, "x̂_0"
    x0_pred = x0_pred.clamp(-clip_range, clip_range)
    if use_clipped_model_output:  # keep ε̂ consistent with the clipped x̂_0 (same x_k)
        eps_pred = (xk - math.sqrt(alpha_bar_k) * x0_pred) / math.sqrt(beta_bar_k)
    variance = (1.0 - alpha_bar_prev) / beta_bar_k * (1.0 - alpha_bar_k / alpha_bar_prev)
    sigma = eta * math.sqrt(variance)  # σ_k of eq. 16
    direction = math.sqrt(1.0 - alpha_bar_prev - sigma**2) * eps_pred  # "direction to x_k"
    x_prev = math.sqrt(alpha_bar_prev) * x0_pred + direction
    if eta > 0:
        if noise is None:
            raise ValueError("ddim_step with eta > 0 needs noise")
        x_prev = x_prev + sigma * noise
    return x_prev, x0_pred


def _labels_tensor(
    labels: int | Sequence[int] | None, num: int, num_classes: int
) -> torch.Tensor | None:
    if labels is None:
        return None
    arr = np.full(num, labels) if np.ndim(labels) == 0 else np.asarray(labels)
    if arr.shape != (num,) or arr.dtype.kind not in "iu":
        raise ValueError(f"labels must be one int or {num} ints in [0, {num_classes})")
    if np.any((arr < 0) | (arr >= num_classes)):
        raise ValueError(f"labels must lie in [0, {num_classes}), got {sorted(set(arr.tolist()))}")
    return torch.from_numpy(arr.astype(np.int64))


def _check(sampler: str, steps: int, eta: float, guidance: float, num: int, T: int) -> None:
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler={sampler!r} is not one of {', '.join(SAMPLERS)}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= T:
        raise ValueError(f"steps={steps!r} must be a whole number in 1 … {T}")
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta={eta!r} must lie in [0, 1]")
    if not 0.0 <= guidance <= MAX_GUIDANCE:
        raise ValueError(f"guidance={guidance!r} must lie in [0, {MAX_GUIDANCE:g}]")
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or not 1 <= num <= MAX_NUM:
        raise ValueError(f"num={num!r} must be a whole number in 1 … {MAX_NUM}")


def _numpy(x: torch.Tensor, image: bool) -> NDArray[np.float32]:
    return (x[:, 0] if image else x).numpy().astype(np.float32, copy=True)


def sample_trajectory(
    model: Denoiser,
    schedule: NoiseSchedule,
    *,
    sampler: Sampler = "ddim",
    steps: int = 50,
    spacing: Spacing = "trailing",
    eta: float = 0.0,
    guidance: float = 1.0,
    labels: int | Sequence[int] | None = None,
    num: int = 16,
    seed: int = 0,
    lie: TimestepLie | None = None,
    clip_range: float | None = None,
    use_clipped_model_output: bool = True,
) -> Iterator[Step]:
    """Run the reverse process from x ~ N(0, I) and yield every step (see module docstring).

    sampler: ``ddpm`` or ``ddim``. steps: S in [1, T]. spacing: ``leading``, ``trailing``,
    ``linspace``. eta: η in [0, 1] (DDIM only). guidance: w in [0, 50]. labels: None
    (unconditional), one class or ``num`` classes in [0, C). num: samples in [1, 4096].
    seed: torch.Generator seed. lie: what to tell the network instead of k.
    clip_range: x̂_0 bound (default: the model's data range).
    use_clipped_model_output: DDIM recomputes ε̂ from the clipped x̂_0 (see ``ddim_step``).
    """
    T = schedule.num_timesteps
    _check(sampler, steps, eta, guidance, num, T)
    if model.config["num_timesteps"] != T:
        raise ValueError(f"the model was trained with T = {model.config['num_timesteps']}, not {T}")
    cond = _labels_tensor(labels, num, model.config["num_classes"])
    image = "image_size" in model.config
    kind = "unet" if image else "mlp2d"
    clip = CLIP_RANGE[kind] if clip_range is None else float(clip_range)
    size = model.config.get("image_size", 0)
    shape = (num, 1, size, size) if image else (num, 2)
    null = torch.full((num,), model.null_label, dtype=torch.int64)
    if cond is None or guidance == 0.0:
        passes = [null]  # unconditional only
    elif guidance == 1.0:
        passes = [cond]  # the plain conditional model: skip the unconditional pass
    else:
        passes = [null, cond]
    batch_labels = torch.cat(passes)
    timesteps = sampling_timesteps(T, steps, spacing)
    alpha_bar = schedule.alpha_bar  # float64, read once
    enc_dim = model.config["enc_dim"]
    perm = np.random.default_rng(seed).permutation(enc_dim)
    gen = torch.Generator().manual_seed(seed)

    def told(k: int) -> tuple[float, torch.Tensor]:  # what the network hears at step k
        k_told = float(k)
        if lie is not None and lie.mode == "offset":
            k_told = float(np.clip(k + lie.value, 0, T - 1))
        elif lie is not None and lie.mode == "fixed":
            k_told = lie.value
        encoding = model.time_embed.encode(torch.tensor([k_told], dtype=torch.float64))
        if lie is not None and lie.mode == "zero":
            encoding = torch.zeros_like(encoding)
        elif lie is not None and lie.mode == "shuffle":
            encoding = encoding[:, perm]
        return k_told, encoding

    def step(index: int, k: int, x: torch.Tensor) -> tuple[Step, torch.Tensor]:
        k_prev = int(timesteps[index + 1]) if index + 1 < len(timesteps) else -1
        k_told, encoding = told(k)
        n_batch = len(batch_labels)
        eps = model(
            x.repeat((len(passes),) + (1,) * (x.ndim - 1)),
            torch.full((n_batch,), k_told),
            batch_labels,
            encoding=encoding.expand(n_batch, -1),
        )
        if len(passes) == 2:
            eps_uncond, eps_cond = eps.chunk(2)
            eps = eps_uncond + guidance * (eps_cond - eps_uncond)  # classifier-free guidance
        ab_k = float(alpha_bar[k])
        ab_prev = float(alpha_bar[k_prev]) if k_prev >= 0 else 1.0  # ᾱ_{−1} = 1
        if sampler == "ddpm":
            noise = torch.randn(shape, generator=gen) if k > 0 else None
            x_prev, x0_pred = ddpm_step(eps, x, ab_k, ab_prev, noise=noise, clip_range=clip)
        else:
            noise = torch.randn(shape, generator=gen) if eta > 0 else None
            x_prev, x0_pred = ddim_step(
                eps,
                x,
                ab_k,
                ab_prev,
                eta=eta,
                noise=noise,
                clip_range=clip,
                use_clipped_model_output=use_clipped_model_output,
            )
        record = Step(
            index=index,
            k=k,
            k_told=k_told,
            xk=_numpy(x, image),
            x0_pred=_numpy(x0_pred, image),
            eps_pred=_numpy(eps, image),
            x_prev=_numpy(x_prev, image),
            encoding=encoding[0].numpy().astype(np.float32, copy=True),
        )
        return record, x_prev

    def run() -> Iterator[Step]:
        # inference mode only around each step, never across a yield (the caller's code runs there)
        with torch.inference_mode():
            x = torch.randn(shape, generator=gen)
        for index, k in enumerate(timesteps.tolist()):
            with torch.inference_mode():
                record, x = step(index, k, x)
            yield record

    return run()  # arguments are checked above, before the first step is asked for


def sample(model: Denoiser, schedule: NoiseSchedule, **options: object) -> NDArray[np.float32]:
    """The final samples x_0 of ``sample_trajectory`` (same options), without the steps."""
    (last,) = deque(sample_trajectory(model, schedule, **options), maxlen=1)  # type: ignore[arg-type]
    return last.x_prev
