"""What each interaction of the class costs the server: CPU time and bytes, one at a time.

One websocket session (``streamlit_client.Session``) against a server this script starts on
loopback, after one warm-up visit of every page. It opens each page of the class benchmark's
scenario (``benchmarks.classroom.SCENARIO``) and makes each of its moves ``--reps`` times,
reading the server process's CPU time (user + system, /proc) before and after each rerun and
a short rest after it, so the event loop's sending is counted too. A class on one process is
this cost times the rate of moves: the figure that decides how many students one core serves.

    python -m benchmarks.server_cpu              # 12 of each
    python -m benchmarks.server_cpu --reps 30

Prints a table (median and mean CPU ms, median wall ms, median bytes) and the CPU of one
student's pass through the scenario (an open of each page, three moves on it, the moves
weighted equally, as ``classroom`` picks them, and a click on another tab where it has
tabs); saves the figures in benchmarks/results.json under "server_cpu". CPU time is counted
in the kernel's clock ticks (10 ms): medians of few reruns are coarse, means less so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
from collections.abc import Coroutine
from pathlib import Path

from benchmarks.classroom import PAGE_TABS, SCENARIO, warm_up, widget_value
from benchmarks.streamlit_client import Session, cpu_seconds, start_server

RESULTS = Path(__file__).with_name("results.json")
REST_S = 0.15  # after each rerun, so the server has sent everything before CPU is read


async def measure(reps: int) -> dict:
    process, url, _ = start_server()
    rows: dict[str, dict] = {}
    try:
        await warm_up(url)
        rng = random.Random(0)
        tag = 0
        async with Session(url, timeout=120) as session:

            async def timed(name: str, rerun: Coroutine) -> None:
                before = cpu_seconds(process.pid)
                result = await rerun
                await asyncio.sleep(REST_S)
                row = rows.setdefault(name, {"cpu_ms": [], "wall_ms": [], "bytes": []})
                row["cpu_ms"].append(1000 * (cpu_seconds(process.pid) - before))
                row["wall_ms"].append(1000 * result.seconds)
                row["bytes"].append(result.bytes)
                if result.exceptions:
                    raise RuntimeError(f"{name}: {result.exceptions}")

            for page, query, moves in SCENARIO:
                for _ in range(reps):
                    await timed(f"{page or 'home'}:open", session.open(page, query))
                for key, values in moves:
                    for _ in range(reps):
                        tag += 1
                        value = widget_value(key, rng.choice(values), tag)
                        await timed(f"{page}:{key}", session.set(key, value))
                tabs = PAGE_TABS.get(page, ())
                for rep in range(reps if tabs else 0):  # another tab, then back to the first
                    label = tabs[1 + rep // 2 % (len(tabs) - 1)] if rep % 2 == 0 else tabs[0]
                    await timed(f"{page}:tab", session.set("tab", label))
    finally:
        process.terminate()
        process.wait(timeout=30)
    table = {
        name: {
            "n": len(row["cpu_ms"]),
            "cpu_ms_median": round(statistics.median(row["cpu_ms"]), 1),
            "cpu_ms_mean": round(statistics.mean(row["cpu_ms"]), 1),
            "wall_ms_median": round(statistics.median(row["wall_ms"]), 1),
            "bytes_median": round(statistics.median(row["bytes"])),
        }
        for name, row in rows.items()
    }
    pass_ms = 0.0  # one student's pass: open each page, three moves on it, then another tab
    for page, _, moves in SCENARIO:
        pass_ms += table[f"{page or 'home'}:open"]["cpu_ms_mean"]
        if moves:
            pass_ms += 3 * statistics.mean(table[f"{page}:{k}"]["cpu_ms_mean"] for k, _ in moves)
        if page in PAGE_TABS:
            pass_ms += table[f"{page}:tab"]["cpu_ms_mean"]
    return {"reps": reps, "interactions": table, "student_pass_cpu_ms": round(pass_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=12, choices=range(3, 101), metavar="3…100")
    args = parser.parse_args()
    report = asyncio.run(measure(args.reps))
    print(f"{'interaction':28} {'CPU ms median':>13} {'mean':>6} {'wall ms':>8} {'bytes':>10}")
    for name, row in report["interactions"].items():
        print(
            f"{name:28} {row['cpu_ms_median']:>13} {row['cpu_ms_mean']:>6} "
            f"{row['wall_ms_median']:>8} {row['bytes_median']:>10,}"
        )
    print(
        f"one student's pass (each page opened, three moves on it, another tab): "
        f"{report['student_pass_cpu_ms']} ms of server CPU"
    )
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["server_cpu"] = report
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
