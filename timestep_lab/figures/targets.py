"""The prediction targets' names and colours, as every figure of them shows them.

The gains figure itself (each target's x̂₀ error gain against k) is drawn by the browser, with
k marked as it moves (``timestep_lab/ui/components/noise_views.js``, the ``targets`` panel).
"""

from __future__ import annotations

from timestep_lab.figures.style import OKABE_ITO

TARGET_NAMES = {
    "epsilon": "ε-prediction",
    "sample": "x₀-prediction",
    "v_prediction": "v-prediction",
}
TARGET_COLOURS = {
    "epsilon": OKABE_ITO["vermillion"],
    "sample": OKABE_ITO["green"],
    "v_prediction": OKABE_ITO["blue"],
}
