"""Pure NumPy math of timestep encodings and the forward noising process.

Nothing here imports Streamlit or torch, so it can be read, tested and reused alone.
"""

from timestep_lab.encodings.schedules import (
    SCHEDULES,
    NoiseSchedule,
    noise_schedule,
    rescale_zero_terminal_snr,
    signal_fraction,
)
from timestep_lab.encodings.sinusoidal import (
    CONVENTIONS,
    MIN_DIM,
    column_roles,
    frequencies,
    frequency_roles,
    half_similarity_shift,
    layout_reorder_gap,
    normalized_index_encoding,
    raw_index_encoding,
    rotation,
    row_similarity,
    shift_similarity,
    similarity_matrix,
    timestep_embedding,
    wavelengths,
)
from timestep_lab.encodings.spacing import SPACINGS, sampling_timesteps

__all__ = [
    "CONVENTIONS",
    "MIN_DIM",
    "SCHEDULES",
    "SPACINGS",
    "NoiseSchedule",
    "column_roles",
    "frequencies",
    "frequency_roles",
    "half_similarity_shift",
    "layout_reorder_gap",
    "noise_schedule",
    "normalized_index_encoding",
    "raw_index_encoding",
    "rescale_zero_terminal_snr",
    "rotation",
    "row_similarity",
    "sampling_timesteps",
    "shift_similarity",
    "signal_fraction",
    "similarity_matrix",
    "timestep_embedding",
    "wavelengths",
]
