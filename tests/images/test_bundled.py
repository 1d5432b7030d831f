"""Bundled images: each ships with a dependency or is drawn here, and comes out the same shape."""

import numpy as np
import pytest

from timestep_lab.images import BUNDLED_IMAGES, WORKING_SIZE, bundled_image


@pytest.mark.parametrize("name", sorted(BUNDLED_IMAGES))
def test_bundled_images_are_rgb_at_working_size(name):
    pixels = bundled_image(name)
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert max(pixels.shape[:2]) == WORKING_SIZE
    assert pixels.std() > 20  # a picture, not a flat colour


def test_smaller_size_for_the_filmstrip():
    assert max(bundled_image("pattern", 64).shape[:2]) == 64


def test_digit_is_dark_ink_on_white():
    pixels = bundled_image("digit")
    assert np.median(pixels) > 200 and pixels.min() < 40


@pytest.mark.parametrize("name", ["evil", "../../etc/passwd", "", "HOPPER"])
def test_unknown_name_lists_the_valid_ones(name):
    with pytest.raises(ValueError, match="hopper, digit, pattern"):
        bundled_image(name)


@pytest.mark.parametrize("size", [0, 7, 5000, 2.5, True])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        bundled_image("pattern", size)
