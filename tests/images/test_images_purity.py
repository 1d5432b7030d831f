"""timestep_lab.images is Pillow and NumPy only: it loads neither Streamlit nor torch."""

import subprocess
import sys
from pathlib import Path


def test_images_import_neither_torch_nor_streamlit():
    code = (
        "import sys, timestep_lab.images;"
        "timestep_lab.images.bundled_image('hopper'); timestep_lab.images.bundled_image('digit');"
        "bad = [m for m in ('torch', 'streamlit') if m in sys.modules];"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "", f"images imported {out.stdout.strip()}"
