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


def test_a_card_is_parsed_once_per_version_of_its_file(tmp_path, monkeypatch):
    """Pages quote the cards several times a run: the file is parsed once, and again only
    when it changes (a retrained model's new card)."""
    import json
    import os

    from timestep_lab.lesson import evidence

    monkeypatch.setattr(evidence, "CARDS_DIR", tmp_path)
    card = tmp_path / "digits.json"
    assert evidence.card_evaluation("digits") == {}  # no card yet
    card.write_text(json.dumps({"evaluation": {"num": 10}}), encoding="utf-8")
    first = evidence.card_evaluation("digits")
    assert first == {"num": 10}
    assert evidence.card_evaluation("digits") is first  # not read again
    card.write_text(json.dumps({"evaluation": {"num": 2000}}), encoding="utf-8")
    os.utime(card, ns=(card.stat().st_atime_ns, card.stat().st_mtime_ns + 1))
    assert evidence.card_evaluation("digits") == {"num": 2000}
    card.write_text("not json", encoding="utf-8")
    assert evidence.card_evaluation("digits") == {}
