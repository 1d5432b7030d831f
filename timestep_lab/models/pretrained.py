"""The pretrained denoisers shipped with the app: names, architectures and safe loading.

Each model ``NAME`` lives in ``timestep_lab/models/weights/`` as ``NAME.safetensors`` (fp16
tensors, never pickled) beside its model card ``NAME.json`` (architecture, timestep encoding,
schedule, data, training budget, evaluation numbers and the weights' sha256).

| name            | denoiser | how the timestep k enters                                |
|-----------------|----------|----------------------------------------------------------|
| `digits`        | UNet 8×8 | sinusoidal P(k) (transformer layout, d = 64) → MLP         |
| `digits-scalar` | UNet 8×8 | k/T in every column → the same MLP                       |
| `digits-raw`    | UNet 8×8 | the bare index k in every column (magnitude grows with k) |
| `digits-none`   | UNet 8×8 | zeros: the network is never told k                       |
| `toy2d`         | MLP      | sinusoidal P(k); one model for moons, swiss_roll, rings   |

``load_pretrained(name)`` returns ``(model, card)``; the model is in eval mode with gradients
off, float32, on the CPU. A missing, corrupt or altered file raises ``WeightsError`` (a
``ValueError``) whose message a page can show as is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from timestep_lab.encodings import NoiseSchedule, noise_schedule
from timestep_lab.models.mlp2d import MLP2D
from timestep_lab.models.unet import UNet

ModelName = Literal["digits", "digits-scalar", "digits-raw", "digits-none", "toy2d"]
MODEL_NAMES: tuple[ModelName, ...] = (
    "digits",
    "digits-scalar",
    "digits-raw",
    "digits-none",
    "toy2d",
)
DIGITS_NAMES: tuple[ModelName, ...] = MODEL_NAMES[:4]
WEIGHTS_DIR = Path(__file__).parent / "weights"

# The one schedule every shipped model was trained with; see ``train.py`` for why cosine.
SCHEDULE: dict[str, Any] = {"name": "cosine", "num_timesteps": 1000, "zero_terminal_snr": False}
DIGITS_ARCH: dict[str, Any] = {
    "image_size": 8,
    "channels": [32, 64, 64],
    "enc_dim": 64,
    "emb_dim": 128,
    "num_classes": 10,
    "num_timesteps": 1000,
    "convention": "transformer",
}
TOY2D_ARCH: dict[str, Any] = {
    "width": 192,
    "depth": 4,
    "enc_dim": 64,
    "emb_dim": 128,
    "num_classes": 3,
    "num_timesteps": 1000,
    "convention": "transformer",
}
#: Architecture of each name: (kind, constructor arguments).
ARCHITECTURES: dict[str, tuple[str, dict[str, Any]]] = {
    "digits": ("unet", {**DIGITS_ARCH, "time_mode": "sinusoidal"}),
    "digits-scalar": ("unet", {**DIGITS_ARCH, "time_mode": "scalar"}),
    "digits-raw": ("unet", {**DIGITS_ARCH, "time_mode": "raw"}),
    "digits-none": ("unet", {**DIGITS_ARCH, "time_mode": "none"}),
    "toy2d": ("mlp2d", {**TOY2D_ARCH, "time_mode": "sinusoidal"}),
}
#: Data range x̂_0 is clipped to while sampling (diffusers' ``clip_sample_range``).
CLIP_RANGE: dict[str, float] = {"unet": 1.0, "mlp2d": 1.5}

Denoiser = UNet | MLP2D


class WeightsError(ValueError):
    """A model's weights or card are missing, unreadable or do not match their sha256."""


def check_name(name: str) -> None:
    """Raise ValueError unless ``name`` is one of ``MODEL_NAMES``."""
    if name not in MODEL_NAMES:
        raise ValueError(f"model={name!r} is not one of {', '.join(MODEL_NAMES)}")


def build_model(kind: str, config: dict[str, Any]) -> Denoiser:
    """A freshly initialised denoiser of ``kind`` (``unet`` or ``mlp2d``) with ``config``."""
    if kind == "unet":
        return UNet(**{**config, "channels": tuple(config["channels"])})
    if kind == "mlp2d":
        return MLP2D(**config)
    raise ValueError(f"kind={kind!r} is not one of unet, mlp2d")


def model_schedule(card: dict[str, Any]) -> NoiseSchedule:
    """The noise schedule a model card says its model was trained with."""
    s = card["schedule"]
    return noise_schedule(s["name"], s["num_timesteps"], zero_terminal_snr=s["zero_terminal_snr"])


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def weights_paths(name: str, weights_dir: Path | None = None) -> tuple[Path, Path]:
    """(``NAME.safetensors``, ``NAME.json``) of a model in ``weights_dir`` (default: shipped)."""
    folder = WEIGHTS_DIR if weights_dir is None else Path(weights_dir)
    return folder / f"{name}.safetensors", folder / f"{name}.json"


def load_card(name: str, weights_dir: Path | None = None) -> dict[str, Any]:
    """The model card of ``name`` as a dict; WeightsError if missing or not valid JSON."""
    check_name(name)
    _, card_path = weights_paths(name, weights_dir)
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise WeightsError(f"The model card for {name!r} is missing ({card_path.name}).") from err
    except (OSError, ValueError) as err:
        raise WeightsError(f"The model card for {name!r} cannot be read: {err}") from err


def load_pretrained(
    name: str, *, weights_dir: Path | None = None
) -> tuple[Denoiser, dict[str, Any]]:
    """Load a shipped denoiser after checking its sha256; returns (model, card).

    name: one of ``MODEL_NAMES``. weights_dir: folder holding the files (default: shipped).
    Raises WeightsError when the weights are missing, corrupt or altered.
    """
    card = load_card(name, weights_dir)
    weights_path, _ = weights_paths(name, weights_dir)
    if not weights_path.is_file():
        raise WeightsError(f"The weights of {name!r} are missing ({weights_path.name}).")
    expected = card.get("weights", {}).get("sha256")
    actual = sha256_of(weights_path)
    if actual != expected:
        raise WeightsError(
            f"The weights of {name!r} do not match their model card (sha256 {actual[:12]}… "
            f"instead of {str(expected)[:12]}…): the file is corrupt or was replaced."
        )
    try:
        state = load_file(weights_path)  # safetensors: plain tensors, no pickle
        model = build_model(card["kind"], card["architecture"])
        model.load_state_dict({key: t.float() for key, t in state.items()})
    except (SafetensorError, KeyError, RuntimeError, TypeError) as err:
        raise WeightsError(f"The weights of {name!r} cannot be loaded: {err}") from err
    return freeze(model), card


def freeze(model: nn.Module) -> Denoiser:
    """Put a model in eval mode with gradients off (read-only use, shareable between threads)."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model  # type: ignore[return-value]
