"""A protocol-level Streamlit client: one real websocket session, no browser.

It speaks the app's own protobuf messages (``BackMsg`` up, ``ForwardMsg`` down), exactly as
the frontend does: open a page with a query string, read the widgets the run created, change
one and rerun. The load test runs dozens of these at once; a browser per student would
measure the browser, not the server. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
WIDGET_KINDS = ("slider", "select_slider", "selectbox", "button", "toggle", "radio")
COMPONENT_PREFIX = "timestep_lab_"  # timestep_lab.ui.components.PREFIX


@dataclass
class RunResult:
    """What one rerun cost: seconds until ``script_finished``, bytes received, errors shown."""

    seconds: float
    bytes: int
    exceptions: list[str]
    texts: list[str]


@dataclass
class Session:
    """One browser-less session of the app, reusing one websocket like the frontend does."""

    url: str
    timeout: float = 120.0
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (kind, id)
    states: dict[str, object] = field(default_factory=dict)  # id → value sent each rerun
    # The fragment each widget was drawn in (id → fragment id): the frontend names it when
    # that widget changes, and the server then reruns only that fragment (or what the
    # widget's callback asks for).
    fragments: dict[str, str] = field(default_factory=dict)
    page: str = ""
    query: str = ""
    page_script_hash: str = ""
    # Fragments the server asked to rerun on a timer (``st.fragment(run_every=…)``): id →
    # seconds. The frontend reruns each on that timer; a load test calls ``fragment(id)``.
    auto_reruns: dict[str, float] = field(default_factory=dict)

    async def __aenter__(self) -> Session:
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def open(self, page: str, query: str = "") -> RunResult:
        """Navigate to a page (URL path without the slash) with a query string."""
        self.page, self.query, self.page_script_hash = page, query, ""
        self.widgets.clear()
        self.states.clear()
        self.fragments.clear()
        return await self._rerun()

    async def set(self, key: str, value: object) -> RunResult:
        """Change the widget whose key is ``key`` and rerun, as a drag or a click does.

        A browser component (``component:NAME``) takes its whole state, e.g. ``{"k": 5}``
        for the k bridge when a gesture ends; URL-bound tabs (``st.tabs`` with a key) take
        the label of the tab to open.
        """
        kind, widget_id = self.widgets[key]
        self.states[widget_id] = (kind, value)
        try:
            return await self._rerun(self.fragments.get(widget_id, ""), auto=False)
        finally:
            if kind == "button":  # a click is a trigger: it lasts one run
                self.states.pop(widget_id, None)

    async def fragment(self, fragment_id: str) -> RunResult:
        """Rerun one fragment, as the frontend does every ``run_every`` seconds."""
        return await self._rerun(fragment_id)

    async def _rerun(self, fragment_id: str = "", *, auto: bool = True) -> RunResult:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = self.page
        # Like the frontend, name the page by the hash the server gave it: a rerun the server
        # starts itself (st.rerun in a fragment) keeps only the hash.
        msg.rerun_script.page_script_hash = self.page_script_hash
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
            msg.rerun_script.is_auto_rerun = auto
        for widget_id, (kind, value) in self.states.items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            if kind == "slider":
                state.double_array_value.data.append(float(value))
            elif kind == "select_slider":
                state.string_array_value.data.append(str(value))
            elif kind in ("selectbox", "radio", "tabs"):
                state.string_value = str(value)
            elif kind == "toggle":
                state.bool_value = bool(value)
            elif kind == "button":
                state.trigger_value = True
            elif kind == "component":
                state.json_value = json.dumps(value)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        received, exceptions, texts = 0, [], []
        while True:
            data = await asyncio.wait_for(self.ws.recv(), self.timeout)
            received += len(data)
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self._note_element(
                    forward.delta.new_element, exceptions, texts, forward.delta.fragment_id
                )
            elif kind == "delta" and forward.delta.WhichOneof("type") == "add_block":
                tabs = forward.delta.add_block.tab_container  # st.tabs, URL-bound: a widget
                if forward.delta.add_block.WhichOneof("type") == "tab_container" and tabs.id:
                    self.widgets[tabs.id.rsplit("-", 1)[-1]] = ("tabs", tabs.id)
            elif kind == "new_session" and not forward.metadata.run.fragment_ids:
                self.auto_reruns.clear()  # a full run registers its timed fragments anew
            elif kind == "navigation":  # st.navigation says which page this run showed
                self.page_script_hash = forward.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.auto_reruns[forward.auto_rerun.fragment_id] = forward.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for stopped in forward.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(stopped, None)
            elif kind == "page_info_changed":  # the page changed its URL (st.query_params)
                self.query = forward.page_info_changed.query_string
            elif kind == "script_finished":
                if forward.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the server starts the next run itself
                return RunResult(time.perf_counter() - start, received, exceptions, texts)

    def _note_element(
        self, element, exceptions: list[str], texts: list[str], fragment_id: str = ""
    ) -> None:
        element_kind = element.WhichOneof("type")
        widget_id = ""
        if element_kind in ("markdown", "heading", "alert"):
            texts.append(getattr(element, element_kind).body)
        elif element_kind == "exception":
            exceptions.append(element.exception.message)
        elif element_kind == "checkbox":  # st.toggle is a checkbox proto
            widget_id = element.checkbox.id
            self.widgets[widget_id.rsplit("-", 1)[-1]] = ("toggle", widget_id)
        elif element_kind == "bidi_component":  # a browser component (custom components v2)
            widget_id = element.bidi_component.id
            name = element.bidi_component.component_name.removeprefix(COMPONENT_PREFIX)
            self.widgets[f"component:{name}"] = ("component", widget_id)
        elif element_kind in WIDGET_KINDS:
            widget = getattr(element, element_kind)
            if element_kind == "slider" and widget.type == widget.SELECT_SLIDER:
                element_kind = "select_slider"  # one proto for both; values differ
            widget_id = widget.id
            self.widgets[widget_id.rsplit("-", 1)[-1]] = (element_kind, widget_id)
        if widget_id and fragment_id:
            self.fragments[widget_id] = fragment_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int | None = None,
    *,
    log: IO[bytes] | int = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, str, float]:
    """Start ``streamlit run app.py`` on loopback; returns (process, url, seconds to healthy).

    log: where the server's output goes (a file opened for writing, or DEVNULL).
    env: variables to set for the server on top of this process's (e.g. the class store).
    """
    port = port or free_port()
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url, time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not become healthy within 120 s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def torch_loaded(pid: int) -> bool:
    """Whether the process has loaded torch's shared library (i.e. imported torch)."""
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
