"""What the sinusoids are fed: k, s·t, log-SNR or c_noise, and how far each pair then turns."""

import numpy as np
import pytest

from timestep_lab.encodings import frequencies, noise_schedule, timestep_embedding
from timestep_lab.encodings import time_inputs as ti

K = np.arange(1000)


@pytest.mark.parametrize("schedule_name", ["linear", "cosine", "scaled_linear"])
def test_inputs_follow_their_definitions(schedule_name):
    schedule = noise_schedule(schedule_name, 1000)
    np.testing.assert_array_equal(ti.encoding_input("index", K, schedule.alpha_bar), K)
    np.testing.assert_allclose(
        ti.encoding_input("t", K, schedule.alpha_bar, scale=999.0), 999.0 * K / 1000
    )
    log_snr = ti.encoding_input("logsnr", K, schedule.alpha_bar)
    np.testing.assert_allclose(log_snr, np.log(schedule.snr), rtol=1e-12)
    # EDM (Karras et al. 2022, Table 1): σ = √((1−ᾱ)/ᾱ), c_noise = ¼·ln σ
    sigma = schedule.sqrt_one_minus_alpha_bar / schedule.sqrt_alpha_bar
    np.testing.assert_allclose(
        ti.encoding_input("cnoise", K, schedule.alpha_bar), np.log(sigma) / 4, rtol=1e-10
    )
    assert np.all(np.diff(log_snr) < 0)  # the noise level rises with k


def test_t_in_unit_range_with_n_1e4_is_nearly_constant():
    """The page's claim: fed t ∈ [0, 1] with n = 10⁴, nearly every pair barely turns."""
    alpha_bar = noise_schedule("linear", 1000).alpha_bar
    t = ti.encoding_input("t", K, alpha_bar, scale=1.0)
    turns = ti.pair_turns(t, 128)
    assert turns.max() == pytest.approx(0.999 / (2 * np.pi))  # ω₀ = 1 over a range of 0.999
    assert ti.still_pairs(turns) >= 0.8 * turns.size
    assert ti.end_similarity(timestep_embedding(t, 128)) > 0.95
    # scaled up (score SDE's 999·t) or the index: the ends are far apart
    for values in (ti.encoding_input("t", K, alpha_bar, scale=999.0), K):
        assert ti.end_similarity(timestep_embedding(values, 128)) < 0.3
        assert ti.still_pairs(ti.pair_turns(values, 128)) <= 0.15 * turns.size


def test_pair_turns_are_frequency_times_range():
    values = np.array([-3.0, 2.0, 7.0])
    np.testing.assert_allclose(
        ti.pair_turns(values, 16, base=100.0, convention="ldm"),
        frequencies(16, base=100.0, convention="ldm") * 10 / (2 * np.pi),
    )


def test_end_similarity_is_the_cosine_of_the_first_and_last_rows():
    rows = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 2.0]])
    assert ti.end_similarity(rows) == pytest.approx(0.0)
    assert ti.end_similarity(rows[:2]) == pytest.approx(np.sqrt(0.5))


def test_bad_input_is_a_value_error():
    alpha_bar = noise_schedule("linear", 10).alpha_bar
    with pytest.raises(ValueError, match="kind='sigma'"):
        ti.encoding_input("sigma", [0], alpha_bar)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scale"):
        ti.encoding_input("t", [0], alpha_bar, scale=0.0)
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        ti.encoding_input("index", [10], alpha_bar)
    zsnr = noise_schedule("linear", 10, zero_terminal_snr=True).alpha_bar
    with pytest.raises(ValueError, match="zero terminal SNR"):
        ti.encoding_input("logsnr", np.arange(10), zsnr)
