"""The noise page's step view, drawn by the browser (``noise_views.js``).

Python sends x₀ (its uint8 pixels), ε (float32) and the ᾱ table (float64) once, as base64
typed arrays; the browser computes x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε for every frame, with the
schedule's marker and the SNR and variance readouts. ``tests/ui/components`` checks its x_k
against ``NoiseSchedule.q_sample``.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import ArrayLike

from timestep_lab.encodings import NoiseSchedule
from timestep_lab.ui.components import define, typed_array
from timestep_lab.ui.page import presenter_mode

_mount = define("noise_views", css="views.css")


def noise_data(
    pixels: ArrayLike, noise: ArrayLike, schedule: NoiseSchedule, k: int, *, mean_square: float
) -> dict:
    """What the browser needs: the image's pixels, ε, the ᾱ table and k (a few hundred kB).

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
    image = typed_array(pixels, "uint8")
    # The browser decodes the arrays again only when they change, not when only k does.
    token = hashlib.blake2b(
        (image["b64"] + epsilon["b64"] + alpha_bar["b64"]).encode("ascii"), digest_size=8
    ).hexdigest()
    return {
        "k": int(k),
        "height": int(pixels.shape[0]),
        "width": int(pixels.shape[1]),
        "channels": int(pixels.shape[2]) if pixels.ndim == 3 else 1,
        "pixels": image,
        "noise": epsilon,
        "alphaBar": alpha_bar,
        "schedule": schedule.name,
        "meanSquare": float(mean_square),
        "token": token,
        "presenter": presenter_mode(),
    }


def noise_step_view(*, key: str, **kwargs) -> None:
    """Mount the step view: x₀, ε and x_k, the √ᾱ_k / √(1−ᾱ_k) / SNR_k readouts, ᾱ against k."""
    _mount(key=key, data=noise_data(**kwargs))
