"""Upload decoding: every odd but valid image converts; every bad file gets a clear ValueError."""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from benchmarks.resilience import decode_peak
from tests.images.corpus import encode, gradient, huge_images, malformed_files, valid_images
from timestep_lab.images import MAX_UPLOAD_BYTES, WORKING_SIZE, DecodedImage, decode_image
from timestep_lab.images.uploads import MAX_DECODE_BYTES, MAX_PIXELS, decoded_bytes

VALID = valid_images()
MALFORMED = malformed_files()


def check_pixels(decoded: DecodedImage) -> np.ndarray:
    pixels = decoded.pixels
    assert pixels.dtype == np.uint8
    assert pixels.ndim == 3 and pixels.shape[2] == 3
    assert max(pixels.shape[:2]) == WORKING_SIZE
    assert min(pixels.shape[:2]) >= 1
    return pixels


@pytest.mark.parametrize("case", sorted(VALID))
def test_valid_images_decode_to_rgb_working_size(case):
    _, data, _ = VALID[case]
    check_pixels(decode_image(data))


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_a_clear_value_error(case):
    _, data, _, message = MALFORMED[case]
    with pytest.raises(ValueError, match=message):
        decode_image(data)


def test_gradient_survives_decoding():
    pixels = check_pixels(decode_image(VALID["rgb_png"][1]))
    assert pixels.shape == (96, 128, 3)  # 40 × 30 enlarged 3.2× to a 128 px longest side
    assert pixels[0, 0, 0] < 20 and pixels[0, -1, 0] > 235  # red grows left to right
    assert pixels[0, 0, 1] < 20 and pixels[-1, 0, 1] > 235  # green grows top to bottom


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    decoded = decode_image(VALID["grey16_png"][1])
    pixels = check_pixels(decoded)
    # Pillow's own convert("RGB") would clip 16-bit values at 255: an almost white image.
    assert pixels.min() < 10 and 100 < pixels.mean() < 160
    assert any("16-bit" in note for note in decoded.notes)


def test_sixteen_bit_rgb_keeps_its_colours():
    pixels = check_pixels(decode_image(VALID["rgb16_png"][1]))
    assert pixels[..., 2].min() == 255  # blue was 65535 everywhere
    assert pixels[0, 0, 0] == 0 and pixels[0, -1, 0] > 250


def test_cmyk_is_converted_with_a_note():
    decoded = decode_image(VALID["cmyk_jpeg"][1])
    check_pixels(decoded)
    assert any("CMYK" in note for note in decoded.notes)


def test_transparency_is_shown_on_white():
    decoded = decode_image(VALID["rgba_png"][1])
    pixels = check_pixels(decoded)
    assert (pixels[:, :10] == 255).all()  # the transparent left half
    assert any("white" in note for note in decoded.notes)
    palette = decode_image(VALID["palette_transparent_png"][1])
    assert any("white" in note for note in palette.notes)


def test_animated_gif_uses_the_first_frame():
    decoded = decode_image(VALID["animated_gif"][1])
    pixels = check_pixels(decoded)
    assert (pixels[..., 0] > 200).all() and (pixels[..., 1:] < 60).all()  # red, not lime/blue
    assert any("3 frames" in note for note in decoded.notes)


def test_exif_rotation_is_applied():
    pixels = check_pixels(decode_image(VALID["exif_rotated_jpeg"][1]))
    assert pixels.shape[0] > pixels.shape[1]  # 40 wide × 20 tall, shown rotated: tall


def test_large_image_is_shrunk_and_says_so():
    decoded = decode_image(VALID["large_jpeg"][1])
    assert check_pixels(decoded).shape == (85, 128, 3)
    assert any("Resized from 3000 × 2000" in note for note in decoded.notes)


def test_large_png_is_averaged_down_without_losing_its_gradient():
    decoded = decode_image(VALID["large_png"][1])
    pixels = check_pixels(decoded)
    assert pixels.shape == (85, 128, 3)
    assert pixels[0, 0, 0] < 10 and pixels[0, -1, 0] > 245
    assert any("Resized from 1200 × 800" in note for note in decoded.notes)


