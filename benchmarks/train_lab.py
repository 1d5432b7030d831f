"""The training lab's figures: time to a useful default result, what each conditioning reaches,
and a class of 30 pressing Train at once.

    python -m benchmarks.train_lab time                 # the default run, one core
    python -m benchmarks.train_lab conditionings        # 7 conditionings × 3 seeds, 1D and 2D
    python -m benchmarks.train_lab queue --sessions 30  # 30 trainings on one server

``time`` and ``conditionings`` run in this process with one torch thread (as a job does).
``queue`` starts a server on a free loopback port; 30 websocket sessions
(``streamlit_client.Session``) each press Train with their own seed (30 different trainings,
the worst case; one shared link trains once), while 5 more sessions move k on the encoding and
noise pages. It reports how long each student waited for a result (the first and the last
among them), the most trainings seen running at once (from the progress lines each student
saw: a lower bound, to within a poll), the queue places the page showed, how the wait
estimates shown compared with the waits that followed, and the other pages' latency against
the same server with no training. Polling is a full rerun every ``--poll`` seconds (default 2;
a browser reruns only the progress fragment, which is lighter), so the load is an upper bound.
Prints figures and merges them into benchmarks/results.json under "train_lab". The machine's
load (``os.getloadavg``) is printed beside every wall time: other work on a shared CPU
stretches wall times, not CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("results.json")
PRESETS = ("bumps_1d", "ring_2d")
SEEDS = (0, 1, 2)
POLL_S = 2.0
RUNNING = re.compile(r"^\w+, seed \d+: ")  # a training's own progress line (not "Queued: …")
ESTIMATE = re.compile(r"should be done in about (\d+) (s|min)")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def merge(section: str, figures: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data.setdefault("train_lab", {})[section] = figures
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def time_default() -> dict:
    from timestep_lab.models import lab
    from timestep_lab.models.labdata import preset

    out = {}
    for name in PRESETS:
        data = preset(name)
        settings = lab.LabSettings()
        start, cpu = time.perf_counter(), time.process_time()
        ref = lab.reference(data, settings.make_schedule())
        ref_wall, ref_cpu = time.perf_counter() - start, time.process_time() - cpu
        result = lab.train_lab(settings, data, ref)
        out[name] = {
            "reference_wall_s": round(ref_wall, 2),
            "reference_cpu_s": round(ref_cpu, 2),
            "train_wall_s": round(result.seconds, 2),
            "train_cpu_s": round(result.cpu_seconds, 2),
            "steps": result.steps_done,
            "error_to_eps_star": round(result.error_to_star, 4),
            "blind_excess": round(ref.blind_floor() - ref.floor(), 4),
            "energy_distance": round(result.quality, 4),
            "real_vs_real": round(result.quality_floor, 4),
            "load": load(),
        }
        print(name, out[name], flush=True)
    return out


def conditionings() -> dict:
    from timestep_lab.models import lab
    from timestep_lab.models.labdata import preset
    from timestep_lab.models.timecond import CONDITIONINGS

    out: dict = {}
    for name in PRESETS:
        data = preset(name)
        ref = lab.reference(data, lab.LabSettings().make_schedule())
        out[name] = {"floor": ref.floor(), "blind_floor": ref.blind_floor(), "runs": {}}
        print(f"{name}: ε* floor {ref.floor():.4f}, k-blind floor {ref.blind_floor():.4f}")
        print(f"{'cond':12} {'error to ε* (mean ± sd)':>26} {'gap to blind':>20} {'energy':>18}")
        for cond in CONDITIONINGS:
            rows = [
                lab.train_lab(lab.LabSettings(cond=cond, seed=s), data, ref).row() for s in SEEDS
            ]
            stats = {
                col: (float(np.mean(v)), float(np.std(v, ddof=1)))
                for col in ("error to ε*", "gap to blind floor", "energy distance", "final loss")
                for v in [[r[col] for r in rows]]
            }
            out[name]["runs"][cond] = {c: [round(m, 4), round(s, 4)] for c, (m, s) in stats.items()}
            print(
                f"{cond:12} "
                + " ".join(
                    f"{m:>+12.4f} ± {s:.4f}"
                    for m, s in (
                        stats["error to ε*"],
                        stats["gap to blind floor"],
                        stats["energy distance"],
                    )
                ),
                flush=True,
            )
        out[name]["real_vs_real"] = rows[0]["real-vs-real"]
        out[name]["seeds"] = list(SEEDS)
        out[name]["settings"] = repr(lab.LabSettings())
    out["load"] = load()
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "min": round(min(values), 3) if values else None,
        "p50": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "max": round(max(values), 3) if values else None,
    }


def progress_session(url: str):
    """A ``Session`` that also records progress-bar texts (the queue place lives there)."""
    from benchmarks.streamlit_client import Session

    class ProgressSession(Session):
        def _note_element(self, element, exceptions, texts, *rest):
            if element.WhichOneof("type") == "progress":
                texts.append(element.progress.text)
            super()._note_element(element, exceptions, texts, *rest)

    return ProgressSession(url, timeout=300)


def note_texts(texts: list[str], seen: dict, log: dict) -> None:
    """Record the queue places, the first wait estimate and when the training ran."""
    now = time.monotonic()
    for t in texts:
        if "Queued: place" in t:
            log["places"].append(t)
            found = ESTIMATE.search(t)
            if found and "estimate" not in seen:
                seen["estimate"] = (int(found[1]) * (60 if found[2] == "min" else 1), now)
        elif RUNNING.match(t):
            seen.setdefault("first_running", now)
            seen["last_running"] = now


async def trainee(i: int, url: str, steps: int, log: dict, poll_s: float) -> None:
    query = f"train_steps={steps}&seed={i}&vs=off&data=bumps_1d"
    seen: dict = {}
    async with progress_session(url) as s:
        await s.open("train", query)
        pressed = time.monotonic()
        result = await s.set("train", True)
        log["press_s"].append(result.seconds)
        note_texts(result.texts, seen, log)
        while True:
            await asyncio.sleep(poll_s)
            result = await s.open("train", query)
            log["errors"].extend(result.exceptions)
            note_texts(result.texts, seen, log)
            if any("The best any network told k" in t for t in result.texts):
                log["wait_s"].append(time.monotonic() - pressed)
                break
            if time.monotonic() - pressed > 900:
                log["errors"].append(f"trainee {i}: no result after 900 s")
                break
    if "first_running" in seen:
        log["running"].append((seen["first_running"], seen["last_running"]))
        if "estimate" in seen:
            estimate, at = seen["estimate"]
            log["estimates"].append((estimate, seen["first_running"] - at))


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The most intervals [first seen, last seen] that hold one moment (a start of one)."""
    return max((sum(a <= t <= b for a, b in intervals) for t, _ in intervals), default=0)


