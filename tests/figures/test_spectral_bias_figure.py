"""The spectral-bias figure: the target, both fits and both loss curves, finite and small."""

import numpy as np

from timestep_lab.figures.spectral_bias import FIT_NAMES, spectral_bias_figure


def test_figure_draws_target_fits_and_losses():
    k = np.arange(1000)
    target = np.sin(k / 100)
    fits = {"scalar": target * 0.5, "sinusoidal": target}
    losses = {"scalar": np.linspace(1, 0.2, 400), "sinusoidal": np.linspace(1, 0.01, 400)}
    figure = spectral_bias_figure(k, target, fits, losses)
    names = [t.name for t in figure.data]
    assert names[0] == "target"
    assert names.count(FIT_NAMES["scalar"]) == 2  # its fit and its loss curve
    assert figure.layout.yaxis2.type == "log"
    np.testing.assert_allclose(figure.data[2].y, target, rtol=1e-6)
    assert len(figure.to_json()) < 60_000
