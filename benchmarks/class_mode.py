"""Class mode under load: 60 students answer a guess within 5 s; the teacher watches, reveals.

Each student and the teacher is a real websocket session (``streamlit_client.Session``) on
the walkthrough, and each reruns its live fragment on the timer the server asked for (1.5 s
for students, 1 s for the teacher), as the browser does. Two setups:

- ``one``: one server process with the default store (an SQLite file);
- ``two``: two server processes sharing one Redis (students alternate between them; the
  teacher is on the first).

It prints, and merges into benchmarks/results.json under "class_mode": answers sent, stored
and lost; whether the histogram the teacher's screen draws equals the one of the guesses
sent; the time from the last answer sent until the teacher's screen shows it; students'
answer reruns (p50/p95); the time from the teacher's Reveal until each student's screen
shows it (p50/p95); the fragment refreshes (p95); server CPU seconds. Loopback only.

    python -m benchmarks.class_mode                       # both setups, 60 students
    python -m benchmarks.class_mode --setup two --students 30
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.redis_server import start_redis, stop
from benchmarks.streamlit_client import Session, cpu_seconds, start_server
from timestep_lab.classroom import Classroom, open_store
from timestep_lab.figures.classroom import guess_bins
from timestep_lab.lesson import Guess, lesson
from timestep_lab.ui.classroom import STORE_SETTING

RESULTS = Path(__file__).with_name("results.json")
STEPS = lesson()
GUESS_STEP = next(n for n, s in enumerate(STEPS, 1) if isinstance(s.questions[0], Guess))
ANSWERED = re.compile(r"^(\d+) answered")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Watcher(Session):
    """A session that also keeps the plotly figures it was sent (the teacher's counts)."""

    def _note_element(self, element, exceptions, texts) -> None:
        if element.WhichOneof("type") == "plotly_chart":
            self.charts = getattr(self, "charts", {})
            self.charts[element.plotly_chart.id.rsplit("-", 1)[-1]] = element.plotly_chart.spec
        elif element.WhichOneof("type") == "alert":
            texts.append(element.alert.body)
        super()._note_element(element, exceptions, texts)


def plotted_counts(spec: str) -> list[int]:
    """The bar heights of a plotly bar figure, plain list or typed array (``bdata``)."""
    y = json.loads(spec)["data"][0]["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
    return [int(v) for v in y]


async def poll(
    session: Session, lock: asyncio.Lock, stop_at: float, log: dict[str, list[float]], phase: float
) -> None:
    """Rerun the session's timed fragments as the frontend does, until ``stop_at``.

    phase: seconds to wait first. Students open the link at different moments, so their
    timers are out of step; started together they would all refresh at once.
    """
    await asyncio.sleep(phase)
    while time.monotonic() < stop_at:
        if not session.auto_reruns:
            await asyncio.sleep(0.2)
            continue
        fragment_id, interval = next(iter(session.auto_reruns.items()))
        await asyncio.sleep(interval)
        async with lock:
            if fragment_id in session.auto_reruns:
                result = await session.fragment(fragment_id)
                log["revealed" if log.get("revealing") else "waiting"].append(result.seconds)
                session.last_texts = result.texts


async def run_class(urls: list[str], store_url: str, students: int, window: float) -> dict:
    room = Classroom(open_store(store_url), STEPS)
    code, token = room.start(GUESS_STEP)
    question = STEPS[GUESS_STEP - 1].questions[0]
    key = f"class_{code}_{GUESS_STEP}_0"
    rng = random.Random(0)
    guesses = [rng.randint(question.lo, question.hi) for _ in range(students)]
    answer_times: list[float] = []
    sent_at: list[float] = []
    fragment_log: dict[str, list] = {"waiting": [], "revealed": []}
    reveal_seen: dict[int, float] = {}
    errors: list[str] = []
    after = STEPS[GUESS_STEP - 1].after

    teacher = Watcher(urls[0], timeout=120)
    sessions = [Watcher(urls[i % len(urls)], timeout=120) for i in range(students)]
    locks = [asyncio.Lock() for _ in sessions]
    teacher_lock = asyncio.Lock()
    async with teacher:
        opened = await teacher.open("walkthrough", f"room={code}&teacher={token}")
        errors += opened.exceptions
        assert "teacher=" not in teacher.query, "the teacher link must leave the address bar"
        for session in sessions:
            await session.__aenter__()
        try:
            for session in sessions:  # the class has arrived before the question
                result = await session.open("walkthrough", f"room={code}")
                errors += result.exceptions
            stop_at = time.monotonic() + window + 60
            pollers = [
                asyncio.create_task(poll(s, lock, stop_at, fragment_log, rng.uniform(0, 1.5)))
                for s, lock in zip(sessions, locks, strict=True)
            ]
            seen_all = asyncio.get_running_loop().create_future()
            teacher_frames: list[float] = []

            async def teacher_watch() -> None:
                while time.monotonic() < stop_at and not seen_all.done():
                    fragment_id, interval = next(iter(teacher.auto_reruns.items()))
                    await asyncio.sleep(interval)
                    async with teacher_lock:
                        result = await teacher.fragment(fragment_id)
                        teacher_frames.append(result.seconds)
                        counts = [int(m.group(1)) for t in result.texts if (m := ANSWERED.match(t))]
                        if counts and counts[0] == students:
                            seen_all.set_result(time.monotonic())

            watcher = asyncio.create_task(teacher_watch())

            async def answer(i: int) -> None:
                await asyncio.sleep(rng.uniform(0, window))
                async with locks[i]:
                    sent_at.append(time.monotonic())  # the student lets go of the slider
                    result = await sessions[i].set(key, guesses[i])
                answer_times.append(result.seconds)
                errors.extend(result.exceptions)
                errors.extend(t for t in result.texts if "too fast" in t or "not counted" in t)

            start = time.monotonic()
            await asyncio.gather(*(answer(i) for i in range(students)))
            answered_in = time.monotonic() - start
            shown_at = await asyncio.wait_for(seen_all, 60)
            teacher_delay = shown_at - max(sent_at)
            await watcher

            # The histogram on the teacher's screen against the guesses sent.
            async with teacher_lock:
                await teacher.fragment(next(iter(teacher.auto_reruns)))
            drawn = plotted_counts(teacher.charts["class_counts_0"])
            _, sent = guess_bins(guesses, question.lo, question.hi)
            stored = room.counts(code, GUESS_STEP)[0]

            # Reveal, then time each student's screen until it shows the explanation.
            fragment_log["revealing"] = [True]
            for session in sessions:  # only a screen drawn after the click counts
                session.last_texts = []
            revealed_at = time.monotonic()  # the teacher clicks Reveal

            async def wait_reveal(i: int) -> None:
                while time.monotonic() < revealed_at + 30:
                    if any(after in t for t in sessions[i].last_texts):
                        reveal_seen[i] = time.monotonic() - revealed_at
                        return
                    await asyncio.sleep(0.01)

            waiting = [asyncio.create_task(wait_reveal(i)) for i in range(students)]
            async with teacher_lock:
                reveal = await teacher.set("class_reveal", True)
            errors += reveal.exceptions
            await asyncio.gather(*waiting)
            for task in pollers:
                task.cancel()
        finally:
            for session in sessions:
                await session.__aexit__(None, None, None)
    room.store.close()
    return {
        "students": students,
        "answered within (s)": round(answered_in, 2),
        "answers sent / stored / lost": [students, len(stored), students - len(stored)],
        "stored guesses equal those sent": sorted(stored) == sorted(guesses),
        "teacher's histogram equals the guesses'": drawn == sent.tolist(),
        "last answer sent → on the teacher's screen (s)": round(teacher_delay, 2),
        "answer rerun p50 / p95 (s)": [
            round(percentile(answer_times, 50), 3),
            round(percentile(answer_times, 95), 3),
        ],
        "reveal reaches students p50 / p95 / max (s)": [
            round(percentile(list(reveal_seen.values()), 50), 2),
            round(percentile(list(reveal_seen.values()), 95), 2),
            round(max(reveal_seen.values(), default=float("nan")), 2),
        ],
        "students who saw the reveal": len(reveal_seen),
        "teacher's own Reveal rerun (s)": round(reveal.seconds, 2),
        "students' live check while answering p50 / p95 (s)": [
            round(percentile(fragment_log["waiting"], 50), 3),
            round(percentile(fragment_log["waiting"], 95), 3),
        ],
        "students' live checks while answering": len(fragment_log["waiting"]),
        "teacher refresh p95 (s)": round(percentile(teacher_frames, 95), 3),
        "errors": errors[:5],
    }


def measure(setup: str, students: int, window: float) -> dict:
    redis_process = None
    folder = tempfile.mkdtemp(prefix="class-bench-")
    if setup == "two":
        redis_process, store_url = start_redis()
    else:
        store_url = f"sqlite:///{folder}/classes.sqlite3"
    servers = []
    try:
        for _ in range(2 if setup == "two" else 1):
            process, url, _ = start_server(env={STORE_SETTING: store_url})
            servers.append((process, url))
        cpu_before = [cpu_seconds(p.pid) for p, _ in servers]
        load_before = os.getloadavg()[0]
        figures = asyncio.run(run_class([u for _, u in servers], store_url, students, window))
        figures["server CPU (s)"] = [
            round(cpu_seconds(p.pid) - b, 1) for (p, _), b in zip(servers, cpu_before, strict=True)
        ]
        figures["load average (1 min) before / after"] = [
            round(load_before, 2),
            round(os.getloadavg()[0], 2),
        ]
        figures["store"] = "Redis" if setup == "two" else "SQLite"
        figures["processes"] = len(servers)
        return figures
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=15)
        if redis_process is not None:
            stop(redis_process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", choices=("one", "two", "both"), default="both")
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--window", type=float, default=5.0, help="seconds the answers span")
    args = parser.parse_args()
    if not 1 <= args.students <= 200:
        parser.error("--students must be between 1 and 200")
    setups = ("one", "two") if args.setup == "both" else (args.setup,)
    results = {}
    for setup in setups:
        figures = measure(setup, args.students, args.window)
        results[f"{setup} process{'es' if setup == 'two' else ''}"] = figures
        print(f"\n== {figures['processes']} process(es), {figures['store']} ==")
        for name, value in figures.items():
            print(f"{name:45s} {value}")
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved["class_mode"] = results
    RESULTS.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
