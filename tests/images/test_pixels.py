"""Pixel conventions: 0 … 255 ↔ [−1, 1], and resizing to the working size."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from timestep_lab.images import fit_working_size, resize_pixels, to_signed, to_uint8


def test_ends_of_the_range():
    np.testing.assert_array_equal(to_signed(np.array([0, 255], dtype=np.uint8)), [-1.0, 1.0])
    np.testing.assert_array_equal(to_uint8([-3.0, -1.0, 0.0, 1.0, 7.0]), [0, 0, 128, 255, 255])


@settings(max_examples=50, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(3))))
def test_round_trip_is_exact(pixels):
    x = to_signed(pixels)
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_array_equal(to_uint8(x), pixels)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000))
def test_longest_side_becomes_the_working_size(width, height):
    resized = fit_working_size(Image.new("RGB", (width, height)), 128)
    assert max(resized.size) == 128 and min(resized.size) >= 1


def test_resize_pixels_keeps_aspect():
    assert resize_pixels(np.zeros((100, 200, 3), np.uint8), 64).shape == (32, 64, 3)
