"""The browser's x_k (noise_views.js) equals NoiseSchedule.q_sample on the data Python sends."""

import numpy as np
import pytest

from tests.ui.components.conftest import module_url
from timestep_lab.encodings import SCHEDULES, noise_schedule, signal_fraction
from timestep_lab.images import bundled_image, to_signed
from timestep_lab.ui.components import read_typed_array
from timestep_lab.ui.components.noise_views import at_step, noise_data

BROWSER_Q_SAMPLE = """async ([url, data, ks]) => {
    const m = await import(url);
    const x0 = m.toSigned(m.decode(data.pixels));
    const noise = m.decode(data.noise);
    const alphaBar = m.decode(data.alphaBar);
    return ks.map((k) => ({
        xk: Array.from(m.qSample(x0, k, noise, alphaBar)),
        share: m.signalFraction(alphaBar[k], data.meanSquare),
    }));
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("name", "zsnr"), [*((s, False) for s in SCHEDULES), ("linear", True)])
def test_browser_x_k_equals_q_sample(js_page, name, zsnr):
    pixels = bundled_image("digit", 24)
    noise = np.random.default_rng(3).standard_normal(pixels.shape)
    schedule = noise_schedule(name, 300, zero_terminal_snr=zsnr)
    x0 = to_signed(pixels)
    data = noise_data(pixels, noise, schedule, 0, mean_square=float(np.mean(x0**2)))
    ks = [0, 1, 57, 150, 298, 299]
    got = js_page.evaluate(BROWSER_Q_SAMPLE, [module_url("noise_views.js"), data, ks])
    sent_noise = read_typed_array(data["noise"]).astype(np.float64)  # ε as the browser has it
    np.testing.assert_array_equal(read_typed_array(data["pixels"]), pixels)
    for k, result in zip(ks, got, strict=True):
        expected = schedule.q_sample(x0, k, sent_noise).ravel()
        assert np.abs(np.array(result["xk"]) - expected).max() <= 1e-12, (name, k)
        share = signal_fraction(schedule.alpha_bar[k], float(np.mean(x0**2)))
        assert result["share"] == pytest.approx(float(share), abs=1e-12)
    # ε travels as float32: at most half a float32 step from the library's float64 draw
    assert np.abs(sent_noise - noise).max() <= np.abs(noise).max() * 2.0**-24


def test_noise_data_refuses_mismatched_arrays():
    pixels = bundled_image("digit", 16)
    schedule = noise_schedule("cosine", 50)
    with pytest.raises(ValueError, match="must have the same shape"):
        noise_data(pixels, np.zeros((3, 3)), schedule, 0, mean_square=0.5)
    with pytest.raises(ValueError, match="must be uint8"):
        noise_data(pixels.astype(float), np.zeros(pixels.shape), schedule, 0, mean_square=0.5)
    with pytest.raises(ValueError):
        noise_data(pixels, np.zeros(pixels.shape), schedule, 50, mean_square=0.5)


def test_at_step_moves_k_and_shares_the_arrays():
    pixels = bundled_image("digit", 16)
    schedule = noise_schedule("cosine", 50)
    noise = np.random.default_rng(1).standard_normal(pixels.shape)
    data = noise_data(pixels, noise, schedule, 0, mean_square=0.5)
    moved = at_step(data, 49)
    assert (moved["k"], data["k"]) == (49, 0)  # the data it was given is left as it was
    assert moved == noise_data(pixels, noise, schedule, 49, mean_square=0.5)
    assert moved["noise"] is data["noise"]  # the arrays are not copied
    for k in (-1, 50):
        with pytest.raises(ValueError, match="must be in 0 … 49"):
            at_step(data, k)


# ── the panels of §1, §3, §4 and §5: every number and picture against the library ──────────
BROWSER_PANELS = """async ([url, step, told, ks]) => {
    const m = await import(url);
    const x0 = m.toSigned(m.decode(step.pixels));
    const noise = m.decode(step.noise);
    const alphaBar = m.decode(step.alphaBar);
    const betas = m.decode(step.betas);
    const freqs = m.decode(told.freqs);
    const table = m.sqrtOneMinusAlphaBar(alphaBar);
    const { height, width, channels } = step;
    return ks.map((k) => {
        const xk = m.qSample(x0, k, noise, alphaBar);
        const sigmaHat = m.estimateSigma(xk, height, width, channels);
        const kHat = m.timestepFromSigma(sigmaHat, table);
        const v = m.velocity(x0, noise, alphaBar[k]);
        return {
            sigma: table[k], sigmaHat, kHat,
            v: Array.from(v),
            vPixels: Array.from(m.toUint8(v)),
            xkPixels: Array.from(m.toUint8(xk)),
            embedding: Array.from(m.timestepEmbedding(k, freqs, told.d)),
            gains: m.TARGETS.map((t) => String(m.x0ErrorGain(t, alphaBar[k]))),
            readouts: [
                m.scheduleReadout(k, step.schedule, betas, alphaBar),
                m.toldReadout(k, told, alphaBar),
                m.levelReadout(k, table[k], sigmaHat, kHat),
                m.targetsReadout(k, alphaBar, { epsilon: "ε-prediction",
                    sample: "x₀-prediction", v_prediction: "v-prediction" }),
            ],
        };
    });
}"""


def gain_text(gain: float) -> str:
    """The gain as §5's caption wrote it in Python before the browser drew it."""
    return "∞ (no x̂₀ at all)" if not np.isfinite(gain) else f"{gain:.3g}"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("name", "zsnr", "image", "size"),
    [
        ("linear", False, "hopper", 33),
        ("cosine", True, "digit", 24),
        ("sigmoid", False, "pattern", 17),
    ],
)
def test_browser_panels_equal_the_library(js_page, name, zsnr, image, size):
    """σ̂, k̂, v, the gains and P(k) to 1e-12 (float64 both), x_k's and v's pictures pixel for
    pixel, and the sentences read out at k in the formats of the Python captions they replace."""
    from timestep_lab.encodings import targets as tg
    from timestep_lab.encodings import timestep_embedding
    from timestep_lab.images import to_uint8
    from timestep_lab.images.noise_level import estimate_sigma, timestep_from_sigma
    from timestep_lab.ui.components.noise_views import panel_data

    pixels = bundled_image(image, size)  # odd sizes: HH drops the last row and column
    noise = np.random.default_rng(5).standard_normal(pixels.shape)
    schedule = noise_schedule(name, 400, zero_terminal_snr=zsnr)
    x0 = to_signed(pixels)
    step = noise_data(pixels, noise, schedule, 0, mean_square=float(np.mean(x0**2)))
    told = panel_data("told", step, dim=128, base=10_000.0)
    ks = [0, 1, 2, 37, 150, 200, 398, 399]
    got = js_page.evaluate(BROWSER_PANELS, [module_url("noise_views.js"), step, told, ks])
    sent_noise = read_typed_array(step["noise"]).astype(np.float64)  # ε as the browser has it
    table = schedule.sqrt_one_minus_alpha_bar
    for k, result in zip(ks, got, strict=True):
        a = schedule.alpha_bar[k]
        xk = schedule.q_sample(x0, k, sent_noise)
        sigma_hat = estimate_sigma(xk)
        k_hat = int(timestep_from_sigma(sigma_hat, table))
        assert result["sigma"] == table[k]
        assert abs(result["sigmaHat"] - sigma_hat) <= 1e-12, (k, result["sigmaHat"], sigma_hat)
        assert result["kHat"] == k_hat, k
        v = tg.velocity(x0, sent_noise, a)
        assert np.abs(np.array(result["v"]) - v.ravel()).max() <= 1e-12, k
        np.testing.assert_array_equal(result["vPixels"], to_uint8(v).ravel())
        np.testing.assert_array_equal(result["xkPixels"], to_uint8(xk).ravel())
        row = timestep_embedding([k], 128, base=10_000.0)[0]
        assert np.abs(np.array(result["embedding"]) - row).max() <= 1e-12, k
        gains = [float(tg.x0_error_gain(t, a)) for t in tg.TARGETS]
        for browser, library in zip(result["gains"], gains, strict=True):
            assert float(browser) == pytest.approx(library, abs=1e-12, rel=1e-12)
        names = "ε-prediction", "x₀-prediction", "v-prediction"
        at_k = "; ".join(f"{n} {gain_text(g)}" for n, g in zip(names, gains, strict=True))
        assert result["readouts"] == [
            f"At k = {k}, {name} has β_k = {schedule.betas[k]:.4g}, ᾱ_k = {a:.4f}, "
            f"√ᾱ_k = {schedule.sqrt_alpha_bar[k]:.4f}, √(1−ᾱ_k) = {table[k]:.4f}.",
            f"P({k}) with d = 128, n = 10000, transformer layout: 128 values in [−1, 1]. "
            f"Under {name} with T = 400, this k means ᾱ_k = {a:.4f}.",
            f"At k = {k}: σ_k = {table[k]:.4f}, σ̂ from x_k alone = {sigma_hat:.4f}, "
            f"pointing to k̂ = {k_hat}.",
            f"v here is {np.sqrt(a):.3f}·ε − {np.sqrt(1 - a):.3f}·x₀. Error gain at k = {k}: "
            f"{at_k}.",
        ], k
    # x₀'s and ε's pictures in §5 are the library's too
    pictures = js_page.evaluate(
        """async ([url, step]) => {
            const m = await import(url);
            return [Array.from(m.toUint8(m.toSigned(m.decode(step.pixels)))),
                    Array.from(m.toUint8(m.decode(step.noise)))];
        }""",
        [module_url("noise_views.js"), step],
    )
    np.testing.assert_array_equal(pictures[0], to_uint8(x0).ravel())
    np.testing.assert_array_equal(pictures[1], to_uint8(sent_noise).ravel())