def test_byte_limit_is_a_parameter():
    data = VALID["rgb_png"][1]
    with pytest.raises(ValueError, match="limit"):
        decode_image(data, max_bytes=len(data) - 1)
    assert MAX_UPLOAD_BYTES == 10 * 2**20  # the same as server.maxUploadSize


def test_pixel_cap_is_checked_before_decoding():
    data = encode(Image.new("RGB", (300, 300)), "PNG")
    with pytest.raises(ValueError, match="300 × 300"):
        decode_image(data, max_pixels=300 * 300 - 1)


SEEDS = {
    fmt: encode(Image.fromarray(gradient(24, 16)), fmt) for fmt in ("PNG", "JPEG", "WEBP", "GIF")
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    st.integers(0, 10_000),
)
def test_damaged_files_never_escape_as_other_errors(fmt, flips, cut):
    """Flip bytes and cut the file anywhere: decoding returns an image or a ValueError."""
    data = bytearray(SEEDS[fmt])
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, len(data) - cut % len(data))])
    try:
        decoded = decode_image(data)
    except ValueError as error:
        assert str(error)  # a message for the learner
    else:
        check_pixels(decoded)


def test_decoding_does_not_change_pillow_globals():
    limit_before = Image.MAX_IMAGE_PIXELS
    for _, data, _, _ in MALFORMED.values():
        with pytest.raises(ValueError):
            decode_image(data)
    assert limit_before == Image.MAX_IMAGE_PIXELS
    assert Image.open(io.BytesIO(VALID["rgb_png"][1])).size == (40, 30)


# ── memory: small files that decode huge (issue 13) ─────────────────────────────────────


@pytest.mark.parametrize("case", sorted(huge_images()))
def test_small_files_that_decode_huge_stay_within_the_memory_budget(case):
    _, data, _ = huge_images()[case]
    assert len(data) < MAX_UPLOAD_BYTES  # under the file limit …
    image = Image.open(io.BytesIO(data))
    assert image.size[0] * image.size[1] <= MAX_PIXELS  # … and under the pixel cap
    peak, outcome = decode_peak(data)
    # the budget, plus the few MB the band-by-band shrinking holds beside the decoded image
    assert peak <= MAX_DECODE_BYTES + 16 * 2**20, f"{case}: peak {peak / 2**20:.0f} MB"
    need = decoded_bytes(image.mode, *image.size, image.format)
    if need <= MAX_DECODE_BYTES:
        assert outcome == "decoded"
    else:
        assert outcome.startswith("refused: Decoding this 5999 × 5999 WEBP image")
        assert f"the limit is {MAX_DECODE_BYTES / 2**20:.0f} MB" in outcome


@pytest.mark.parametrize("case", ["grey16_huge_png", "palette_transparent_huge_png"])
def test_huge_images_are_averaged_to_the_working_size_with_their_notes(case):
    decoded = decode_image(huge_images()[case][1])
    pixels = check_pixels(decoded)
    assert "Resized from 5999 × 5999 to 128 × 128." in decoded.notes
    if case == "grey16_huge_png":
        assert not pixels.any()  # zeros stay black
        assert "16-bit greyscale image: reduced to 8 bits per channel." in decoded.notes
    else:  # palette index i has grey i, indices < 128 are transparent (white)
        assert "Transparent parts are shown on white." in decoded.notes
        assert pixels.min() > 100  # no index was averaged as if it were a colour


def test_the_memory_budget_is_checked_before_decoding():
    data = encode(Image.new("RGB", (300, 300)), "PNG")
    with pytest.raises(ValueError, match=r"would take about 0 MB of memory; the limit is 0 MB"):
        decode_image(data, max_decode_bytes=300 * 300 * 4 - 1)


def test_at_most_two_uploads_are_decoded_at_once(monkeypatch):
    import threading
    import time

    from timestep_lab.images import uploads

    now, most = [0], [0]
    lock = threading.Lock()
    real = uploads._decode

    def counted(*args):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.1)
        with lock:
            now[0] -= 1
        return real(*args)

    monkeypatch.setattr(uploads, "_decode", counted)
    data = VALID["rgb_png"][1]
    threads = [threading.Thread(target=decode_image, args=(data,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert most[0] == uploads.MAX_CONCURRENT_DECODES == 2
