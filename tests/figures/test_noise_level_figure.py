"""The noise-level figure: true σ, σ̂, k̂ against k and the marked k, finite and small."""

import numpy as np

from timestep_lab.encodings import noise_schedule
from timestep_lab.figures.noise_level import noise_level_figure


def test_figure_draws_both_panels_and_marks_k():
    schedule = noise_schedule("linear", 1000)
    k = np.arange(0, 1000, 10)
    sigma = schedule.sqrt_one_minus_alpha_bar[k]
    figure = noise_level_figure(k, sigma, sigma * 1.05, k + 3, 250)
    assert [t.name for t in figure.data][:2] == ["true σ_k = √(1−ᾱ_k)", "σ̂ = median|HH| / 0.6745"]
    assert figure.data[3].xaxis == "x2"
    np.testing.assert_allclose(figure.data[3].y, k + 3)
    assert [s.x0 for s in figure.layout.shapes] == [250, 250]
    assert figure.layout.yaxis.type == "log"
    assert len(figure.to_json()) < 40_000
