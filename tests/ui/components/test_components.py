"""The component infrastructure: files read once, arrays sent as typed base64, the k bridge."""

import json

import numpy as np
import pytest

from tests.conftest import open_page
from timestep_lab.ui.components import HERE, read_typed_array, source, typed_array


@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8", "int32"])
def test_typed_array_round_trips_exactly(dtype):
    values = np.random.default_rng(0).normal(size=(3, 5)) * 50
    if dtype in ("uint8", "int32"):
        values = np.abs(values).astype(int)
    payload = typed_array(values, dtype)
    assert payload["shape"] == [3, 5] and payload["dtype"] == dtype
    np.testing.assert_array_equal(read_typed_array(payload), values.astype(dtype))


def test_typed_array_refuses_an_unknown_dtype():
    with pytest.raises(ValueError, match="dtype='float16' is not one of"):
        typed_array([1.0], "float16")


def test_every_component_script_is_a_module_with_a_default_export():
    scripts = sorted(HERE.glob("*.js"))
    assert scripts, "no component scripts found"
    for path in scripts:
        text = source(path.name)
        assert "export default function" in text, path.name
        assert (HERE / f"{path.stem}.py").exists(), f"{path.name} has no Python beside it"
        # nothing from outside the app, no eval, no HTML built from data
        for banned in ("http://", "https://", "eval(", "innerHTML", "new Function"):
            assert banned not in text, (path.name, banned)


def k_bridges(at) -> list[dict]:
    """The data of the page's k bridges (one, beside the k control)."""
    return [
        json.loads(c.proto.json)
        for c in at.get("bidi_component")
        if c.proto.component_name.endswith("k_sync")
    ]


def test_the_k_bridge_receives_the_link_value():
    at = open_page("app_pages/encoding.py", {"k": "77", "T": "300"})
    assert not at.exception
    assert k_bridges(at) == [{"k": 77}]
    at.slider(key="k").set_value(12).run()
    assert k_bridges(at) == [{"k": 12}]


def _rerun_script():
    import streamlit as st

    from timestep_lab.ui.components import rerun_fragments

    st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1

    @st.fragment(key="counted")
    def counted():
        st.session_state["counted_runs"] = st.session_state.get("counted_runs", 0) + 1

    @st.fragment(key="asker")
    def asker():
        st.button("ask", key="ask", on_click=lambda: rerun_fragments([st.query_params["target"]]))

    counted()
    asker()


def _click_as_the_fragments_request(at, button_key: str):
    """Click ``button_key`` as a browser does from inside the "asker" fragment (AppTest itself
    sends no fragment ids)."""
    import functools

    from streamlit.runtime.scriptrunner import RerunData
    from streamlit.testing.v1 import local_script_runner

    at.button(key=button_key).click()
    states = at._tree.get_widget_states()
    ids = at._fragment_storage.resolve_target("asker")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            local_script_runner, "RerunData", functools.partial(RerunData, fragment_id_queue=ids)
        )
        return at._run(states)


@pytest.mark.parametrize(
    ("target", "page_runs", "counted_runs"),
    [("counted", 1, 2), ("missing", 2, 2)],
)
def test_rerun_fragments_reruns_the_named_ones_or_the_page_for_an_unknown_key(
    target, page_runs, counted_runs
):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_rerun_script)
    at.query_params["target"] = target
    at.run()
    assert at.session_state["page_runs"] == 1 and at.session_state["counted_runs"] == 1
    _click_as_the_fragments_request(at, "ask")
    assert not at.exception
    assert at.session_state["page_runs"] == page_runs
    assert at.session_state["counted_runs"] == counted_runs
