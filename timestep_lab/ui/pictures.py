"""Pictures sent inside the page (a data: URL) and drawn by the page's own markdown.

Inside the page: ``st.image`` given bytes stores them as a media file that the browser fetches
by URL, and Streamlit deletes a run's media files when the session's next run ends, fetched
or not. Quick reruns (the denoiser's old server-drawn scrubber, before its step view moved to
the browser) then showed broken pictures (404s in Chromium, tests/e2e). A data: URL travels
with the page itself; the pictures here are small PNGs (a few kilobytes), drawn at their own
size.

Drawn by markdown, not ``st.image``: the browser draws ``st.image`` with code that Streamlit
loads lazily (its ``ImageList`` chunk), so a picture first shows a placeholder and appears
only when React reveals it, in one batch with every other lazily loaded element of the page
(the code highlighter, Plotly, Graphviz, the data frame). On the denoiser page, measured in
Chromium on the 2-core machine, the finished digits arrived at ~1.7 s and were painted at
6–9 s, in the same frame as the Plotly chart; a markdown picture is painted with the message
that carries it (``benchmarks/browser.py``, ``first_digits``). A picture is a markdown image
(its alternative text is the caption) and, under it, the caption (``st.caption``, centred, as
``st.image`` draws one), in a container as wide as the picture.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

# Every ASCII punctuation character, each of which CommonMark lets a backslash escape (spec
# 0.31, §2.4): escaped in the alternative text, it stays plain text (no link, emphasis, math,
# directive or end of the brackets).
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_DATA_URL = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/]*={0,2}")


def picture_markdown(url: str, caption: str) -> str:
    """The markdown of a picture from a data: URL: ``![caption](url)``, the caption as plain
    text for screen readers.

    Raises ValueError for anything but a base64 data: URL of an image (nothing else may
    reach the browser through it).
    """
    if not _DATA_URL.fullmatch(url):
        shown = url if len(url) <= 40 else f"{url[:40]}…"
        raise ValueError(f"a picture must be a base64 data:image/… URL, got {shown!r}")
    alt = _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(caption.split()))
    return f"![{alt}]({url})"


_PICTURE = re.compile(r"!\[(?:[^\\\]]|\\.)*\]\((" + _DATA_URL.pattern + r")\)")


def picture_url(markdown: str) -> str | None:
    """The data: URL of a markdown picture as ``picture_markdown`` writes it; None for any
    other markdown (tests and ``benchmarks/browser.py`` find pictures with this)."""
    match = _PICTURE.fullmatch(markdown)
    return match.group(1) if match else None


def show_picture(url: str, caption: str, *, width: int, where: Any = None) -> None:
    """A picture from a data: URL (``timestep_lab.images.pixels.png_data_url``), ``width``
    pixels wide, and its caption (markdown, as ``st.image`` reads one) under it, in ``where``
    (default: the page)."""
    box = (st if where is None else where).container(width=width, gap=None)
    box.markdown(picture_markdown(url, caption))
    box.caption(caption, text_alignment="center")
