"""timestep_lab.classroom is pure Python: importing it loads neither torch nor Streamlit."""

from tests.conftest import heavy_modules_after


def test_classroom_imports_neither_torch_nor_streamlit():
    loaded = heavy_modules_after("import timestep_lab.classroom")
    assert loaded == [], f"classroom imported {loaded}"
