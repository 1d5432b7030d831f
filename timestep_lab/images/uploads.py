"""Safe decoding of an uploaded image: untrusted bytes in, an RGB uint8 array or a ValueError out.

Each check says in plain words what was wrong, so the page can show it instead of a traceback:
empty or oversized files, anything that is not a PNG, JPEG, WebP or GIF (whatever its name
says), damaged data, and images whose pixel count would exhaust memory when decoded (a
"decompression bomb": a few kilobytes that claim to be gigapixels). Unusual but valid images
are converted: 16-bit, CMYK, palette, greyscale, transparency, and animations (first frame).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from timestep_lab.images.pixels import WORKING_SIZE, fit_working_size

#: Largest upload accepted, in bytes (the server's own limit is ``server.maxUploadSize``).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Largest image accepted, in pixels (about 6000 × 6000); checked before any pixel is decoded.
MAX_PIXELS = 36_000_000
#: Formats Pillow may try, and the file endings the uploader offers.
PILLOW_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
UPLOAD_TYPES = ("png", "jpg", "jpeg", "webp", "gif")

# What Pillow raises on bytes it cannot decode: damaged headers, truncated data, bad zlib
# streams in PNG chunks, and sizes beyond its own decompression-bomb limit.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    EOFError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def _has_image_signature(data: bytes) -> bool:
    """Whether the first bytes say PNG, JPEG, GIF or WebP (so a failure means damage)."""
    return data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def _decode_message(error: BaseException | None) -> str:
    if isinstance(error, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return "The image claims so many pixels that decoding it could exhaust memory."
    return "The image is damaged or incomplete and could not be read."


class DecodedImage(NamedTuple):
    """An image ready to noise, and notes on what was converted to get it."""

    pixels: NDArray[np.uint8]  # (H, W, 3), longest side the working size
    notes: tuple[str, ...]


def _shrink_early(image: Image.Image, size: int) -> Image.Image:
    """Average a large image down by a whole factor before converting it, to save memory."""
    factor = max(image.size) // (2 * size)
    if factor < 2 or image.mode not in {"L", "LA", "RGB", "RGBA", "I", "F", "CMYK"}:
        return image
    return image.reduce(factor)


def _to_rgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB, noting what changed."""
    mode = image.mode
    if mode in {"I;16", "I;16L", "I;16B", "I;16N", "I"}:
        # 16-bit greyscale: Pillow's own convert would clip at 255, turning the image white.
        values = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.round(np.clip(values, 0, 65535) / 257).astype(np.uint8))
        notes.append("16-bit greyscale image: reduced to 8 bits per channel.")
    elif mode == "F":
        values = np.asarray(image, dtype=np.float64)
        lo, hi = np.nanmin(values), np.nanmax(values)
        scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
        image = Image.fromarray(np.round(np.nan_to_num(scaled) * 255).astype(np.uint8))
        notes.append("Floating-point image: stretched to 0 … 255.")
    elif mode == "CMYK":
        notes.append("CMYK image (print colours): converted to RGB; colours may shift a little.")
    has_alpha = mode in {"RGBA", "LA", "PA", "La", "RGBa"} or (
        mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        # Flatten transparency onto white, as a viewer shows it on a page.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
        notes.append("Transparent parts are shown on white.")
    return image.convert("RGB")


def decode_image(
    data: bytes,
    *,
    size: int = WORKING_SIZE,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> DecodedImage:
    """Decode PNG, JPEG, WebP or GIF bytes to RGB uint8 of shape (H, W, 3), longest side ``size``.

    Raises ValueError with a message for a learner when the bytes are empty, too large,
    not one of those formats, damaged, or describe more than ``max_pixels`` pixels.
    """
    if len(data) == 0:
        raise ValueError("The file is empty (0 bytes). Please choose an image file.")
    if len(data) > max_bytes:
        raise ValueError(
            f"The file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB."
        )
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": the pixels still load
            # Pillow only warns between its limit and twice it; treat both as refusals.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
    except UnidentifiedImageError:
        if _has_image_signature(data):
            raise ValueError(_decode_message(None)) from None
        raise ValueError(
            "This file is not a PNG, JPEG, WebP or GIF image (whatever its name says)."
        ) from None
    except _DECODE_ERRORS as error:
        raise ValueError(_decode_message(error)) from None
    width, height = image.size  # read from the header; no pixel is decoded yet
    if width * height > max_pixels:
        raise ValueError(
            f"The image says it is {width} × {height} pixels, more than the "
            f"{max_pixels / 1e6:.0f} megapixels this app decodes."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                image.seek(0)
                notes.append(f"Animated image with {frames} frames: using the first frame.")
            if image.format == "JPEG":
                image.draft("RGB", (size, size))  # let the JPEG decoder shrink as it reads
            image.load()
            image = _shrink_early(image, size)
            image = ImageOps.exif_transpose(image)  # phones store the rotation in EXIF
            image = _to_rgb(image, notes)
            image = fit_working_size(image, size)
    except _DECODE_ERRORS as error:
        raise ValueError(_decode_message(error)) from None
    if image.size not in {(width, height), (height, width)}:
        notes.append(f"Resized from {width} × {height} to {image.size[0]} × {image.size[1]}.")
    return DecodedImage(np.asarray(image, dtype=np.uint8).copy(), tuple(notes))
