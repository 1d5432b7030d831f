"""timestep_lab.encodings is pure NumPy: importing it loads neither torch nor Streamlit."""

from tests.conftest import heavy_modules_after


def test_encodings_import_neither_torch_nor_streamlit():
    loaded = heavy_modules_after("import timestep_lab.encodings, timestep_lab.encodings.display")
    assert loaded == [], f"encodings imported {loaded}"