FORMATS = """async ([url, values]) => {
    const m = await import(url);
    return values.map((x) => [m.formatG(x, 3), m.formatG(x, 4), m.fixed(x, 3), m.fixed(x, 4),
                              m.roundHalfEven(x)]);
}"""


@pytest.mark.browser
def test_browser_formats_numbers_as_python_does(js_page):
    """The readouts' .3g, .4g, .3f and .4f, ties and exponents included, and np.round's ties."""
    values = [0.03125, 0.00015625, 2.5, 3.5, -0.5, 1e-5, 0.0001, 123456.0, 999.95, 0.99995,
              0.012345678, 1.0, 0.5, 157.9871, 6.0e-05, 12.5, 0.000125, 1234.5]  # fmt: skip
    got = js_page.evaluate(FORMATS, [module_url("noise_views.js"), values])
    for x, result in zip(values, got, strict=True):
        assert result[:4] == [f"{x:.3g}", f"{x:.4g}", f"{x:.3f}", f"{x:.4f}"], x
        assert result[4] == float(np.round(x)), x


def test_panel_data_refuses_an_unknown_panel_and_a_level_panel_without_its_sweep():
    from timestep_lab.ui.components.noise_views import panel_data

    pixels = bundled_image("digit", 16)
    step = noise_data(pixels, np.zeros(pixels.shape), noise_schedule("cosine", 50), 7,
                      mean_square=0.5)  # fmt: skip
    with pytest.raises(ValueError, match="not one of schedule, told, level, targets"):
        panel_data("heatmap", step)
    with pytest.raises(ValueError, match="needs the sweep"):
        panel_data("level", step)
    told = panel_data("told", step, dim=6, base=100.0)
    assert (told["token"], told["k"], told["T"], told["nText"]) == (step["token"], 7, 50, "100")
