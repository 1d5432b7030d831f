"""Print how long the shipped denoisers take to import, load and sample on this CPU, and the
process memory. A script that prints figures, not a timed assertion.

Run: ``python benchmarks/models_speed.py``.
"""

from __future__ import annotations

import resource
import time

start = time.perf_counter()
import torch  # noqa: E402

import_torch_s = time.perf_counter() - start

from timestep_lab.models import load_pretrained, model_schedule, sample  # noqa: E402


def _ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0


def main() -> None:
    """Time loading and sampling of the ``digits`` and ``toy2d`` models."""
    torch.set_flush_denormal(True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"import torch: {import_torch_s * 1000:.0f} ms")
    t = time.perf_counter()
    model, card = load_pretrained("digits")
    print(f"load_pretrained('digits'): {(time.perf_counter() - t) * 1000:.0f} ms")
    schedule = model_schedule(card)
    sample(model, schedule, steps=5, labels=3, num=16)  # warm-up
    runs = [
        ("digits DDIM-50, w = 1", {"steps": 50, "guidance": 1.0}),
        ("digits DDIM-50, w = 2", {"steps": 50, "guidance": 2.0}),
        ("digits DDIM-20, w = 2", {"steps": 20, "guidance": 2.0}),
        ("digits DDPM-1000, w = 1", {"sampler": "ddpm", "steps": 1000, "guidance": 1.0}),
    ]
    for label, options in runs:
        ms = _ms(lambda o=options: sample(model, schedule, labels=3, num=16, **o))
        print(f"{label:<26} 16 samples: {ms:8.0f} ms")
    toy, toy_card = load_pretrained("toy2d")
    toy_schedule = model_schedule(toy_card)
    ms = _ms(lambda: sample(toy, toy_schedule, steps=50, labels=0, num=2000))
    print(f"{'toy2d DDIM-50, w = 1':<26} 2000 points: {ms:7.0f} ms")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
