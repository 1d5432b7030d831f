"""The torch denoisers of Timestep Lab: shipped weights, sampling, training and evaluation.

Imports flow one way: pages → ``timestep_lab.models`` → ``timestep_lab.encodings`` (NumPy).
The stable entry points for pages:

- ``load_pretrained(name) -> (model, card)`` for ``name`` in ``MODEL_NAMES``; raises
  ``WeightsError`` (a ``ValueError``) when weights are missing, corrupt or altered.
- ``model_schedule(card)``: the ``NoiseSchedule`` the model was trained with.
- ``sample_trajectory(model, schedule, ...)`` yields a ``Step`` per sampler step;
  ``sample(...)`` returns only the final samples; ``TimestepLie`` tells the network another time.
- ``model.describe()``: layer sizes for a diagram.

Command lines: ``python -m timestep_lab.models.train NAME``, ``… .sample``, ``… .evaluate``.
Note: ``timestep_lab.models.sample`` is the function below; the command-line module of the same
name is run with ``-m`` (importing it in-process would rebind this attribute to the module).
"""

from timestep_lab.models.pretrained import (
    DIGITS_NAMES,
    MODEL_NAMES,
    WeightsError,
    load_card,
    load_pretrained,
    model_schedule,
)
from timestep_lab.models.sampling import (
    LIE_MODES,
    SAMPLERS,
    Step,
    TimestepLie,
    sample,
    sample_trajectory,
)

__all__ = [
    "DIGITS_NAMES",
    "LIE_MODES",
    "MODEL_NAMES",
    "SAMPLERS",
    "Step",
    "TimestepLie",
    "WeightsError",
    "load_card",
    "load_pretrained",
    "model_schedule",
    "sample",
    "sample_trajectory",
]
