"""Pictures travel inside the page: a data: URL that decodes to the same PNG, no media file."""

import base64
import io

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from timestep_lab.figures.denoiser import png_bytes
from timestep_lab.images.pixels import png_data_url


def test_png_data_url_holds_the_exact_picture():
    pixels = np.arange(48, dtype=np.uint8).reshape(6, 8)
    url = png_data_url(png_bytes(pixels))
    assert url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    np.testing.assert_array_equal(np.asarray(decoded), pixels)


def picture_script():
    import numpy as np

    from timestep_lab.figures.denoiser import png_bytes
    from timestep_lab.images.pixels import png_data_url
    from timestep_lab.ui.pictures import show_picture

    show_picture(png_data_url(png_bytes(np.zeros((4, 4), np.uint8))), "four by four", width=4)


def test_show_picture_sends_the_url_not_a_media_file():
    at = AppTest.from_function(picture_script).run()
    assert not at.exception
    (picture,) = at.image[0].proto.imgs
    assert picture.url.startswith("data:image/png;base64,")  # not /media/…
    assert picture.caption == "four by four"
