"""Figures of a denoiser run: pictures, the animation's payload, the network diagram, downloads."""

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import plotly.io as pio
import pytest
from matplotlib.figure import Figure
from PIL import Image

from timestep_lab.encodings import noise_schedule
from timestep_lab.figures import denoiser as fig
from timestep_lab.figures.denoiser_static import samples_png_figure, trajectory_gif

ALPHA_BAR = noise_schedule("cosine", 1000).alpha_bar
UNET = {"kind": "unet", "image_size": 8, "channels": [32, 64, 64], "enc_dim": 64,
        "emb_dim": 128, "num_classes": 10, "time_mode": "sinusoidal", "num_timesteps": 1000,
        "convention": "transformer", "resolutions": [8, 4, 2], "params": 671297,
        "params_time_embedding": 24832, "params_class_embedding": 1408,
        "residual_blocks": 7}  # fmt: skip
MLP = {"kind": "mlp2d", "width": 192, "depth": 4, "enc_dim": 64, "emb_dim": 128,
       "num_classes": 3, "time_mode": "sinusoidal", "num_timesteps": 1000,
       "convention": "transformer", "params": 423746, "params_time_embedding": 24832,
       "params_class_embedding": 512, "residual_blocks": 4}  # fmt: skip


def fake_steps(num_steps, shape, seed=0):
    """Step-like records with random arrays, k from 999 down, like a DDIM run."""
    rng = np.random.default_rng(seed)
    ks = np.round(np.linspace(999, 0, num_steps)).astype(int)
    return [
        SimpleNamespace(
            index=i, k=int(k), k_told=float(k),
            xk=rng.standard_normal(shape).astype(np.float32),
            x0_pred=rng.uniform(-1, 1, shape).astype(np.float32),
            eps_pred=rng.standard_normal(shape).astype(np.float32),
            x_prev=rng.uniform(-1, 1, shape).astype(np.float32),
            encoding=rng.uniform(-1, 1, 64).astype(np.float32),
        )
        for i, k in enumerate(ks)
    ]  # fmt: skip


def test_image_grid_tiles_with_gaps_and_upscales_nearest():
    images = np.stack([np.full((8, 8), v) for v in (-1.0, 0.0, 1.0)])
    grid = fig.image_grid(images, scale=3, columns=2)
    assert grid.shape == (2 * 24 + 3, 2 * 24 + 3)
    assert grid[0, 0] == 0 and grid[0, 27] == 128 and grid[27, 0] == 255
    assert np.all(grid[:, 24:27] == fig.BACKGROUND)  # the gap column
    assert fig.grid_columns(16) == 4 and fig.grid_columns(10) == 4 and fig.grid_columns(1) == 1


@pytest.mark.parametrize(("num", "width"), [(16, 300), (64, 300), (1, 230), (9, 180)])
def test_sample_pictures_fit_their_width_without_resampling(num, width):
    digits = np.zeros((num, 8, 8))
    pixels = fig.sample_picture(digits, width=width)
    assert pixels.shape[1] <= width
    scale = (pixels.shape[1] + fig.GRID_GAP) // (fig.grid_columns(num) * 9)
    assert scale >= 1
    points = fig.sample_picture(np.zeros((50, 2)), width=width)
    assert points.shape == (width, width, 3)


def test_points_canvas_draws_points_over_the_truth_and_drops_outsiders():
    canvas = fig.points_canvas(np.array([[0.0, 0.0], [99.0, 0.0]]), truth=np.array([[1.0, 1.0]]))
    blue = np.all(canvas == fig.POINT_BLUE, axis=-1)
    grey = np.all(canvas == fig.TRUTH_GREY, axis=-1)
    assert blue.sum() == 4 and grey.sum() == 4  # one 2×2 dot each; the far point is left out
    rows, cols = np.nonzero(grey)
    assert rows.mean() < canvas.shape[0] / 2 < cols.mean()  # (1, 1) is up and to the right


def test_point_pixels_are_the_dots_of_points_canvas():
    points = np.array([[-2.0, 2.0], [0.0, 0.0], [1.9999, -1.9999], [2.0, 0.0], [-3.0, 0.0]])
    pixels = fig.point_pixels(points, size=230)
    # the top-left corner, the middle, the last whole dot; a dot that would leave the canvas
    assert pixels.tolist() == [[0, 0], [114, 114], [228, 228], [-1, -1], [-1, -1]]
    canvas = fig.points_canvas(points, size=230)
    assert np.all(canvas[114:116, 114:116] == fig.POINT_BLUE)
    assert np.all(canvas == fig.POINT_BLUE, axis=-1).sum() == 3 * 4


