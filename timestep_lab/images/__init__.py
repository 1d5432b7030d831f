"""Images to noise: a few bundled ones and safe decoding of a learner's upload.

Pure Pillow and NumPy (no Streamlit), so the checks on untrusted bytes can be tested alone.
Every image comes out the same way: RGB, uint8, shape (H, W, 3), longest side ``WORKING_SIZE``.
"""

from timestep_lab.images.bundled import BUNDLED_IMAGES, bundled_image
from timestep_lab.images.pixels import (
    WORKING_SIZE,
    fit_working_size,
    resize_pixels,
    to_signed,
    to_uint8,
)
from timestep_lab.images.uploads import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    UPLOAD_TYPES,
    DecodedImage,
    decode_image,
)

__all__ = [
    "BUNDLED_IMAGES",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "UPLOAD_TYPES",
    "WORKING_SIZE",
    "DecodedImage",
    "bundled_image",
    "decode_image",
    "fit_working_size",
    "resize_pixels",
    "to_signed",
    "to_uint8",
]
