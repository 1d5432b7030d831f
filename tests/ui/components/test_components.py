"""The component infrastructure: files read once, arrays sent as typed base64, the k bridge."""

import json
import re

import numpy as np
import pytest

from tests.conftest import open_page
from timestep_lab.ui.components import (
    HERE,
    PREFIX,
    inline_imports,
    json_bytes,
    module_source,
    read_typed_array,
    shared_exports,
    source,
    typed_array,
)


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


def test_json_bytes_joins_the_kept_members_and_what_changed():
    arrays = {"token": "ab12", "alphaBar": typed_array([0.5, 0.25]), "title": "ε̂ over ±3"}
    kept = json_bytes(arrays)
    sent = json_bytes({"k": 7, "presenter": False}, before=kept)
    assert json.loads(sent) == {**arrays, "k": 7, "presenter": False}
    assert json_bytes({}, before=kept) == kept
    assert json.loads(json_bytes({"k": 1})) == {"k": 1}
    nested = json_bytes({"sweep": {"k": 3}})  # a nested name is not a member of its own
    assert json.loads(json_bytes({"k": 7}, before=nested)) == {"sweep": {"k": 3}, "k": 7}


def test_json_bytes_refuses_a_name_twice():
    kept = json_bytes({"token": "ab12", "k": 0})
    with pytest.raises(ValueError, match="data repeats k of before"):
        json_bytes({"k": 7, "presenter": False}, before=kept)
    with pytest.raises(ValueError, match="data repeats k of before"):  # bytes made elsewhere
        json_bytes({"k": 7}, before=b'{"token":"ab12","k":0}')
    joined = json_bytes({"presenter": False}, before=kept)
    with pytest.raises(ValueError, match="data repeats k, presenter of before"):
        json_bytes({"presenter": True, "k": 7}, before=joined)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf")])
def test_json_bytes_refuses_what_json_parse_cannot_read(number):
    with pytest.raises(ValueError):  # JSON has no NaN or ±∞: the browser would refuse the view
        json_bytes({"meanSquare": number})


def test_every_script_is_a_component_with_a_default_export_or_a_shared_module():
    scripts = sorted(HERE.glob("*.js"))
    assert scripts, "no component scripts found"
    components = [p.name for p in scripts if (HERE / f"{p.stem}.py").exists()]
    served = {name: module_source(name) for name in components}
    for path in scripts:
        if path.name in served:
            text = served[path.name]
            assert "export default function" in text, path.name
        else:  # a shared module: no Python of its own, imported by a component, no default
            assert any(f'from "./{path.name}";' in source(c) for c in components), path.name
            assert shared_exports(path.name, source(path.name)), path.name
            text = source(path.name)
        # nothing from outside the app, no eval, no HTML built from data
        for banned in ("http://", "https://", "eval(", "innerHTML", "new Function"):
            assert banned not in text, (path.name, banned)


def test_the_app_serves_each_component_as_module_source():
    """What define() registers is what the tests load (conftest.module_url)."""
    at = open_page("app_pages/encoding.py", {"T": "300", "d": "32"})
    assert not at.exception
    names = set()
    for element in at.get("bidi_component"):
        name = element.proto.component_name.removeprefix(PREFIX)
        names.add(name)
        assert element.proto.js_content == module_source(f"{name}.js"), name
    assert names == {"encoding_views", "k_sync"}
    # the served encoding views carry views_common.js's code, not its import line
    assert 'from "./views_common.js"' in source("encoding_views.js")
    served = module_source("encoding_views.js")
    assert 'from "./' not in served and "function scrubber(s, how)" in served
    # the files' comments are for their readers: the app sends only the code, every mount
    for name in names:
        text = module_source(f"{name}.js")
        assert source(f"{name}.js").startswith("//") and not text.startswith("//"), name
        assert not re.search(r"^\s*//", text, re.M), name


SHARED = """// The header: about this file.
/** Doubled. */
export function twice(x) {
  return 2 * helper(x);
}

function helper(x) {
  return x; // kept: not a whole-line comment
}

/* a block
   over lines */
export const NAME = "shared";
export class Box {}
"""


def inline(text: str, files: dict[str, str]) -> str:
    return inline_imports("view.js", text, files.get)


def test_inline_imports_binds_only_the_imported_names_in_a_scope_of_their_own():
    text = 'import { twice, NAME as label } from "./shared.js";\nexport default function () {}\n'
    out = inline(text, {"shared.js": SHARED})
    head, _, rest = out.partition("\n")
    assert head == "const { twice, NAME: label } = (() => { // shared.js, inlined (module_source)"
    assert "return { twice, NAME };\n})(); // end of shared.js\n" in out
    assert rest.rstrip().endswith("export default function () {}")
    # the declarations the imported names use (helper too), without their exports' keyword
    # and their whole-line comments; Box, which none of them uses, is left out
    assert "export function" not in out and "export const" not in out
    assert "function twice(x) {" in out and "function helper(x) {" in out
    assert "const NAME = " in out and "Box" not in out
    assert "The header" not in out and "Doubled" not in out and "a block" not in out
    assert "return x; // kept: not a whole-line comment" in out
    # an import may span lines; a file with no import is served as it is
    spread = 'import {\n  twice,\n  Box,\n} from "./shared.js";\n'
    spread_out = inline(spread, {"shared.js": SHARED})
    assert spread_out.startswith("const { twice, Box } = (() => {")
    assert "class Box {}" in spread_out and "const NAME" not in spread_out
    assert inline(SHARED, {}) == SHARED


IMPORT_X = 'import { x } from "./shared.js";'


@pytest.mark.parametrize(
    ("text", "shared", "message"),
    [
        ('import { twice } from "./other.js";', SHARED, "imports other.js, which is not beside"),
        ('import { helper } from "./shared.js";', SHARED, "imports 'helper' from shared.js, which"),
        ('import { twice as } from "./shared.js";', SHARED, "imports 'twice as' from shared.js"),
        ('import twice from "./shared.js";', SHARED, "'import twice from \"./shared.js\";' is not"),
        ('import "./shared.js";', SHARED, "is not 'import { names } from"),
        ('import { twice } from "https://cdn/x.js";', SHARED, "is not 'import { names } from"),
        (
            'import { twice } from "./shared.js";\nimport { Box } from "./shared.js";',
            SHARED,
            "imports shared.js twice",
        ),
        (IMPORT_X, 'import { y } from "./z.js";\nexport const x = 1;', "so it imports nothing"),
        (IMPORT_X, "export let x = 1;", "'export let x = 1;' is not"),
        (IMPORT_X, "export default function x() {}", "is not 'export"),
        (IMPORT_X, "const x = 1;\nexport { x };", "'export { x };' is not"),
        (
            IMPORT_X,
            "  export const x = 1;",
            "'export const x = 1;' is not",
        ),  # not at a line's start
        # what a shared module does when it loads must not depend on what is imported
        (IMPORT_X, "export const x = 1;\nwindow.y = 2;", "'window.y = 2;' at the left margin"),
        (IMPORT_X, "let y = 0;\nexport const x = 1;", "'let y = 0;' at the left margin"),
    ],
)
def test_inline_imports_refuses_what_it_cannot_keep_as_an_es_import(text, shared, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        inline(text, {"shared.js": shared})


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
