"""The browser's step view (denoise_views.js) draws and prints what the page drew in Python.

Its pictures equal the PNGs of ``figures.denoiser.sample_picture`` pixel for pixel (values
beyond the drawn range included), its readouts equal the formulas and the f-strings the page
used, on the data Python sends.
"""

import io
import math
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from tests.ui.components.conftest import module_url
from timestep_lab.encodings import column_roles, noise_schedule
from timestep_lab.figures import denoiser as fig
from timestep_lab.images import to_uint8
from timestep_lab.ui.components import read_typed_array
from timestep_lab.ui.components.denoise_views import denoise_data, denoise_step_view

ALPHA_BAR = noise_schedule("cosine", 1000).alpha_bar
KIND = column_roles(64)[1].tolist()
WIDTH = 230  # the page's SMALL

BROWSER_PICTURES = """async ([url, data, frames]) => {
    const m = await import(url);
    const run = m.unpack(data);
    const [, num, height, width] = run.shape;
    const out = [];
    for (const frame of frames) {
        for (const name of ["xk", "eps", "x0"]) {
            if (data.kind === "digits") {
                const scale = m.gridScale(data.width, data.columns, width, data.gap);
                const grid = m.gridPixels(run.pictures[name], frame * num * height * width, num,
                    height, width, {scale, columns: data.columns, gap: data.gap,
                    background: data.background});
                out.push({shape: [grid.height, grid.width], pixels: Array.from(grid.pixels)});
            } else {
                const truth = name === "eps" ? null : run.truth;
                const rgb = m.pointsPixels(run.pictures[name], frame * num * 2, num, truth,
                    data.width, data);
                out.push({shape: [data.width, data.width, 3], pixels: Array.from(rgb)});
            }
        }
    }
    return out;
}"""

BROWSER_READOUTS = """async ([url, data]) => {
    const m = await import(url);
    const run = m.unpack(data);
    return Array.from({length: run.frames}, (_, f) => m.readouts(run, f));
}"""

BROWSER_FORMATS = """async ([url, values]) => {
    const m = await import(url);
    return values.map((x) => [m.formatG(x), m.fixed(x, 3), m.fixed(x, 5), m.roundHalfEven(x)]);
}"""


def fake_steps(shape, ks, *, seed=0, k_told=None, scale=1.5):
    """Kept steps of a made-up run: values beyond ±1 (and ±3 for ε̂), to test the clipping."""
    rng = np.random.default_rng(seed)
    told = ks if k_told is None else k_told
    return [
        SimpleNamespace(
            index=i,
            k=int(k),
            k_told=float(t),
            xk=(rng.standard_normal(shape) * scale).astype(np.float32),
            eps_pred=(rng.standard_normal(shape) * 2 * scale).astype(np.float32),
            x0_pred=(rng.standard_normal(shape) * scale).astype(np.float32),
            encoding=rng.uniform(-1, 1, 64).astype(np.float32),
        )
        for i, (k, t) in enumerate(zip(ks, told, strict=True))
    ]


def step_data(steps, ks, **extra):
    options = dict(kind=KIND, convention="transformer", emb_dim=128, x0_title="x̂₀", width=WIDTH)
    return denoise_data(steps, np.asarray(ks), ALPHA_BAR, **{**options, **extra})


def png_pixels(pixels) -> np.ndarray:
    """The pixels of the PNG the page showed (decoded again: what a learner saw)."""
    image = Image.open(io.BytesIO(fig.png_bytes(pixels)))
    return np.asarray(image.convert("RGB" if np.ndim(pixels) == 3 else "L"))


@pytest.mark.browser
@pytest.mark.parametrize("num", [1, 10, 16, 64])
def test_browser_digit_pictures_equal_the_page_pngs(js_page, num):
    ks = [999, 700, 300, 0]
    steps = fake_steps((num, 8, 8), ks, seed=num)
    data = step_data(steps, ks)
    got = js_page.evaluate(BROWSER_PICTURES, [module_url("denoise_views.js"), data, [0, 3]])
    expected = []
    for frame in (0, 3):
        step = steps[frame]
        expected += [
            fig.sample_picture(step.xk, width=WIDTH),
            fig.sample_picture(step.eps_pred, width=WIDTH, value_range=fig.EPS_RANGE),
            fig.sample_picture(step.x0_pred, width=WIDTH),
        ]
    for result, picture in zip(got, expected, strict=True):
        drawn = np.array(result["pixels"], dtype=np.uint8).reshape(result["shape"])
        np.testing.assert_array_equal(drawn, picture)
        np.testing.assert_array_equal(drawn, png_pixels(picture))


@pytest.mark.browser
def test_browser_point_clouds_equal_the_page_pngs(js_page):
    ks = [999, 500, 0]
    steps = fake_steps((400, 2), ks, seed=7, scale=1.2)  # some points leave the square
    truth = np.random.default_rng(8).uniform(-1.2, 1.2, (300, 2))
    data = step_data(steps, ks, truth=truth)
    got = js_page.evaluate(BROWSER_PICTURES, [module_url("denoise_views.js"), data, [0, 2]])
    expected = []
    for frame in (0, 2):
        step = steps[frame]
        expected += [
            fig.sample_picture(step.xk, width=WIDTH, truth=truth),
            fig.sample_picture(step.eps_pred, width=WIDTH, value_range=fig.EPS_RANGE),
            fig.sample_picture(step.x0_pred, width=WIDTH, truth=truth),
        ]
    for result, picture in zip(got, expected, strict=True):
        drawn = np.array(result["pixels"], dtype=np.uint8).reshape(result["shape"])
        np.testing.assert_array_equal(drawn, picture)
        np.testing.assert_array_equal(drawn, png_pixels(picture))
    # one byte a coordinate: a point costs 2 bytes a picture
    assert read_typed_array(data["xk"]).nbytes == 3 * 400 * 2


