"""The prediction-target figure: one line per target, infinite gains left undrawn."""

import numpy as np

from timestep_lab.encodings import noise_schedule
from timestep_lab.encodings import targets as tg
from timestep_lab.figures.targets import TARGET_NAMES, target_gain_figure


def test_figure_draws_each_target_and_survives_zero_terminal_snr():
    schedule = noise_schedule("linear", 1000, zero_terminal_snr=True)
    gains = {t: tg.x0_error_gain(t, schedule.alpha_bar) for t in tg.TARGETS}
    figure = target_gain_figure(np.arange(1000), gains, 999)
    assert [t.name for t in figure.data] == [TARGET_NAMES[t] for t in tg.TARGETS]
    text = figure.to_json()
    assert "Infinity" not in text  # the infinite ε gain at the last step is not drawn
    assert np.isnan(figure.data[0].y[-1]) and np.isfinite(figure.data[2].y[-1])
    assert figure.layout.yaxis.type == "log"
    assert len(text) < 60_000
