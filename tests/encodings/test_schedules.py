"""Noise schedules: equal to diffusers' DDPMScheduler, and the properties the math promises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timestep_lab.encodings import SCHEDULES, noise_schedule

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")

# Our name → diffusers' DDPMScheduler settings. Its beta_start/beta_end defaults are the
# linear ones, so Stable Diffusion's scaled_linear needs its own range.
DIFFUSERS_CONFIG = {
    "linear": dict(beta_schedule="linear"),
    "scaled_linear": dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012),
    "cosine": dict(beta_schedule="squaredcos_cap_v2"),
    "sigmoid": dict(beta_schedule="sigmoid"),
}
SWEEP_T = (10, 50, 1000, 4000)


def reference(name, num_timesteps, zero_terminal_snr):
    scheduler = diffusers.DDPMScheduler(
        num_train_timesteps=num_timesteps,
        rescale_betas_zero_snr=zero_terminal_snr,
        **DIFFUSERS_CONFIG[name],
    )
    return scheduler.betas.double().numpy(), scheduler.alphas_cumprod.double().numpy()


# ── conformance to diffusers (float32 there, float64 here) ───────────────────────────
@pytest.mark.parametrize("zero_terminal_snr", [False, True], ids=["plain", "zsnr"])
@pytest.mark.parametrize("num_timesteps", SWEEP_T)
@pytest.mark.parametrize("name", SCHEDULES)
def test_matches_diffusers(name, num_timesteps, zero_terminal_snr):
    ours = noise_schedule(name, num_timesteps, zero_terminal_snr=zero_terminal_snr)
    betas, alpha_bar = reference(name, num_timesteps, zero_terminal_snr)
    # diffusers runs the zero-SNR rescale in float32, where it subtracts nearly equal numbers
    # and loses a few digits (up to ~3e-6 absolute); the float64 test below checks it exactly.
    atol = 1e-5 if zero_terminal_snr else 1e-7
    np.testing.assert_allclose(ours.betas, betas, rtol=2e-5, atol=atol)
    # cumprod in float32 over thousands of steps drifts by ~1e-6 relative
    np.testing.assert_allclose(ours.alpha_bar, alpha_bar, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("num_timesteps", SWEEP_T)
@pytest.mark.parametrize("name", SCHEDULES)
def test_zero_terminal_snr_rescale_equals_diffusers_in_float64(name, num_timesteps):
    """The same algorithm as diffusers' rescale_zero_terminal_snr, run in float64 on both sides."""
    from diffusers.schedulers.scheduling_ddpm import rescale_zero_terminal_snr

    plain = noise_schedule(name, num_timesteps)
    expected = rescale_zero_terminal_snr(torch.from_numpy(plain.betas.copy())).numpy()
    ours = noise_schedule(name, num_timesteps, zero_terminal_snr=True)
    np.testing.assert_allclose(ours.betas, expected, rtol=1e-12, atol=1e-15)


# ── pinned values, by lineage ───────────────────────────────────────────────────────
def test_ddpm_linear_pinned():
    """DDPM (Ho et al. 2020): β from 1e-4 to 0.02 over T = 1000; ᾱ_999 ≈ 4.04e-5."""
    s = noise_schedule("linear", 1000)
    assert s.betas[0] == pytest.approx(1e-4)
    assert s.betas[-1] == pytest.approx(0.02)
    assert s.alpha_bar[-1] == pytest.approx(4.0358e-5, rel=1e-3)


def test_stable_diffusion_scaled_linear_pinned():
    """LDM/SD: √β linear from √0.00085 to √0.012; terminal √ᾱ ≈ 0.068 (Lin et al. 2023, §3.1)."""
    s = noise_schedule("scaled_linear", 1000)
    assert s.betas[0] == pytest.approx(0.00085)
    assert s.betas[-1] == pytest.approx(0.012)
    assert s.sqrt_alpha_bar[-1] == pytest.approx(0.068265, rel=1e-3)


def test_improved_ddpm_cosine_pinned():
    """Improved DDPM (Nichol & Dhariwal 2021): ᾱ follows cos² and the last β is capped."""
    s = noise_schedule("cosine", 1000)
    t = np.arange(1, 1000) / 1000
    f = np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2
    f0 = np.cos(0.008 / 1.008 * np.pi / 2) ** 2
    np.testing.assert_allclose(s.alpha_bar[:-1], f / f0, rtol=1e-9)
    assert s.betas[-1] == pytest.approx(0.999)


def test_zero_terminal_snr_ends_in_pure_noise():
    """Lin et al. 2023: ᾱ_{T−1} = 0 exactly, ᾱ_0 kept, SNR −inf dB at the end only."""
    plain = noise_schedule("scaled_linear", 1000)
    zsnr = noise_schedule("scaled_linear", 1000, zero_terminal_snr=True)
    assert zsnr.alpha_bar[-1] == 0.0
    assert zsnr.betas[-1] == pytest.approx(1.0)
    assert zsnr.alpha_bar[0] == pytest.approx(plain.alpha_bar[0], rel=1e-12)
    assert zsnr.snr[-1] == 0.0
    assert np.isneginf(zsnr.snr_db[-1])
    assert np.all(np.isfinite(zsnr.snr_db[:-1]))


