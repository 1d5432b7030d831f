"""The noise page's views of step k, drawn by the browser (``noise_views.js``).

Python sends x₀ (its uint8 pixels), ε (float32), ᾱ and β (float64) once per page run, as
base64 typed arrays, with the step view of §2; the browser computes x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε
for every frame, with the schedule's marker and the SNR and variance readouts.

The other sections' views of k (``noise_panel``: §1's values at k, §3's x_k and P(k), §4's σ̂
and k̂, §5's v and error gains) are further mounts of the same component. Each carries only
the token of those arrays (and its own few numbers: ω for P(k), §4's k-free sweep) and reads
the arrays the step view brought, so a page sends them once however many sections draw from
them, and a moving k reruns nothing in Python. Every mount's data travels as the bytes of its
JSON text (``json_bytes``), which Streamlit sends without writing it again.
``tests/ui/components`` checks every number and picture they compute against the library's
functions.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from timestep_lab.encodings import NoiseSchedule, frequencies
from timestep_lab.figures.style import KIND_COLOURS
from timestep_lab.figures.targets import TARGET_COLOURS, TARGET_NAMES
from timestep_lab.images.noise_level import NoiseLevelSweep
from timestep_lab.ui.components import define, json_bytes, typed_array
from timestep_lab.ui.page import presenter_mode

_mount = define("noise_views", css="views.css")
Panel = Literal["schedule", "told", "level", "targets"]
PANELS: tuple[Panel, ...] = ("schedule", "told", "level", "targets")
STEP_FIELDS = ("k", "presenter")  # what changes between runs; the rest follows the arrays


def noise_data(
    pixels: ArrayLike, noise: ArrayLike, schedule: NoiseSchedule, k: int, *, mean_square: float
) -> dict:
    """What the browser needs: the image's pixels, ε, the ᾱ and β tables and k (a few hundred kB).

    pixels: uint8, (H, W) or (H, W, 3); noise: ε with the same shape (sent as float32).
    """
    pixels = np.asarray(pixels)
    noise = np.asarray(noise)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError(
            f"pixels must be uint8 (H, W) or (H, W, 3), got {pixels.dtype} {pixels.shape}"
        )
    if noise.shape != pixels.shape:
        raise ValueError(f"noise {noise.shape} and pixels {pixels.shape} must have the same shape")
    schedule.check_timesteps(k)
    epsilon = typed_array(noise, "float32")
    alpha_bar = typed_array(schedule.alpha_bar, "float64")
    betas = typed_array(schedule.betas, "float64")
    image = typed_array(pixels, "uint8")
    # The browser decodes the arrays again only when they change, not when only k does; the
    # panels find them by this token.
    token = hashlib.blake2b(
        (image["b64"] + epsilon["b64"] + alpha_bar["b64"] + betas["b64"]).encode("ascii"),
        digest_size=8,
    ).hexdigest()
    return {
        "k": int(k),
        "height": int(pixels.shape[0]),
        "width": int(pixels.shape[1]),
        "channels": int(pixels.shape[2]) if pixels.ndim == 3 else 1,
        "pixels": image,
        "noise": epsilon,
        "alphaBar": alpha_bar,
        "betas": betas,
        "schedule": schedule.name,
        "meanSquare": float(mean_square),
        "token": token,
        "presenter": presenter_mode(),
    }


def at_step(data: dict, k: int) -> dict:
    """``data`` (``noise_data``) at step k and in this run's presenter mode.

    A shallow copy: arrays built once for every k (a cached ``noise_data``) are shared, not
    changed. Raises ValueError unless k is in [0, T).
    """
    num_timesteps = int(data["alphaBar"]["shape"][0])
    if not 0 <= k < num_timesteps:
        raise ValueError(f"k={k} must be in 0 … {num_timesteps - 1}")
    return {**data, "k": int(k), "presenter": presenter_mode()}


def step_arrays(data: dict) -> bytes:
    """``data`` (``noise_data``) without k and the presenter flag, as sent (``json_bytes``):
    the same for every k, so a caller that keeps ``data`` can keep this too."""
    return json_bytes({name: v for name, v in data.items() if name not in STEP_FIELDS})


def noise_step_view(data: dict, *, key: str, arrays: bytes | None = None) -> None:
    """Mount the step view on ``data`` (``noise_data``): x₀, ε and x_k, the √ᾱ_k / √(1−ᾱ_k) /
    SNR_k readouts, ᾱ against k. It brings the arrays every panel of the page reads.

    arrays: ``step_arrays`` of this ``data`` (of any k), when the caller keeps it: then a run
    encodes only k and the presenter flag.
    """
    arrays = step_arrays(data) if arrays is None else arrays
    _mount(key=key, data=json_bytes({name: data[name] for name in STEP_FIELDS}, before=arrays))


def panel_data(
    panel: Panel,
    step: dict,
    *,
    dim: int = 128,
    base: float = 10_000.0,
    sweep: NoiseLevelSweep | None = None,
) -> dict[str, Any]:
    """What a panel is sent: the step view's token and k, and its own few numbers.

    ``told``: ω_i of P(k) in the transformer layout (``frequencies(dim, base)``), d and n.
    ``level``: the k-free sweep of σ̂ and k̂ (``noise_level_sweep``).
    ``targets``: each target's name and colour.
    """
    if panel not in PANELS:
        raise ValueError(f"panel={panel!r} is not one of {', '.join(PANELS)}")
    data: dict[str, Any] = {
        "panel": panel,
        "token": step["token"],
        "k": step["k"],
        "schedule": step["schedule"],
        "T": int(step["alphaBar"]["shape"][0]),
        "presenter": step["presenter"],
    }
    if panel == "told":
        data |= {
            "freqs": typed_array(frequencies(dim, base=base), "float64"),
            "d": int(dim),
            "nText": f"{base:g}",
            "kindColours": dict(KIND_COLOURS),
        }
    elif panel == "level":
        if sweep is None:
            raise ValueError("the level panel needs the sweep (noise_level_sweep)")
        data["sweep"] = {
            "timesteps": typed_array(sweep.timesteps, "int32"),
            "sigma": typed_array(sweep.sigma, "float64"),
            "sigmaHat": typed_array(sweep.sigma_hat, "float64"),
            "kHat": typed_array(sweep.k_hat, "int32"),
        }
    elif panel == "targets":
        data |= {"names": dict(TARGET_NAMES), "colours": dict(TARGET_COLOURS)}
    return data


def noise_panel(panel: Panel, step: dict, *, key: str, **kwargs: Any) -> None:
    """Mount a panel (``panel_data``) that draws its section's view of k from the arrays the
    step view ``step`` brought; it follows the page's k in the browser."""
    _mount(key=key, data=json_bytes(panel_data(panel, step, **kwargs)))
