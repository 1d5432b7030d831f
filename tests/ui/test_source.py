""" "Show code": the sources a learner reads are the functions' own, each named."""

import inspect

from tests.conftest import open_page
from timestep_lab.encodings import sinusoidal
from timestep_lab.ui.source import code_text


def test_code_text_is_each_function_under_its_dotted_name():
    text = code_text(sinusoidal.timestep_embedding, sinusoidal.frequencies)
    first = "# timestep_lab.encodings.sinusoidal.timestep_embedding\n"
    second = "# timestep_lab.encodings.sinusoidal.frequencies\n"
    assert text == (
        first
        + inspect.getsource(sinusoidal.timestep_embedding)
        + "\n\n"
        + second
        + inspect.getsource(sinusoidal.frequencies)
    )


def test_the_encoding_page_shows_its_functions_code():
    at = open_page("app_pages/encoding.py")
    assert not at.exception
    shown = "\n".join(c.value for c in at.code)
    assert inspect.getsource(sinusoidal.timestep_embedding) in shown
    assert "# timestep_lab.encodings.sinusoidal.timestep_embedding\n" in shown