# ── properties ──────────────────────────────────────────────────────────────────────
schedule_args = st.tuples(
    st.sampled_from(SCHEDULES), st.integers(2, 10_000), st.booleans()
)  # beyond ~70 000 steps ᾱ underflows to 0 in float64 and stops decreasing


@settings(max_examples=60, deadline=None)
@given(schedule_args)
def test_betas_in_unit_interval_and_alpha_bar_strictly_decreasing(args):
    name, num_timesteps, zero_terminal_snr = args
    s = noise_schedule(name, num_timesteps, zero_terminal_snr=zero_terminal_snr)
    assert s.betas.shape == (num_timesteps,)
    assert s.betas.dtype == np.float64
    assert np.all(s.betas > 0)
    if zero_terminal_snr:
        assert np.all(s.betas[:-1] < 1) and s.betas[-1] == pytest.approx(1.0)
    else:
        assert np.all(s.betas < 1)
    assert np.all(np.diff(s.alpha_bar) < 0)
    assert 0 < s.alpha_bar[0] < 1
    # signal and noise coefficients split unit variance: ᾱ + (1 − ᾱ) = 1
    np.testing.assert_allclose(s.sqrt_alpha_bar**2 + s.sqrt_one_minus_alpha_bar**2, 1.0)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(SCHEDULES),
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
)
def test_q_sample_at_first_step_is_almost_x0(name, seed, batch):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-1, 1, size=(batch, 3, 4, 4))
    noise = rng.standard_normal(x0.shape)
    s = noise_schedule(name, 1000)
    x_first = s.q_sample(x0, 0, noise)
    # β_0 ≤ 0.00085 for every schedule at T = 1000: x_0 moves by a few hundredths at most
    assert np.max(np.abs(x_first - x0)) <= 0.03 * np.max(np.abs(noise)) + 1e-3
    np.testing.assert_allclose(
        x_first, s.sqrt_alpha_bar[0] * x0 + s.sqrt_one_minus_alpha_bar[0] * noise
    )


@settings(max_examples=40, deadline=None)
@given(schedule_args, st.integers(0, 2**32 - 1))
def test_predict_x0_inverts_q_sample(args, seed):
    name, num_timesteps, zero_terminal_snr = args
    s = noise_schedule(name, num_timesteps, zero_terminal_snr=zero_terminal_snr)
    rng = np.random.default_rng(seed)
    t = rng.integers(0, num_timesteps, size=4)
    t = t[s.alpha_bar[t] > 1e-6]  # x_0 cannot be recovered from pure noise
    x0 = rng.uniform(-1, 1, size=(t.size, 2, 3))
    noise = rng.standard_normal(x0.shape)
    xt = s.q_sample(x0, t, noise)
    np.testing.assert_allclose(s.predict_x0_from_eps(xt, t, noise), x0, atol=1e-6)


def test_q_sample_with_one_timestep_per_sample():
    s = noise_schedule("linear", 10)
    x0 = np.ones((3, 2))
    noise = np.zeros((3, 2))
    xt = s.q_sample(x0, [0, 4, 9], noise)
    np.testing.assert_allclose(xt[:, 0], s.sqrt_alpha_bar[[0, 4, 9]])


def test_tables_are_read_only():
    s = noise_schedule("cosine", 100)
    for table in (s.betas, s.alphas, s.alpha_bar, s.sqrt_alpha_bar, s.snr, s.snr_db):
        with pytest.raises(ValueError):
            table[0] = 0.5


# ── errors ──────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("name", ["evil", "", "Linear", "squaredcos_cap_v2", None])
def test_unknown_schedule_lists_valid_names(name):
    with pytest.raises(ValueError, match="linear, scaled_linear, cosine, sigmoid"):
        noise_schedule(name, 1000)


@pytest.mark.parametrize("num_timesteps", [0, 1, -5, 2.5, True, "1000", 10**6, float("nan")])
def test_bad_number_of_timesteps(num_timesteps):
    with pytest.raises(ValueError, match="num_timesteps"):
        noise_schedule("linear", num_timesteps)


@pytest.mark.parametrize("t", [-1, 10, 2.5, float("nan"), [0, 10]])
def test_timesteps_outside_range(t):
    s = noise_schedule("linear", 10)
    with pytest.raises(ValueError, match="timesteps"):
        s.q_sample(np.zeros(3), t, np.zeros(3))


def test_q_sample_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        noise_schedule("linear", 10).q_sample(np.zeros(3), 0, np.zeros(4))
