"""Shipped weights: present, small, hash-checked, never unpickled, with complete model cards."""

import shutil

import pytest
import torch

from timestep_lab.models.pretrained import (
    DIGITS_NAMES,
    MODEL_NAMES,
    WEIGHTS_DIR,
    WeightsError,
    load_card,
    load_pretrained,
    sha256_of,
    weights_paths,
)

MB = 1024 * 1024


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_shipped_weights_load_and_match_their_hash(name):
    weights, _ = weights_paths(name)
    card = load_card(name)
    assert sha256_of(weights) == card["weights"]["sha256"]
    assert weights.stat().st_size <= 3.5 * MB
    model, loaded_card = load_pretrained(name)
    assert loaded_card == card
    assert not model.training
    assert all(not p.requires_grad and p.dtype == torch.float32 for p in model.parameters())
    assert card["training"]["steps_done"] == card["training"]["steps"], "training was cut short"
    assert card["evaluation"], "run python -m timestep_lab.models.evaluate to fill the card"
    for key in ("architecture", "timestep_encoding", "schedule", "data", "training"):
        assert card[key], key


def test_ablation_twins_differ_only_in_the_timestep_encoding():
    cards = [load_card(name) for name in DIGITS_NAMES]
    modes = [c["timestep_encoding"]["mode"] for c in cards]
    assert modes == ["sinusoidal", "scalar", "raw", "none"]
    for card in cards[1:]:
        for key in ("schedule", "data"):
            assert card[key] == cards[0][key]
        arch = {**card["architecture"], "time_mode": None}
        assert arch == {**cards[0]["architecture"], "time_mode": None}
        budget = {k: card["training"][k] for k in ("steps", "steps_done", "batch_size", "seed")}
        assert budget == {k: cards[0]["training"][k] for k in budget}


def test_all_weights_together_stay_small():
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.glob("*.safetensors"))
    assert total <= 15 * MB


def _copy(tmp_path, name="digits"):
    for path in weights_paths(name):
        shutil.copy(path, tmp_path / path.name)
    return weights_paths(name, tmp_path)


def test_a_corrupt_file_is_a_weights_error(tmp_path):
    weights, _ = _copy(tmp_path)
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="do not match"):
        load_pretrained("digits", weights_dir=tmp_path)


def test_a_missing_file_is_a_weights_error(tmp_path):
    weights, card = _copy(tmp_path)
    weights.unlink()
    with pytest.raises(WeightsError, match="missing"):
        load_pretrained("digits", weights_dir=tmp_path)
    card.unlink()
    with pytest.raises(WeightsError, match="model card"):
        load_pretrained("digits", weights_dir=tmp_path)


def test_a_pickle_with_a_matching_hash_is_refused(tmp_path):
    weights, card_path = _copy(tmp_path)
    torch.save({"x": torch.zeros(1)}, weights)  # a pickle, not safetensors
    card = load_card("digits", tmp_path)
    card["weights"]["sha256"] = sha256_of(weights)
    card_path.write_text(__import__("json").dumps(card))
    with pytest.raises(WeightsError, match="cannot be loaded"):
        load_pretrained("digits", weights_dir=tmp_path)


def test_weights_error_is_a_value_error_and_names_are_checked():
    assert issubclass(WeightsError, ValueError)
    with pytest.raises(ValueError, match="digits"):
        load_pretrained("mnist")