def test_png_bytes_are_small_pngs():
    grid = fig.image_grid(np.random.default_rng(0).uniform(-1, 1, (16, 8, 8)), scale=7)
    data = fig.png_bytes(grid)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 8_000
    canvas = fig.points_canvas(np.random.default_rng(0).standard_normal((2000, 2)))
    data = fig.png_bytes(canvas)
    assert len(data) < 12_000
    assert Image.open(io.BytesIO(data)).mode == "P"  # three colours need no 24-bit RGB


def test_byte_coordinates_map_the_square_to_0_255():
    xy = fig.byte_coordinates(np.array([[-2.0, 2.0], [0.0, 0.0], [3.0, 0.0]]))
    assert xy.dtype == np.uint8
    assert xy.tolist() == [[0, 255], [128, 128]]


@pytest.mark.parametrize(("num_steps", "frames"), [(5, 5), (40, 40), (60, 40), (1000, 40)])
def test_animation_frames_are_bounded_and_keep_both_ends(num_steps, frames):
    picked = fig.animation_frame_steps(num_steps)
    assert picked.size == frames and picked[0] == 0 and picked[-1] == num_steps - 1


def test_digits_animation_is_compact_and_playable():
    steps = fake_steps(60, (16, 8, 8))
    figure = fig.trajectory_animation_figure(steps, ALPHA_BAR)
    assert len(figure.frames) == 40
    assert figure.layout.updatemenus[0].buttons[0].method == "animate"
    assert len(figure.layout.sliders[0].steps) == 40
    assert figure.frames[-1].data[0].z.dtype == np.uint8  # one byte a pixel on the wire
    assert figure.frames[-1].data[0].z.shape == (35, 35)  # 4 × 4 tiles of 8 px, 1 px gaps
    assert len(pio.to_json(figure)) < 200_000  # random pixels: the worst case


def test_digits_animation_shows_at_most_16_samples():
    figure = fig.trajectory_animation_figure(fake_steps(3, (64, 8, 8)), ALPHA_BAR)
    assert figure.data[0].z.shape == (35, 35)


def test_points_animation_is_compact():
    steps = fake_steps(50, (2000, 2))
    truth = np.random.default_rng(1).uniform(-1, 1, (1500, 2))
    figure = fig.trajectory_animation_figure(steps, ALPHA_BAR, truth=truth)
    assert len(figure.frames) == 40
    assert len(pio.to_json(figure)) < 400_000


@pytest.mark.parametrize("description", [UNET, MLP], ids=["unet", "mlp2d"])
def test_network_diagram_has_the_live_sizes(description):
    dot = fig.network_dot(description, k=999)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert "k = 999" in dot and "64 values" in dot and "Linear 64→128" in dot
    assert dot.count("emb -> ") == description["residual_blocks"]
    if description["kind"] == "unet":
        assert "64 ch, 2×2" in dot and "1×8×8" in dot
    else:
        assert "192 wide" in dot


def test_network_diagram_names_each_ablation():
    assert "k is never told" in fig.network_dot({**UNET, "time_mode": "none"})
    assert "k / T" in fig.network_dot({**UNET, "time_mode": "scalar"})


def test_downloads_render():
    steps = fake_steps(12, (16, 8, 8))
    gif = trajectory_gif(steps)
    image = Image.open(io.BytesIO(gif))
    assert gif[:6] == b"GIF89a" and image.n_frames == 13  # every step, then the samples
    assert isinstance(samples_png_figure(steps[-1].x_prev, title="t"), Figure)
    points = fake_steps(3, (500, 2))
    assert Image.open(io.BytesIO(trajectory_gif(points, truth=np.zeros((10, 2))))).n_frames == 4
    assert isinstance(
        samples_png_figure(points[-1].x_prev, title="t", truth=np.zeros((5, 2))), Figure
    )


def test_the_figures_and_the_store_load_without_torch():
    """Only the denoiser page imports torch; these modules load with the rest of the app."""
    code = (
        "import sys, timestep_lab.figures.denoiser, timestep_lab.figures.denoiser_static, "
        "timestep_lab.ui.trajectories; assert 'torch' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
