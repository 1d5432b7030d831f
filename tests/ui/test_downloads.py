"""Downloads of large matrices: compressed float32 .npz that numpy reads back."""

import io

import numpy as np

from timestep_lab.encodings import timestep_embedding
from timestep_lab.ui.downloads import npz_bytes


def test_npz_holds_the_matrix_as_float32_and_is_smaller_than_float64():
    P = timestep_embedding(np.arange(1000), 256)
    data = npz_bytes({"P": P, "k": np.arange(1000)})
    with np.load(io.BytesIO(data)) as saved:
        assert saved["P"].dtype == np.float32 and saved["P"].shape == (1000, 256)
        np.testing.assert_allclose(saved["P"], P, rtol=0, atol=6e-8)  # float32 rounding of |P| ≤ 1
        np.testing.assert_array_equal(saved["k"], np.arange(1000))
    assert len(data) < P.nbytes / 2
