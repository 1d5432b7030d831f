"""Pictures sent inside the page (a data: URL), not as Streamlit media files.

``st.image`` given bytes stores them as a media file that the browser fetches by URL, and
Streamlit deletes a run's media files when the session's next run ends, fetched or not. Quick
reruns (the denoiser's old server-drawn scrubber, before its step view moved to the browser)
then showed broken pictures (404s in Chromium, tests/e2e). A data: URL travels with the page
itself; the pictures here are small PNGs (a few kilobytes), drawn at their own size.
"""

from __future__ import annotations

from typing import Any

import streamlit as st


def show_picture(url: str, caption: str, *, width: int, where: Any = None) -> None:
    """A picture from a data: URL (``timestep_lab.images.pixels.png_data_url``), ``width``
    pixels wide, in ``where`` (default: the page)."""
    (st if where is None else where).image(url, caption=caption, width=width)