async def mover(i: int, url: str, until: asyncio.Event, log: dict, name: str) -> None:
    from benchmarks.streamlit_client import Session

    rng = random.Random(i)
    async with Session(url, timeout=120) as s:
        pages = (("encoding", "k"), ("noise", "k"))
        for page, _ in pages:
            await s.open(page)
        while not until.is_set():
            page, key = rng.choice(pages)
            await s.open(page)
            result = await s.set(key, rng.randrange(0, 1000))
            log[name].append(result.seconds)
            log["errors"].extend(result.exceptions)
            await asyncio.sleep(rng.uniform(0.5, 1.5))


async def queue(sessions: int, steps: int, baseline_s: float, poll_s: float) -> dict:
    from benchmarks.streamlit_client import Session, cpu_seconds, start_server

    process, url, _ = start_server()
    log: dict[str, list] = defaultdict(list)
    try:
        async with Session(url, timeout=300) as warm:  # imports, first reference
            for page in ("", "encoding", "noise", "train"):
                await warm.open(page)
        quiet = asyncio.Event()
        movers = [asyncio.create_task(mover(i, url, quiet, log, "idle_k_s")) for i in range(5)]
        await asyncio.sleep(baseline_s)
        quiet.set()
        await asyncio.gather(*movers)
        busy = asyncio.Event()
        cpu0, t0 = cpu_seconds(process.pid), time.monotonic()
        movers = [asyncio.create_task(mover(i, url, busy, log, "busy_k_s")) for i in range(5)]
        await asyncio.gather(*(trainee(i, url, steps, log, poll_s) for i in range(sessions)))
        busy.set()
        await asyncio.gather(*movers)
        wall, cpu = time.monotonic() - t0, cpu_seconds(process.pid) - cpu0
    finally:
        process.terminate()
        process.wait(timeout=30)
    places = sorted({int(t.split("place ")[1].split(" ")[0]) for t in log["places"]})
    return {
        "sessions": sessions,
        "steps_each": steps,
        "poll_s": poll_s,
        "wait_for_result_s": summary(log["wait_s"]),
        "most_trainings_seen_running_at_once": most_at_once(log["running"]),
        "wait_estimates_shown": {
            "n": len(log["estimates"]),
            # how long the training then waited until it was seen running, over the estimate
            "actual_over_estimate_p50": round(
                percentile([a / max(e, 1) for e, a in log["estimates"]], 50), 2
            )
            if log["estimates"]
            else None,
        },
        "press_rerun_s": summary(log["press_s"]),
        "queue_places_shown": [places[0], places[-1]] if places else [],
        "other_pages_k_move_s": {
            "no_training": summary(log["idle_k_s"]),
            "during_trainings": summary(log["busy_k_s"]),
        },
        "server_cpu_s": round(cpu, 1),
        "wall_s": round(wall, 1),
        "errors": log["errors"][:10],
        "error_count": len(log["errors"]),
        "load": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("time", "conditionings", "queue"))
    parser.add_argument("--sessions", type=int, default=30, choices=range(1, 61), metavar="1…60")
    parser.add_argument("--steps", type=int, default=500, help="training steps each (queue)")
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds without training")
    parser.add_argument("--poll", type=float, default=POLL_S, help="seconds between full reruns")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.what == "time":
        merge("time", time_default())
    elif args.what == "conditionings":
        merge("conditionings", conditionings())
    else:
        report = asyncio.run(queue(args.sessions, args.steps, args.baseline, args.poll))
        print(json.dumps(report, indent=2, ensure_ascii=False))
        merge("queue", report)
    print(load())


if __name__ == "__main__":
    main()
