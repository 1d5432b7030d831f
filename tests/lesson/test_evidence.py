"""The model-card sentences of timestep_lab.lesson.evidence quote the cards, and say only that."""

from timestep_lab.lesson.evidence import blind_model_sentence, measured, scalar_twin_sentence


def test_the_blind_sentence_says_the_sampler_still_uses_alpha_bar_and_quotes_its_frechet_cost():
    """H3, N45: the digits-none network is never told k, but its sampler uses ᾱ_k; the
    sentence gives its Fréchet distance beside the P(k) model's and their ratio."""
    sentence = blind_model_sentence()
    blind, told = measured("digits-none", "frechet"), measured("digits", "frechet")
    assert "sampler still uses ᾱ_k" in sentence
    assert "trained and sampled with no timestep" not in sentence
    assert f"{blind.value:.2f}" in sentence and f"{told.value:.2f}" in sentence
    assert f"({blind.value / told.value:.1f}×)" in sentence
    assert blind.value > told.value  # "it pays in Fréchet distance"


def test_the_scalar_twin_sentence_quotes_both_cards():
    """E17, W41: the k/T twin's accuracy and Fréchet beside P(k)'s, from the cards."""
    sentence = scalar_twin_sentence()
    for name in ("digits-scalar", "digits"):
        assert f"{100 * measured(name, 'class_accuracy').value:.1f}%" in sentence
        assert f"{measured(name, 'frechet').value:.2f}" in sentence
