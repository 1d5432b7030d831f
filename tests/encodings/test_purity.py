"""timestep_lab.encodings is pure NumPy: importing it loads neither torch nor Streamlit."""

import subprocess
import sys
from pathlib import Path


def test_encodings_import_neither_torch_nor_streamlit():
    code = (
        "import sys, timestep_lab.encodings, timestep_lab.encodings.display;"
        "bad = [m for m in ('torch', 'streamlit') if m in sys.modules];"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "", f"encodings imported {out.stdout.strip()}"
