"""A short training run lowers the loss, is deterministic, and writes loadable weights."""

import json

import numpy as np
import pytest

from timestep_lab.models.pretrained import WeightsError, load_pretrained
from timestep_lab.models.train import train


def test_digits_smoke_run_lowers_the_loss_and_round_trips(tmp_path):
    result = train("digits", steps=40, out_dir=tmp_path, progress=False)
    losses = result.losses
    assert len(losses) == 40
    # the zero-initialised output starts at ε̂ = 0, loss ≈ E[ε²] = 1
    assert np.mean(losses[:5]) > 0.8
    assert np.mean(losses[-10:]) < 0.75 * np.mean(losses[:5])
    model, card = load_pretrained("digits", weights_dir=tmp_path)
    assert card["training"]["steps_done"] == 40
    assert card["weights"]["dtype"] == "float16"
    assert model.describe()["params"] == card["description"]["params"]


def test_training_is_deterministic():
    a = train("toy2d", steps=25, progress=False).losses
    b = train("toy2d", steps=25, progress=False).losses
    assert a == b
    assert np.mean(a[-5:]) < np.mean(a[:5])


def test_a_written_card_detects_a_swapped_file(tmp_path):
    train("toy2d", steps=2, out_dir=tmp_path, progress=False)
    card_path = tmp_path / "toy2d.json"
    card = json.loads(card_path.read_text())
    card["weights"]["sha256"] = "0" * 64
    card_path.write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="do not match"):
        load_pretrained("toy2d", weights_dir=tmp_path)


def test_bad_steps_is_a_value_error():
    with pytest.raises(ValueError, match="steps"):
        train("toy2d", steps=0, progress=False)
    with pytest.raises(ValueError, match="digits"):
        train("mnist", steps=1, progress=False)
