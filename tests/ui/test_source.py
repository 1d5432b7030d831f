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


def test_the_encoding_page_sends_its_functions_code_once_the_expander_is_opened():
    at = open_page("app_pages/encoding.py")
    assert not at.exception
    source = inspect.getsource(sinusoidal.timestep_embedding)
    key = "code:timestep_lab.encodings.sinusoidal.timestep_embedding"
    assert not any(source in c.value for c in at.code)  # closed: nothing sent
    at.session_state[key] = True  # what the browser sends when the learner opens it
    at.run()
    assert not at.exception
    shown = "\n".join(c.value for c in at.code)
    assert source in shown
    assert "# timestep_lab.encodings.sinusoidal.timestep_embedding\n" in shown
    at.session_state[key] = False
    at.run()
    assert not any(source in c.value for c in at.code)


def test_every_show_code_on_every_page_has_its_own_expander_and_opens_to_its_code():
    for page in ("encoding", "noise", "denoiser", "train"):
        at = open_page(f"app_pages/{page}.py")
        assert not at.exception, page
        ids = [e.proto.id for e in at.expander if e.label == "Show code"]
        assert ids, page
        assert len(ids) == len(set(ids)), page
        shown_before = len(at.code)
        for widget_id in ids:
            at.session_state[widget_id.split("-", 2)[2]] = True  # the key after the hash
        at.run()
        assert not at.exception, page
        opened = [c.value for c in at.code if c.value.startswith("# timestep_lab.")]
        assert len(opened) == len(ids), page  # one code block per expander, once opened
        assert len(at.code) - shown_before == len(ids), page
