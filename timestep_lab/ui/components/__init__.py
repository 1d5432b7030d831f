"""Browser components: views drawn by the browser from data sent once (Streamlit components v2).

Why: a view whose only changing input is the timestep k should answer a drag within a frame.
Python sends the arrays the view needs once (d, n, T and the layout; x₀, ε and the ᾱ table;
a run's kept frames) and the browser derives every frame itself, so moving k sends nothing to
the server until the drag ends. Nothing is loaded from outside the app: no CDN, no font, no
iframe, no build step.

How to add a component (one concept per file, the JavaScript beside the Python that mounts it):

1. Write ``timestep_lab/ui/components/NAME.js``: an ES module whose default export is
   ``function ({data, parentElement, setStateValue, setTriggerValue})``. Streamlit calls it
   again, with the same ``parentElement``, whenever ``data`` changes: keep the instance's
   state on the element (a ``WeakMap``), redraw from the new data and return a cleanup that
   stops timers and listeners. Open it with the notation glossary of the Python it mirrors
   and use the same names (``timestepEmbedding``, ``alphaBar``, ``k``, ``d``, ``n``). Build
   the DOM with ``createElement``/``textContent`` (never ``innerHTML`` with data); export
   pure functions by name so tests can run them (``tests/ui/components/``).
   A view with a toolbar takes it from ``views_common.js`` (the view's element and toolbar,
   keys, drag and touch, play, one draw per frame, ``decode``, k's event, numbers printed as
   Python prints them): ``import { toolbarView, scrubber } from "./views_common.js";``.
   Streamlit runs a component's JavaScript from its text, where a relative import cannot
   resolve, so the app serves ``module_source(NAME.js)``: the file without its whole-line
   comments and with each such import replaced by the shared file's code, in a scope of its
   own that binds only the imported names, as an ES import does (``inline_imports``; no
   build step, nothing fetched, nothing to add to a CSP). Each component gets its own copy,
   of the declarations it uses. A shared file has no Python beside it, imports nothing, only
   declares at its left margin (``const``, ``function``, ``class``) and exports only
   ``export const|function|class NAME``.
2. Optionally ``NAME.css`` beside it (scoped: the component lives in a shadow root), or
   ``define(NAME, css="views.css")`` for the timestep views' shared look.
3. In ``NAME.py``: ``mount = define("NAME")`` once at import, then a function that builds the
   data (float arrays through ``typed_array``) and calls
   ``mount(key=..., data=..., on_<state>_change=...)``.

A view that moves k announces it on the page (``timestep-lab:k`` events, see
``k_sync.js``); ``timestep_lab.ui.components.k_sync`` carries k back to Python when a drag
ends, in a fragment that reruns only the k control.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
from numpy.typing import ArrayLike
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

HERE = Path(__file__).resolve().parent
PREFIX = "timestep_lab_"  # component names are global to the app: one prefix for ours

_TYPED = {"float64": "<f8", "float32": "<f4", "uint8": "u1", "int32": "<i4"}


@cache
def source(filename: str) -> str | None:
    """The text of a file beside this module, read from disk once per process."""
    path = HERE / filename
    return path.read_text(encoding="utf-8") if path.exists() else None


# import { a, b as c } from "./shared.js";  (one statement, may span lines)
_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w-]+\.js)";[ \t]*$', re.M)
_ANY_IMPORT = re.compile(r"^[ \t]*import\b.*$", re.M)
_NAME = re.compile(r"^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$")
_EXPORT = re.compile(r"^export (?=(?:const|function|class) ([A-Za-z_$][\w$]*))", re.M)
_ANY_EXPORT = re.compile(r"^[ \t]*export\b.*$", re.M)
# a line that is only a comment, or a /* … */ block that starts and ends a line
_COMMENT_LINES = re.compile(r"^[ \t]*(?://[^\n]*|/\*(?:[^*]|\*(?!/))*\*/[ \t]*)(?:\n|$)", re.M)
# the first line of a top-level declaration, and a top-level line that closes one
_DECLARATION = re.compile(r"^(?:export )?(?:const|function|class) ([A-Za-z_$][\w$]*)", re.M)
_TOP_LEVEL = re.compile(r"^\S.*$", re.M)
_CLOSER = re.compile(r"^[}\])][\s;,)\]}]*$")


def shared_exports(filename: str, text: str) -> list[str]:
    """The names a shared module exports; ValueError for what inlining cannot keep as ES means.

    A shared module imports nothing and exports only ``export const|function|class NAME``:
    no ``let``/``var`` (an importer would not see later assignments), no default, no lists.
    """
    if line := _ANY_IMPORT.search(text):
        raise ValueError(f"{filename} is shared, so it imports nothing: {line.group().strip()!r}")
    names = [m.group(1) for m in _EXPORT.finditer(text)]
    for line in _ANY_EXPORT.finditer(text):
        if not _EXPORT.match(line.group()):
            raise ValueError(
                f"{filename}: {line.group().strip()!r} is not 'export const|function|class NAME'"
            )
    return names


def shared_declarations(filename: str, text: str) -> dict[str, str]:
    """A shared module's top-level declarations, name → code (comments left out), in order.

    Every line at the left margin must begin a ``const``/``function``/``class`` declaration
    or close one (``}``, ``]``, ``)``); the rest is indented. So the module does nothing when
    it loads but declare, and leaving out a declaration no import needs changes nothing.
    """
    code = _COMMENT_LINES.sub("", text)
    for line in _TOP_LEVEL.finditer(code):
        if not (_DECLARATION.match(line.group()) or _CLOSER.match(line.group())):
            raise ValueError(
                f"{filename}: {line.group()!r} at the left margin neither declares "
                "(const, function, class) nor closes a declaration"
            )
    starts = list(_DECLARATION.finditer(code))
    ends = [m.start() for m in starts[1:]] + [len(code)]
    return {m.group(1): code[m.start() : end] for m, end in zip(starts, ends, strict=True)}


def _needed(declarations: dict[str, str], names: list[str]) -> list[str]:
    """``names`` and every declaration they use, directly or not, in the module's order."""
    needed: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        # a name mentioned in the code (a string's word too: one declaration more, no harm)
        todo += [
            other
            for other in declarations
            if re.search(rf"\b{re.escape(other)}\b", declarations[name])
        ]
    return [name for name in declarations if name in needed]


