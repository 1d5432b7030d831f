"""Pixel conventions: uint8 RGB for showing, float64 in [−1, 1] for noising.

Diffusion models scale pixels to [−1, 1] (Ho et al. 2020, §3.3) so that x_0 has roughly the
same spread as the noise ε ~ N(0, I) it is mixed with.
"""

from __future__ import annotations

import base64

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image

#: Longest side of every image the app noises: small enough that a rerun stays fast.
WORKING_SIZE = 128


def to_signed(pixels: ArrayLike) -> NDArray[np.float64]:
    """uint8 values 0 … 255 mapped linearly to x_0 in [−1, 1]."""
    return np.asarray(pixels, dtype=np.float64) / 127.5 - 1.0


def to_uint8(x: ArrayLike) -> NDArray[np.uint8]:
    """Values in [−1, 1] back to 0 … 255; anything outside (noise often is) is clipped."""
    x = np.asarray(x, dtype=np.float64)
    return np.round((np.clip(x, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def png_data_url(png: bytes) -> str:
    """PNG bytes as a ``data:image/png;base64,…`` URL: a picture that travels inside a page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def fit_working_size(image: Image.Image, size: int = WORKING_SIZE) -> Image.Image:
    """Resize so the longest side is ``size`` px, keeping the aspect ratio (RGB in, RGB out).

    Large images are averaged down (Lanczos); small ones are enlarged with nearest
    neighbour so their pixels stay sharp squares instead of a blur.
    """
    width, height = image.size
    scale = size / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if new_size == image.size:
        return image
    resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.NEAREST
    return image.resize(new_size, resample, reducing_gap=3.0 if scale < 1 else None)


def resize_pixels(pixels: ArrayLike, size: int) -> NDArray[np.uint8]:
    """An RGB uint8 array (H, W, 3) resized so its longest side is ``size`` px."""
    image = Image.fromarray(np.asarray(pixels, dtype=np.uint8)).convert("RGB")
    return np.asarray(fit_working_size(image, size))
