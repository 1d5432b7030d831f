"""timestep_lab.images is Pillow and NumPy only: it loads neither Streamlit nor torch."""

from tests.conftest import heavy_modules_after


def test_images_import_neither_torch_nor_streamlit():
    loaded = heavy_modules_after(
        "import timestep_lab.images\n"
        "timestep_lab.images.bundled_image('hopper')\n"
        "timestep_lab.images.bundled_image('digit')"
    )
    assert loaded == [], f"images imported {loaded}"
