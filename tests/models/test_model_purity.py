"""The import direction of the house: ``timestep_lab.encodings`` never imports torch."""

import ast
from pathlib import Path

ENCODINGS = Path(__file__).resolve().parents[2] / "timestep_lab" / "encodings"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_encodings_module_imports_torch_or_models():
    files = sorted(ENCODINGS.rglob("*.py"))
    assert files, "no encodings sources found"
    for path in files:
        imported = _imported_modules(path)
        assert "torch" not in imported, f"{path.name} imports torch"
        source = path.read_text(encoding="utf-8")
        assert "timestep_lab.models" not in source, f"{path.name} imports timestep_lab.models"


def test_the_scan_sees_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy as np\nfrom torch import nn\n")
    assert _imported_modules(probe) == {"numpy", "torch"}
