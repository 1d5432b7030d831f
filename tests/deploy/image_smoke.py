"""Smoke-check an installed Timestep Lab from inside its app directory; print a JSON report.

Run with the interpreter the app will run under, from the directory holding ``app.py``:
``tests/deploy/test_image_install.py`` runs it in a fresh virtual environment laid out like
the image, and in a built image it runs as
``docker run --rm -i timestep-lab python - < tests/deploy/image_smoke.py``.

It needs nothing but the app's own requirements. It reports the torch build, loads every
shipped model with ``load_pretrained``, and runs every page: each ``st.Page`` of the router
``app.py`` through it, and any other file in ``app_pages/`` on its own, all with Streamlit's
AppTest. It exits 1 if anything failed, with every failure listed in the report.
"""

from __future__ import annotations

import ast
import json
import sys
import time
import traceback
from pathlib import Path

PAGE_TIMEOUT_S = 180


def router_pages(app: Path) -> list[str]:
    """The page files ``app.py`` routes to: the first argument of each ``st.Page(...)``."""
    pages = []
    for node in ast.walk(ast.parse(app.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "Page"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            pages.append(node.args[0].value)
    return pages


def run_page(app_test, path: str, page: str | None) -> tuple[list[str], list[str]]:
    """Run ``path`` (switched to ``page`` when ``path`` is the router); return the page's
    titles and its errors."""
    at = app_test.from_file(path, default_timeout=PAGE_TIMEOUT_S)
    if page is not None:
        at.switch_page(page)
    at.run()
    titles = [str(t.value) for t in at.title]
    return titles, [f"{e.value}\n{''.join(e.stack_trace)}" for e in at.exception]


def main() -> int:
    app_dir = Path.cwd()
    report: dict = {"python": sys.version.split()[0], "errors": []}
    errors: list[str] = report["errors"]

    import streamlit
    import torch

    import timestep_lab

    report["torch"] = torch.__version__
    report["torch_cuda"] = torch.version.cuda
    report["streamlit"] = streamlit.__version__
    report["timestep_lab"] = timestep_lab.__file__

    from timestep_lab.models import MODEL_NAMES, load_pretrained

    report["models"] = {}
    for name in MODEL_NAMES:
        try:
            model, _card = load_pretrained(name)
            report["models"][name] = sum(p.numel() for p in model.parameters())
        except Exception:
            errors.append(f"load_pretrained({name!r}):\n{traceback.format_exc()}")

    from streamlit.testing.v1 import AppTest

    routed = router_pages(app_dir / "app.py")
    on_disk = sorted(
        p.relative_to(app_dir).as_posix()
        for p in (app_dir / "app_pages").glob("*.py")
        if not p.name.startswith("_")
    )
    report["pages"] = {}
    report["titles"] = {}
    runs = [("app.py", page, page) for page in routed]
    runs += [(page, None, page) for page in on_disk if page not in routed]
    for path, page, label in runs:
        started = time.perf_counter()
        try:
            report["titles"][label], page_errors = run_page(AppTest, path, page)
        except Exception:
            page_errors = [traceback.format_exc()]
        report["pages"][label] = round(time.perf_counter() - started, 2)
        errors += [f"{label}: {e}" for e in page_errors]
    report["routed"] = routed
    report["unrouted"] = [p for p in on_disk if p not in routed]

    print(json.dumps(report))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