def inline_imports(filename: str, text: str, read: Callable[[str], str | None]) -> str:
    """A component module's text with each ``import {…} from "./FILE.js";`` replaced by FILE's text.

    Streamlit takes a component's JavaScript inline (a Blob URL), where a relative import
    cannot resolve; this is the app's one way to share code between components, with no build
    step. The shared code runs in a function of its own and only the imported names are bound
    (``const {a, b: c} = (() => {…; return {a, b};})();``), as an ES import binds them; each
    component gets its own copy. The copy holds the declarations the imported names use and
    no others, without the shared file's whole-line comments: every mount of a component
    sends its text, and those are for the reader of the shared file.
    ``read(name)`` gives a file's text (None: no such file).
    Raises ValueError for any other import, an unknown file or a name FILE does not export.
    """
    seen: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        shared = match.group(2)
        if shared in seen:
            raise ValueError(f"{filename} imports {shared} twice: import its names in one line")
        seen.add(shared)
        body = read(shared)
        if body is None:
            raise ValueError(f"{filename} imports {shared}, which is not beside it")
        exports = shared_exports(shared, body)
        declarations = shared_declarations(shared, _EXPORT.sub("", body))
        bindings, imported = [], []
        for item in filter(None, (part.strip() for part in match.group(1).split(","))):
            name = _NAME.match(item)
            if name is None or name.group(1) not in exports:
                raise ValueError(
                    f"{filename} imports {item!r} from {shared}, which exports {', '.join(exports)}"
                )
            exported, local = name.groups()
            imported.append(exported)
            bindings.append(f"{exported}: {local}" if local else exported)
        code = "".join(declarations[name] for name in _needed(declarations, imported))
        return (
            f"const {{ {', '.join(bindings)} }} = (() => {{ // {shared}, inlined (module_source)\n"
            f"{code.strip()}\n"
            f"return {{ {', '.join(imported)} }};\n"
            f"}})(); // end of {shared}"
        )

    inlined = _IMPORT.sub(replace, text)
    if line := _ANY_IMPORT.search(inlined):
        raise ValueError(
            f"{filename}: {line.group().strip()!r} is not 'import {{ names }} from \"./FILE.js\";'"
        )
    return inlined


