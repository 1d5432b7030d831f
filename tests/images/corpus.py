"""A corpus of valid, odd and malformed image files, generated in memory for the tests.

Each entry is (file name, bytes, MIME type the browser would send). Hand-written PNG chunks
make the files Pillow will not write itself: 16-bit RGB, and headers that claim huge sizes.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written chunk by chunk (IHDR, IDAT, IEND) from already filtered row bytes."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width: int = 40, height: int = 30) -> np.ndarray:
    """An RGB uint8 gradient, different along each axis."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), np.full_like(x, 128)], -1
    ).astype(np.uint8)


def png_16bit_rgb(width: int = 20, height: int = 10) -> bytes:
    rows = b""
    for y in range(height):
        values = [
            (x * 65535 // (width - 1), y * 65535 // (height - 1), 65535) for x in range(width)
        ]
        rows += b"\x00" + b"".join(struct.pack(">HHH", *v) for v in values)
    return raw_png(width, height, 16, 2, rows)


def streamed_png(
    width: int, height: int, bit_depth: int, colour_type: int, row: bytes, extra=()
) -> bytes:
    """A PNG of ``height`` identical filtered rows, compressed a row at a time (so a file that
    decodes to hundreds of MB is built without holding them); extra: chunks before IDAT."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    chunks = [_png_chunk(kind, data) for kind, data in extra]
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + b"".join(chunks)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


HUGE = 5999  # px a side: just under the 36-megapixel cap


@functools.cache
def huge_images() -> dict[str, tuple[str, bytes, str]]:
    """The issue-13 reproductions: small files that decode huge (each under every file limit).

    16-bit greyscale zeros (~70 KB, 72 MB decoded), palette with transparency, WebP, and
    16-bit RGBA, all 5999 × 5999.
    """
    side = HUGE
    palette = bytes(v for i in range(256) for v in (i, i, i))  # index i is grey i
    webp = encode(Image.new("RGB", (side, side), (30, 120, 200)), "WEBP", quality=10, method=0)
    return {
        "grey16_huge_png": (
            "zeros16.png",
            streamed_png(side, side, 16, 0, b"\x00" * (1 + 2 * side)),
            "image/png",
        ),
        "palette_transparent_huge_png": (
            "palette_huge.png",
            streamed_png(
                side,
                side,
                8,
                3,
                b"\x00" + bytes(i % 256 for i in range(side)),
                extra=[(b"PLTE", palette), (b"tRNS", b"\x00" * 128)],
            ),
            "image/png",
        ),
        "webp_huge": ("huge.webp", webp, "image/webp"),
        "rgba16_huge_png": (
            "rgba16.png",
            streamed_png(side, side, 16, 6, b"\x00" + b"\x40\x00\x80\x00\xc0\x00\xff\xff" * side),
            "image/png",
        ),
    }


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height greyscale pixels (a decompression bomb)."""
    return raw_png(width, height, 8, 0, b"\x00" * 64)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "lime", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_rotated_jpeg() -> bytes:
    """A 40 × 20 JPEG whose EXIF says 'rotate 90°', as phone cameras write."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    return encode(Image.fromarray(gradient(40, 20)), "JPEG", exif=exif)


def valid_images() -> dict[str, tuple[str, bytes, str]]:
    """Files that must decode, each with something unusual about it."""
    rgb = Image.fromarray(gradient())
    rgba = rgb.convert("RGBA")
    alpha = np.array(rgba)
    alpha[:, :20, 3] = 0  # left half fully transparent
    palette_transparent = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    palette_transparent.info["transparency"] = 0
    grey16 = Image.fromarray((np.arange(30 * 40).reshape(30, 40) * 50).astype(np.uint16))
    return {
        "rgb_png": ("photo.png", encode(rgb, "PNG"), "image/png"),
        "jpeg": ("photo.jpg", encode(rgb, "JPEG", quality=90), "image/jpeg"),
        "webp": ("photo.webp", encode(rgb, "WEBP"), "image/webp"),
        "gif": ("still.gif", encode(rgb, "GIF"), "image/gif"),
        "grey16_png": ("depth.png", encode(grey16, "PNG"), "image/png"),
        "rgb16_png": ("deep.png", png_16bit_rgb(), "image/png"),
        "cmyk_jpeg": ("print.jpg", encode(rgb.convert("CMYK"), "JPEG"), "image/jpeg"),
        "palette_png": ("palette.png", encode(rgb.convert("P"), "PNG"), "image/png"),
        "palette_transparent_png": (
            "palette_alpha.png",
            encode(palette_transparent, "PNG"),
            "image/png",
        ),
        "rgba_png": ("alpha.png", encode(Image.fromarray(alpha), "PNG"), "image/png"),
        "la_png": ("grey_alpha.png", encode(rgb.convert("LA"), "PNG"), "image/png"),
        "one_bit_png": ("bits.png", encode(rgb.convert("1"), "PNG"), "image/png"),
        "animated_gif": ("moving.gif", animated_gif(), "image/gif"),
        "exif_rotated_jpeg": ("phone.jpg", exif_rotated_jpeg(), "image/jpeg"),
        "tiny_png": ("dot.png", encode(Image.new("RGB", (1, 1), "orange"), "PNG"), "image/png"),
        "thin_png": ("line.png", encode(Image.new("RGB", (2000, 1), "black"), "PNG"), "image/png"),
        "large_png": (
            "large.png",
            encode(Image.fromarray(gradient(1200, 800)).convert("RGBA"), "PNG"),
            "image/png",
        ),
        "large_jpeg": (
            "large.jpg",
            encode(Image.new("RGB", (3000, 2000), "teal"), "JPEG"),
            "image/jpeg",
        ),
    }


def malformed_files() -> dict[str, tuple[str, bytes, str, str]]:
    """Files that must be refused: (name, bytes, MIME type, part of the expected message)."""
    png = encode(Image.fromarray(gradient(64, 64)), "PNG")
    jpeg = encode(Image.fromarray(gradient(64, 64)), "JPEG")
    gif = animated_gif()
    corrupt_idat = png[:33] + _png_chunk(b"IDAT", b"not zlib data at all") + png[-12:]
    return {
        "empty": ("empty.png", b"", "image/png", "empty"),
        "text_as_png": ("notes.png", b"just some text\n" * 20, "image/png", "not a PNG"),
        "html_as_png": (
            "page.png",
            b"<html><script>alert(1)</script></html>",
            "image/png",
            "not a PNG",
        ),
        "bmp_as_png": (
            "bitmap.png",
            encode(Image.new("RGB", (8, 8)), "BMP"),
            "image/png",
            "not a PNG",
        ),
        "truncated_png": ("cut.png", png[: len(png) // 2], "image/png", "damaged"),
        "header_only_png": ("header.png", png[:33], "image/png", "damaged"),
        "corrupt_idat_png": ("corrupt.png", corrupt_idat, "image/png", "damaged"),
        "truncated_jpeg": ("cut.jpg", jpeg[: len(jpeg) // 2], "image/jpeg", "damaged"),
        "truncated_gif": ("cut.gif", gif[:40], "image/gif", "damaged"),
        "bomb_over_cap": ("big.png", png_claiming(7000, 7000), "image/png", "megapixels"),
        "bomb_pillow_warning": ("bigger.png", png_claiming(10_000, 10_000), "image/png", "pixels"),
        "bomb_pillow_error": ("huge.png", png_claiming(50_000, 50_000), "image/png", "pixels"),
        "too_many_bytes": (
            "heavy.png",
            png + b"\x00" * (10 * 2**20),
            "image/png",
            "limit is 10 MB",
        ),
    }
