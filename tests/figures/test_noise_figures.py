"""Noise figures: they draw every schedule, survive −∞ dB, and stay small on the wire."""

import numpy as np
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure

from timestep_lab.encodings import SCHEDULES, SPACINGS, noise_schedule, sampling_timesteps
from timestep_lab.figures import noise as fig
from timestep_lab.figures.noise_static import filmstrip_png_figure
from timestep_lab.images import bundled_image, to_signed


def schedules(num_timesteps, zero_terminal_snr=False):
    return [
        noise_schedule(n, num_timesteps, zero_terminal_snr=zero_terminal_snr) for n in SCHEDULES
    ]


@pytest.mark.parametrize("zero_terminal_snr", [False, True])
@pytest.mark.parametrize("num_timesteps", [10, 4000])
def test_curves_are_finite_json_and_small(num_timesteps, zero_terminal_snr):
    k = num_timesteps - 1  # the step where SNR is −∞ dB with zero terminal SNR
    figure = fig.schedule_curves_figure(schedules(num_timesteps, zero_terminal_snr), k, "cosine")
    text = figure.to_json()
    assert "Infinity" not in text
    assert len(text) < 250_000
    names = {trace.name for trace in figure.data if trace.showlegend}
    assert names == set(SCHEDULES)


def test_curve_indices_keep_both_ends():
    t = fig.curve_indices(4000)
    assert t[0] == 0 and t[-1] == 3999 and t.size <= fig.MAX_CURVE_POINTS
    np.testing.assert_array_equal(fig.curve_indices(10), np.arange(10))


def test_finite_or_nan():
    out = fig.finite_or_nan([1.0, -np.inf, np.inf])
    assert out[0] == 1.0 and np.isnan(out[1:]).all()


def test_forward_step_figure_has_three_images():
    x0 = to_signed(bundled_image("pattern"))
    noise = np.random.default_rng(0).standard_normal(x0.shape)
    figure = fig.forward_step_figure(x0, noise, 0.5 * x0 + 0.5 * noise, 7)
    images = [trace for trace in figure.data if isinstance(trace, go.Image)]
    assert len(images) == 3
    assert all(image.source.startswith("data:image/png;base64,") for image in images)
    assert len(figure.to_json()) < 200_000


def test_filmstrip_rows_differ_only_by_schedule():
    x0 = to_signed(bundled_image("pattern", 32))
    noise = np.random.default_rng(1).standard_normal(x0.shape)
    timesteps = fig.filmstrip_timesteps(1000)
    assert timesteps.tolist()[0] == 0 and timesteps.tolist()[-1] == 999 and timesteps.size == 8
    rows = schedules(1000)
    frames = fig.filmstrip_frames(x0, noise, rows, timesteps)
    assert frames.shape == (4, 8, *x0.shape)
    for r, schedule in enumerate(rows):
        np.testing.assert_allclose(frames[r, 3], schedule.q_sample(x0, timesteps[3], noise))
    mosaic = fig.tile_mosaic(frames)
    assert mosaic.shape == (4 * 32 + 3 * fig.GAP, 8 * 32 + 7 * fig.GAP, 3)
    figure = fig.filmstrip_figure(frames, list(SCHEDULES), timesteps)
    assert list(figure.layout.xaxis.ticktext) == [f"k = {t}" for t in timesteps]
    assert len(figure.to_json()) < 400_000


def test_filmstrip_png_renders():
    x0 = to_signed(bundled_image("digit", 16))
    noise = np.random.default_rng(2).standard_normal(x0.shape)
    timesteps = fig.filmstrip_timesteps(50, 4)
    frames = fig.filmstrip_frames(x0, noise, schedules(50, True), timesteps)
    figure = filmstrip_png_figure(frames, list(SCHEDULES), timesteps, title="test")
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 16
    figure.canvas.draw()


def test_spacing_figure_marks_the_last_timestep():
    visits = {name: sampling_timesteps(1000, 10, name) for name in SPACINGS}
    figure = fig.spacing_figure(visits, 1000)
    assert [trace.name for trace in figure.data] == list(SPACINGS)
    assert any("999" in a.text for a in figure.layout.annotations)


def test_spacing_figure_names_the_last_step_by_its_alpha_bar_not_as_the_noisiest():
    visits = {name: sampling_timesteps(1000, 10, name) for name in SPACINGS}
    last = float(noise_schedule("scaled_linear", 1000).alpha_bar[-1])
    texts = [
        a.text for a in fig.spacing_figure(visits, 1000, last_alpha_bar=last).layout.annotations
    ]
    assert any("last training step" in t and f"ᾱ = {last:.2g}" in t for t in texts)
    assert not any("noisiest" in t for t in texts)


def test_curves_without_k_mark_nothing_and_are_the_same_for_every_k():
    plain = fig.schedule_curves_figure(schedules(1000, False), None, "cosine")
    marked = fig.schedule_curves_figure(schedules(1000, False), 250, "cosine")
    assert not plain.layout.shapes and len(marked.layout.shapes) == 4
    assert len(marked.data) - len(plain.data) == 5  # the circles at k, one per panel
    assert all(trace.mode == "lines" for trace in plain.data)