@cache
def module_source(filename: str) -> str | None:
    """The JavaScript the app serves for ``filename``: its text with its imports inlined and
    its whole-line comments left out.

    Streamlit sends a component's text with every mount on every run (a page of five views
    sends it five times), and the comments are for the file's reader. ``define`` serves it and
    the tests load it (tests/ui/components/conftest.py ``module_url``), so both run the same
    text. None when there is no such file.
    """
    text = source(filename)
    if text is None:
        return None
    return _COMMENT_LINES.sub("", inline_imports(filename, text, source))


def define(name: str, *, css: str | None = None, html: str | None = None) -> Any:
    """Register component ``name`` from ``name.js`` (as ``module_source`` serves it) and ``css``
    (default ``name.css``, if any).

    ``views.css`` is the shared look of the timestep views (toolbar, canvas, readout).
    Returns Streamlit's mounting command. Call once per component, at import time.
    """
    js = module_source(f"{name}.js")
    if js is None:
        raise ValueError(f"component {name!r} has no {name}.js in {HERE}")
    return st.components.v2.component(
        PREFIX + name, js=js, css=source(css or f"{name}.css"), html=html, isolate_styles=True
    )


def fragment_run() -> bool:
    """Whether this run is a fragment's own (only some fragments run, not the whole page)."""
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def rerun_fragments(keys: Sequence[str]) -> None:
    """From a component's or widget's callback: rerun only the fragments keyed ``keys``.

    Only when the request was a fragment's own (a widget inside it changed): when it was
    merged with a change that reruns the whole page (Streamlit merges requests that arrive
    while a run is busy), return, and the whole page runs, as it must. A key Streamlit does
    not know (a fragment the last full run did not reach) falls back to a whole-page rerun.
    """
    if not keys or not fragment_run():
        return
    try:
        st.rerun(list(keys))
    except StreamlitAPIException:
        st.rerun()


def typed_array(values: ArrayLike, dtype: str = "float64") -> dict[str, Any]:
    """An array for the browser: base64 of its little-endian bytes, its dtype and shape.

    The JavaScript side reads it with ``new Float64Array(bytes.buffer)`` (or Float32Array,
    Uint8Array, Int32Array): one base64 string instead of one JSON number per value.
    """
    if dtype not in _TYPED:
        raise ValueError(f"dtype={dtype!r} is not one of {', '.join(_TYPED)}")
    array = np.ascontiguousarray(np.asarray(values), dtype=_TYPED[dtype])
    return {
        "dtype": dtype,
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


class JsonObject(bytes):
    """The UTF-8 bytes of a JSON object's text, with the names of its members (``names``), so
    that joining more members to it (``json_bytes``'s ``before``) need not read it again."""

    names: frozenset[str]


def json_bytes(data: Mapping[str, Any], *, before: bytes = b"{}") -> JsonObject:
    """``data`` as the UTF-8 bytes of a JSON object, after the members of ``before`` (the bytes
    of a JSON object this returned earlier, e.g. a cached view's arrays): a view's data as it
    travels (views_common.js ``received`` reads it back).

    Why bytes: Streamlit sends them as they are and hashes them once, where a dict's JSON is
    written twice a run (to send it and to name the element) and each of its members is probed
    for a dataframe; for a view's few hundred kB of arrays that is ~2 ms of the server's time
    every run. ``before`` is written once by its maker, so a run encodes only what changed
    (k, the presenter flag).

    Raises ValueError for a number JSON has no word for (NaN, ±∞: the browser's
    ``JSON.parse`` would refuse the whole view) and when ``data`` repeats a name of ``before``
    (the object would hold it twice).
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    # What this returned knows its names; other bytes are read (once, here) to learn them.
    kept = before.names if isinstance(before, JsonObject) else frozenset(json.loads(before))
    if repeated := kept & set(data):
        raise ValueError(f"data repeats {', '.join(sorted(repeated))} of before")
    if before == b"{}":
        joined = text
    elif text == b"{}":
        joined = before
    else:
        joined = before[:-1] + b"," + text[1:]
    result = JsonObject(joined)
    result.names = kept | frozenset(data)
    return result


def read_json_bytes(element: Any) -> dict[str, Any]:
    """What a view was sent (``json_bytes``), from its element (AppTest's, or its proto)."""
    proto = getattr(element, "proto", element)
    return json.loads(proto.bytes)


def read_typed_array(payload: dict[str, Any]) -> np.ndarray:
    """The inverse of ``typed_array`` (tests and the benchmarks read payloads back)."""
    raw = base64.b64decode(payload["b64"])
    return np.frombuffer(raw, dtype=_TYPED[payload["dtype"]]).reshape(payload["shape"])
