"""Bytes the encoding page sends per update, and the server time to build it.

Runs the page headless (Streamlit's AppTest) at the heaviest setting (d = 1024, T = 1000),
moves the k slider once, and sums the serialized size of every element the rerun produced.
This is what the server hands to the websocket (before compression); the browser-side
measurement is in the end-to-end benchmarks. For scale it also prints the size of a naive
plotly heatmap of the full 1000 × 1024 matrix.

    python -m benchmarks.encoding_payload
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from streamlit.testing.v1 import AppTest

from timestep_lab.encodings import timestep_embedding
from timestep_lab.encodings.display import heatmap_grid

ROOT = Path(__file__).resolve().parents[1]


def element_bytes(at: AppTest) -> dict[str, int]:
    """Serialized proto size of each element in the rendered tree, by type."""
    sizes: dict[str, int] = {}

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and not hasattr(node, "children"):
            sizes[node.type] = sizes.get(node.type, 0) + proto.ByteSize()
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return sizes


def main() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"d": "1024", "T": "1000", "k": "250"})
    at.switch_page("app_pages/encoding.py").run()
    assert not at.exception, at.exception
    timings = []
    for k in (400, 401, 999, 0, 500):
        start = time.perf_counter()
        at.slider(key="k").set_value(k).run()
        timings.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    sizes = element_bytes(at)
    total = sum(sizes.values())
    heatmap = heatmap_grid(1000, 1024, k=500)
    naive = go.Figure(go.Heatmap(z=timestep_embedding(np.arange(1000), 1024)))
    naive_bytes = len(pio.to_json(naive, validate=False, engine="json"))
    plotly_bytes = sizes.get("plotly_chart", 0)
    report = {
        "setting": "d=1024, T=1000, n=10000, transformer",
        "bytes_per_update_total": total,
        "bytes_per_update_plotly": plotly_bytes,
        "bytes_by_element": sizes,
        "heatmap_cells_sent": int(heatmap.values.size),
        "naive_full_heatmap_json_bytes": naive_bytes,
        "rerun_ms_median": round(1000 * float(np.median(timings)), 1),
        "rerun_ms_max": round(1000 * float(np.max(timings)), 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
