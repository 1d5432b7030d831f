"""The heatmap subset: exact entries of P, row k always present, whole sin/cos pairs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timestep_lab.encodings import column_roles, timestep_embedding
from timestep_lab.encodings.display import evenly_spaced, heatmap_grid, paired_columns


@settings(max_examples=50, deadline=None)
@given(
    st.integers(10, 4000),
    st.integers(4, 1024),
    st.data(),
    st.sampled_from(["transformer", "ddpm", "ldm"]),
)
def test_grid_is_an_exact_subset_with_row_k(num_timesteps, dim, data, convention):
    k = data.draw(st.integers(0, num_timesteps - 1))
    grid = heatmap_grid(
        num_timesteps, dim, k=k, convention=convention, max_cells=2400, max_columns=40
    )
    assert k in grid.rows
    assert grid.rows.size * grid.columns.size <= 2400 + grid.columns.size
    assert np.all(np.diff(grid.rows) > 0)
    full = timestep_embedding(grid.rows, dim, convention=convention)
    np.testing.assert_array_equal(grid.values, full[:, grid.columns])
    i, kind = column_roles(dim, convention=convention)
    for pair in np.unique(i[grid.columns]):
        if pair < 0:
            continue
        kinds = set(kind[grid.columns][i[grid.columns] == pair])
        assert kinds == set(kind[i == pair])  # both halves of a pair, never one


def test_small_matrices_are_sent_whole():
    grid = heatmap_grid(10, 8, k=3)
    assert grid.rows.tolist() == list(range(10)) and grid.columns.tolist() == list(range(8))


def test_payload_bound_at_the_heaviest_setting():
    grid = heatmap_grid(1000, 1024, k=777)
    assert grid.values.size <= 52_000 + 256  # about 200 KB as float32, instead of 8 MB
    assert paired_columns(1024, 256, "transformer").size == 256


def test_evenly_spaced_validates():
    assert evenly_spaced(5, 10).tolist() == [0, 1, 2, 3, 4]
    assert evenly_spaced(100, 3).tolist() == [0, 50, 99]
    with pytest.raises(ValueError, match="always=7"):
        evenly_spaced(5, 2, always=7)
    with pytest.raises(ValueError, match="≥ 1"):
        evenly_spaced(0, 2)
