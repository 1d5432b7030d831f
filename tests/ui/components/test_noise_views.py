"""The browser's x_k (noise_views.js) equals NoiseSchedule.q_sample on the data Python sends."""

import numpy as np
import pytest

from tests.ui.components.conftest import module_url
from timestep_lab.encodings import SCHEDULES, noise_schedule, signal_fraction
from timestep_lab.images import bundled_image, to_signed
from timestep_lab.ui.components import read_typed_array
from timestep_lab.ui.components.noise_views import noise_data

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
