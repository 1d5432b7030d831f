"""Pictures travel inside the page: a data: URL that decodes to the same PNG, no media file,
drawn by the page's markdown (no lazily loaded element) with the caption under it."""

import base64
import io
import re
import string

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.conftest import pictures
from timestep_lab.figures.denoiser import png_bytes
from timestep_lab.images.pixels import png_data_url
from timestep_lab.ui.pictures import picture_markdown, picture_url

URL = png_data_url(png_bytes(np.zeros((4, 4), np.uint8)))


def test_png_data_url_holds_the_exact_picture():
    pixels = np.arange(48, dtype=np.uint8).reshape(6, 8)
    url = png_data_url(png_bytes(pixels))
    assert url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    np.testing.assert_array_equal(np.asarray(decoded), pixels)


def picture_script():
    import numpy as np
    import streamlit as st

    from timestep_lab.figures.denoiser import png_bytes
    from timestep_lab.images.pixels import png_data_url
    from timestep_lab.ui.pictures import show_picture

    url = png_data_url(png_bytes(np.zeros((4, 4), np.uint8)))
    show_picture(url, "four by four", width=4)
    show_picture(url, "x_k at k = 3", width=4, where=st.columns(2)[1].empty())


def test_show_picture_sends_the_url_in_a_markdown_image_with_its_caption_under_it():
    at = AppTest.from_function(picture_script).run()
    assert not at.exception
    assert pictures(at) == [(URL, "four by four"), (URL, "x_k at k = 3")]  # not /media/…
    assert not at.image  # st.image's element: its code loads lazily in the browser
    box = at.main.children[0]
    assert box.proto.width_config.pixel_width == 4  # as wide as the picture


PUNCTUATION = re.escape(string.punctuation)  # CommonMark's ASCII punctuation (spec 0.31, §2.1)


def unescape(text: str) -> str:
    """CommonMark's backslash escapes undone (spec 0.31, §2.4: any ASCII punctuation)."""
    return re.sub(rf"\\([{PUNCTUATION}])", r"\1", text)


@pytest.mark.parametrize(
    "caption",
    [
        "x̂₀ halfway, at k = 499: the estimate of x₀ there",
        "Lie: told k +300",
        "w = 2: 95.0% [94.1–96.2%] / 3.00",
        r"[a link](https://example.com) *emphasis* `code` $x$ :smile: <b>&amp; \ !",
    ],
)
def test_the_alternative_text_is_the_caption_as_plain_text(caption):
    markdown = picture_markdown(URL, caption)
    assert markdown.startswith("![") and markdown.endswith(f"]({URL})")
    assert picture_url(markdown) == URL  # what tests and the benchmark read back
    alt = markdown[2 : -len(f"]({URL})")]
    assert unescape(alt) == caption
    # Each ASCII punctuation character is escaped: nothing in it can end the brackets or
    # start a link, emphasis, code, math, a directive or HTML.
    assert re.fullmatch(rf"(?:[^{PUNCTUATION}]|\\[{PUNCTUATION}])*", alt)


@pytest.mark.parametrize(
    "markdown",
    ["plain text", "![a](/media/abc.png)", f"![a]({URL}) and more", f"![a]]({URL})", f"[a]({URL})"],
)
def test_other_markdown_is_no_picture(markdown):
    assert picture_url(markdown) is None


def test_whitespace_in_a_caption_becomes_single_spaces_in_the_alternative_text():
    assert picture_markdown(URL, "two\n\nlines") == f"![two lines]({URL})"


@pytest.mark.parametrize(
    "url",
    [
        "/media/abc.png",
        "javascript:alert(1)",
        "data:text/html;base64,PHA+",
        f"{URL}) [link](https://example.com",
        f"{URL}\n",
    ],
)
def test_anything_but_a_base64_image_data_url_is_refused(url):
    with pytest.raises(ValueError, match="base64 data:image/"):
        picture_markdown(url, "caption")