@pytest.mark.browser
@pytest.mark.parametrize("k_told", [None, [1299, 800, 300, 0, 7]], ids=["honest", "told"])
def test_browser_readouts_equal_the_page_formulas(js_page, k_told):
    ks = [999, 800, 400, 17, 0]
    steps = fake_steps((4, 8, 8), ks, k_told=k_told)
    timesteps = np.linspace(999, 0, 9).round().astype(int)
    data = step_data(steps, timesteps)
    got = js_page.evaluate(BROWSER_READOUTS, [module_url("denoise_views.js"), data])
    for step, r in zip(steps, got, strict=True):
        ab = float(ALPHA_BAR[step.k])
        norm = float(np.linalg.norm(step.encoding.astype(np.float64)))
        assert r["alphaBar"] == ab and r["k"] == step.k and r["kTold"] == step.k_told
        assert abs(r["sqrtAlphaBar"] - math.sqrt(ab)) <= 1e-12
        assert abs(r["sqrtOneMinusAlphaBar"] - math.sqrt(1 - ab)) <= 1e-12
        assert abs(r["norm"] - norm) <= 1e-12
        assert r["metrics"] == {
            "step": f"{step.index + 1} of {timesteps.size}",
            "k": str(step.k),
            "told": f"{step.k_told:g}",
            "alphaBar": f"{ab:.5f}",
        }
        assert r["xkTitle"] == f"x_k at k = {step.k}"
        assert r["caption"] == (
            f"At k = {step.k}, x_k = {math.sqrt(ab):.3f}·x₀ + {math.sqrt(1 - ab):.3f}·ε. The "
            f"network received P({step.k_told:g}): 64 values, transformer layout, as in "
            f"training; length {norm:.3f}. Its time MLP turns them into 128 numbers."
        )


@pytest.mark.browser
def test_browser_number_formats_equal_python(js_page):
    rng = np.random.default_rng(5)
    values = [0.0625, 0.1875, 0.0005, 2.5, 3.5, 254.5, 0.5, 999.0, -200.0, 1e6, 999999.5]
    values += [1234567.0, 1e-4, 1.234e-5, -0.0, -0.0001, -0.0625, 300.25, math.sqrt(32)]
    values += ALPHA_BAR.tolist() + np.sqrt(ALPHA_BAR).tolist() + np.sqrt(1 - ALPHA_BAR).tolist()
    values += rng.uniform(0, 12, 200).tolist()
    got = js_page.evaluate(BROWSER_FORMATS, [module_url("denoise_views.js"), values])
    for x, (g, f3, f5, rounded) in zip(values, got, strict=True):
        assert [g, f3, f5] == [f"{x:g}", f"{x:.3f}", f"{x:.5f}"], x
        assert rounded == np.round(x), x


def test_denoise_data_sends_each_frame_once_exactly():
    ks = [999, 500, 0]
    steps = fake_steps((16, 8, 8), ks, k_told=[999.5, 500, 0])
    data = step_data(steps, [999, 750, 500, 250, 0])
    assert data["frames"] == 3 and data["kind"] == "digits" and data["columns"] == 4
    np.testing.assert_array_equal(read_typed_array(data["k"]), ks)
    np.testing.assert_array_equal(read_typed_array(data["kTold"]), [999.5, 500, 0])
    np.testing.assert_array_equal(read_typed_array(data["alphaBar"]), ALPHA_BAR)
    np.testing.assert_array_equal(read_typed_array(data["timesteps"]), [999, 750, 500, 250, 0])
    for name, field, value_range in (("xk", "xk", 1), ("eps", "eps_pred", 3), ("x0", "x0_pred", 1)):
        sent = read_typed_array(data[name])  # the PNG's grey levels: one byte a pixel
        values = np.stack([getattr(s, field) for s in steps]).astype(np.float64)
        np.testing.assert_array_equal(sent, to_uint8(values / value_range))
    assert data["kindColours"] == {"sin": "#0072B2", "cos": "#D55E00"}
    # the browser decodes the arrays again only when the run changes
    assert step_data(steps, [999, 750, 500, 250, 0])["token"] == data["token"]
    assert step_data(steps[:2], [999, 500])["token"] != data["token"]


def test_denoise_data_refuses_what_it_cannot_draw():
    steps = fake_steps((4, 8, 8), [999, 0])
    with pytest.raises(ValueError, match="at least one kept step"):
        step_data([], [999])
    with pytest.raises(ValueError, match="every k must be in 0 … 999"):
        step_data(fake_steps((4, 8, 8), [1000]), [1000])
    with pytest.raises(ValueError, match="kind has 3 entries for 64 columns"):
        step_data(steps, [999, 0], kind=["sin", "cos", "sin"])
    with pytest.raises(ValueError, match="width=300 must be in 2 … 255"):
        step_data(fake_steps((5, 2), [999, 0]), [999, 0], width=300)
    with pytest.raises(ValueError, match="frame=2 must be in 0 … 1"):
        denoise_step_view(step_data(steps, [999, 0]), key="v", frame=2, frame_key="f", rerun=[])
