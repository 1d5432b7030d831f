"""Safe decoding of an uploaded image: untrusted bytes in, an RGB uint8 array or a ValueError out.

Each check says in plain words what was wrong, so the page can show it instead of a traceback:
empty or oversized files, anything that is not a PNG, JPEG, WebP or GIF (whatever its name
says), damaged data, and images whose pixel count would exhaust memory when decoded (a
"decompression bomb": a few kilobytes that claim to be gigapixels). Unusual but valid images
are converted: 16-bit, CMYK, palette, greyscale, transparency, and animations (first frame).

Memory: a small file can decode huge (a 70 KB PNG of 5999 × 5999 16-bit zeros), so the
header's size and mode give the bytes the decoder will need before any pixel is read, and an
image whose decoding would need more than ``MAX_DECODE_BYTES`` is refused. JPEGs are reduced
while they are decoded (``draft``); every other image is averaged down to the working size
band by band right after decoding, so no full-size converted copy (RGBA, float) ever exists.
At most ``MAX_CONCURRENT_DECODES`` uploads are decoded at once in a process.
"""

from __future__ import annotations

import io
import math
import struct
import threading
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
#: Most bytes one decode may need (the decoded image; WebP decodes into a buffer first).
MAX_DECODE_BYTES = 150 * 2**20
#: Uploads decoded at the same time in one process; the others wait up to ``DECODE_WAIT_S``.
MAX_CONCURRENT_DECODES = 2
DECODE_WAIT_S = 20.0
_decode_slots = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)
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


def decoded_bytes(mode: str, width: int, height: int, fmt: str | None) -> int:
    """Bytes Pillow needs to hold an image of this mode and size once decoded.

    Pillow stores 1-byte modes (``1``, ``L``, ``P``) in one byte a pixel, 16-bit greyscale in
    two, every other mode in four. WebP goes through libwebp's own buffers first: a 5999 × 5999
    WebP peaked at ~4 times its decoded size (tests/images/test_uploads.py measures it).
    """
    per_pixel = 1 if mode in {"1", "L", "P"} else 2 if mode.startswith("I;16") else 4
    copies = 4 if fmt == "WEBP" else 1
    return width * height * per_pixel * copies


# What a band is converted to before it is averaged (``Image.reduce`` takes only these).
_REDUCIBLE = {"L", "LA", "RGB", "RGBA", "I", "F", "CMYK", "RGBX"}


def _reducible(band: Image.Image, transparent: bool) -> Image.Image:
    if band.mode in _REDUCIBLE:
        return band
    if band.mode.startswith("I;16"):
        return band.convert("I")  # 16-bit values kept; ``_to_rgb`` scales them to 8 bits
    if band.mode in {"P", "PA"}:
        return band.convert("RGBA" if transparent else "RGB")  # average colours, not indices
    return band.convert("L" if band.mode == "1" else "RGBA")


def _shrink_early(image: Image.Image, size: int) -> Image.Image:
    """Average a large image down by a whole factor, a band of rows at a time.

    Each band is converted to a mode that can be averaged and reduced on its own, so the
    only full-size image in memory is the decoded one.
    """
    factor = max(image.size) // (2 * size)
    if factor < 2:
        return image
    transparent = "transparency" in image.info or image.mode == "PA"
    width, height = image.size
    rows = factor * 16  # input rows per band: 16 output rows
    bands = [
        _reducible(image.crop((0, top, width, min(top + rows, height))), transparent).reduce(factor)
        for top in range(0, height, rows)
    ]
    out = Image.new(bands[0].mode, (math.ceil(width / factor), math.ceil(height / factor)))
    for number, band in enumerate(bands):
        out.paste(band, (0, number * 16))
    return out


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
    max_decode_bytes: int = MAX_DECODE_BYTES,
) -> DecodedImage:
    """Decode PNG, JPEG, WebP or GIF bytes to RGB uint8 of shape (H, W, 3), longest side ``size``.

    Raises ValueError with a message for a learner when the bytes are empty, too large,
    not one of those formats, damaged, describe more than ``max_pixels`` pixels, or would
    need more than ``max_decode_bytes`` to decode.
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
    if image.format == "JPEG":
        image.draft("RGB", (size, size))  # let the JPEG decoder shrink as it reads
    need = decoded_bytes(image.mode, *image.size, image.format)
    if need > max_decode_bytes:
        raise ValueError(
            f"Decoding this {width} × {height} {image.format} image ({image.mode}) would take "
            f"about {need / 2**20:.0f} MB of memory; the limit is "
            f"{max_decode_bytes / 2**20:.0f} MB. Please upload a smaller image."
        )
    if not _decode_slots.acquire(timeout=DECODE_WAIT_S):
        raise ValueError(
            "The server is busy decoding other uploads right now. Please try again in a moment."
        )
    try:
        return _decode(image, width, height, size, notes)
    finally:
        _decode_slots.release()


def _decode(
    image: Image.Image, width: int, height: int, size: int, notes: list[str]
) -> DecodedImage:
    """Decode the pixels of an opened, checked image, then shrink and convert them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                image.seek(0)
                notes.append(f"Animated image with {frames} frames: using the first frame.")
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
