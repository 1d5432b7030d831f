"""Images that ship with the app's dependencies or are drawn here, so nothing is downloaded.

- ``hopper``: Grace Hopper's portrait from matplotlib's sample data (a photo with faces and
  fine detail);
- ``digit``: a handwritten 8 × 8 digit (a 3) from scikit-learn's digits data (what small diffusion
  models are trained on);
- ``pattern``: a synthetic test card with colour bars, a circle and stripes of several widths
  (fine stripes vanish under noise first).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from timestep_lab.images.pixels import WORKING_SIZE
from timestep_lab.images.uploads import decode_image

BundledName = Literal["hopper", "digit", "pattern"]
BUNDLED_IMAGES: dict[BundledName, str] = {
    "hopper": "Photo: Grace Hopper (matplotlib sample data)",
    "digit": "Handwritten digit (scikit-learn)",
    "pattern": "Test pattern (drawn here)",
}


def _hopper(size: int) -> NDArray[np.uint8]:
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        return decode_image(file.read(), size=size).pixels


def _digit(size: int) -> NDArray[np.uint8]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    # The first "3" in the data set; values 0 … 16, where 16 is full ink.
    image = digits.images[np.flatnonzero(digits.target == 3)[0]]
    grey = Image.fromarray(np.round(255 - image * (255 / 16)).astype(np.uint8))  # ink on paper
    # Bicubic, not nearest: the 8 × 8 scan is a blurred pen stroke, not a mosaic.
    grey = grey.resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(grey.convert("RGB"))


def _pattern(size: int) -> NDArray[np.uint8]:
    y, x = np.mgrid[0:size, 0:size] / size
    bars = np.array(
        [[0, 114, 178], [230, 159, 0], [0, 158, 115], [213, 94, 0], [86, 180, 233], [0, 0, 0]]
    )  # Okabe–Ito colours
    image = bars[np.minimum((x * len(bars)).astype(int), len(bars) - 1)].astype(np.float64)
    lower = y >= 0.5
    # Stripes that get finer to the right: 16, 8, 4 and 2 pixels per period at 128 px.
    period = np.select([x < 0.25, x < 0.5, x < 0.75], [16, 8, 4], 2) * size / 128
    stripes = (np.floor(x * size / (period / 2)) % 2)[..., None] * 255.0
    image = np.where(lower[..., None], stripes, image)
    circle = (x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.3**2
    ring = circle & ((x - 0.5) ** 2 + (y - 0.5) ** 2 > 0.26**2)
    image[ring] = 255.0
    return np.round(image).astype(np.uint8)


def bundled_image(name: BundledName, size: int = WORKING_SIZE) -> NDArray[np.uint8]:
    """The bundled image ``name`` as RGB uint8 of shape (H, W, 3), longest side ``size``.

    name: one of ``hopper``, ``digit``, ``pattern``.
    """
    if name not in BUNDLED_IMAGES:
        raise ValueError(f"image={name!r} is not one of {', '.join(BUNDLED_IMAGES)}")
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or not 8 <= size <= 1024:
        raise ValueError(f"size={size!r} must be a whole number in 8 … 1024")
    make = {"hopper": _hopper, "digit": _digit, "pattern": _pattern}[name]
    return make(int(size))
