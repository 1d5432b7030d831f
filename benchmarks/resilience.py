"""One student cannot take the class down: the issue-13 reproductions replayed on a real server.

Starts ``streamlit run app.py`` on loopback and drives it with protocol-level sessions
(``streamlit_client.Session``), sampling the server's RSS every 0.1 s and its CPU time:

1. ``/encoding?T=4000&d=1024&k=0``, then 40 k moves back to back: RSS baseline, peak, 30 s after.
2. Uploads that decode huge (tests/images/corpus.py ``huge_images``): the peak memory of
   ``decode_image`` in a fresh process for each (the page calls exactly this).
3. The heaviest Generate link (``/denoiser?model=digits&sampler=ddpm&steps=S&num=64&w=8&
   label=all``; S = 1000, or the largest S the page accepts with ``--heavy-steps auto``):
   CPU-seconds of one such job; then 8 tabs running it while another student presses the
   default Generate three times (their times, and the wait before their first step), the
   server's CPU-seconds in the 5 s after the 8 tabs close, and RSS 30 s later.
4. The matrix P at T = 4000, d = 1024 as a download: bytes and CPU-seconds per build.
5. "Run the strip" closed 3 s after it started: the server's CPU-seconds in the next 10 s.
6. The scheduler's unit of work: CPU time of one network evaluation of one digit or point.

    python -m benchmarks.resilience            # everything (several minutes)
    python -m benchmarks.resilience --skip-load
    python -m benchmarks.resilience --only-strip

Figures depend on the machine and on what else runs on it: the load average is printed.
Bounded in sessions and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.streamlit_client import ROOT, Session, cpu_seconds, rss_mb, start_server

HEAVY = "model=digits&sampler=ddpm&num=64&w=8&label=all"


class Watched(Session):
    """A session that also records when each progress bar text arrived."""

    def __init__(self, url: str, timeout: float = 600.0) -> None:
        super().__init__(url, timeout=timeout)
        self.progress: list[tuple[float, str]] = []

    def _note_element(self, element, exceptions, texts) -> None:
        kind = element.WhichOneof("type")
        if kind == "progress":
            self.progress.append((time.perf_counter(), element.progress.text))
        elif kind == "alert":
            texts.append(element.alert.body)
        super()._note_element(element, exceptions, texts)


class RssSampler:
    """The server's RSS every 0.1 s in a thread; ``peak`` since the last ``reset``."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.overall, self._stop = pid, 0.0, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = rss_mb(self.pid)
            self.peak, self.overall = max(self.peak, now), max(self.overall, now)
            time.sleep(0.1)

    def reset(self) -> None:
        self.peak = rss_mb(self.pid)

    def stop(self) -> None:
        self._stop.set()


async def generate(url: str, query: str) -> dict:
    """Open the denoiser with ``query``, press Generate, wait for the run to end."""
    async with Watched(url) as s:
        await s.open("denoiser", query)
        clicked = time.perf_counter()
        result = await s.set("generate", True)
        steps = [t for t, text in s.progress if text.startswith(("Step", "Run"))]
        return {
            "seconds": result.seconds,
            "wait_s": (steps[0] - clicked) if steps else None,
            "done": any(t.startswith("Done:") for t in result.texts),
        }


async def encoding_memory(url: str, pid: int, rss: RssSampler, moves: int) -> dict:
    async with Watched(url) as s:
        await s.open("encoding", "T=4000&d=1024&k=0")
        before = rss_mb(pid)
        rss.reset()
        start = time.perf_counter()
        for k in range(1, moves + 1):
            await s.set("k", k)
        seconds = time.perf_counter() - start
        peak = rss.peak
    await asyncio.sleep(30)
    return {
        "moves": moves,
        "seconds": round(seconds, 1),
        "rss_before_mb": round(before),
        "rss_peak_mb": round(peak),
        "rss_30s_after_mb": round(rss_mb(pid)),
    }


PEAK_PROBE = """
import sys
from pathlib import Path
def peak():  # VmHWM, the peak RSS; reset first (a child inherits its parent's ru_maxrss)
    line = [x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM")]
    return int(line[0].split()[1])
data = Path(sys.argv[1]).read_bytes()
from timestep_lab.images.uploads import decode_image
Path("/proc/self/clear_refs").write_text("5")
before = peak()
try:
    decoded = decode_image(data)
    outcome = "decoded"
except ValueError as error:
    outcome = "refused: " + str(error)
print((peak() - before) * 1024)
print(outcome)
"""


def decode_peak(data: bytes) -> tuple[int, str]:
    """Bytes by which decoding ``data`` raises a fresh process's peak memory, and the outcome.

    Also used by tests/images/test_uploads.py, so the test and this benchmark measure alike.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.bin"
        path.write_bytes(data)
        out = subprocess.run(
            [sys.executable, "-c", PEAK_PROBE, str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.splitlines()
    return int(out[0]), out[1]


def upload_peaks() -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.images.corpus import huge_images

    out = {}
    for name, (_, data, _) in huge_images().items():
        peak, outcome = decode_peak(data)
        out[name] = {
            "file_kb": len(data) // 1024,
            "peak_mb": round(peak / 2**20),
            "outcome": outcome.split(":")[0],
        }
    return out


def download_costs() -> dict:
    import numpy as np

    from timestep_lab.encodings import timestep_embedding
    from timestep_lab.ui.downloads import csv_text

    P = timestep_embedding(np.arange(4000), 1024)
    out = {}
    start = time.process_time()
    text = csv_text(["k", *[f"P_{j}" for j in range(1024)]], [np.arange(4000), *P.T])
    out["csv"] = {"mb": round(len(text) / 2**20, 1), "cpu_s": round(time.process_time() - start, 2)}
    try:
        from timestep_lab.ui.downloads import npz_bytes
    except ImportError:
        return out
    start = time.process_time()
    data = npz_bytes({"P": P, "k": np.arange(4000)})
    out["npz"] = {"mb": round(len(data) / 2**20, 1), "cpu_s": round(time.process_time() - start, 2)}
    return out


async def strip_after_close(url: str, pid: int, steps: int = 200) -> dict:
    """Start "Run the strip" (five runs), close the tab 3 s later: the server's CPU after."""
    async with Watched(url) as s:
        await s.open("denoiser", f"steps={steps}&seed=7301")
        task = asyncio.create_task(s.set("strip_run", True))
        await asyncio.sleep(3)
        task.cancel()
        closed = cpu_seconds(pid)
    await asyncio.sleep(10)
    return {"steps": steps, "server_cpu_s_in_10s_after_close": round(cpu_seconds(pid) - closed, 1)}


def unit_costs() -> dict:
    """CPU time of one network evaluation of one sample (the scheduler's unit), per model."""
    import torch

    from timestep_lab import models

    torch.set_num_threads(1)  # as the app runs
    out = {}
    for name, num in (("digits", 64), ("toy2d", 4000)):
        model, card = models.load_pretrained(name)
        schedule = models.model_schedule(card)
        start = time.process_time()
        models.sample(model, schedule, sampler="ddim", steps=20, num=num, guidance=2.0, labels=0)
        per = (time.process_time() - start) / (20 * num * 2)
        out[name] = {"us_per_sample_pass_step": round(per * 1e6, 1)}
    out["digit_over_point"] = round(
        out["digits"]["us_per_sample_pass_step"] / out["toy2d"]["us_per_sample_pass_step"], 1
    )
    return out


def heavy_steps(option: str) -> int:
    if option != "auto":
        return int(option)
    try:
        from timestep_lab.ui.jobs import MAX_COST
    except ImportError:
        return 1000
    return min(1000, 1000 * MAX_COST // 128_000)  # 64 images × 2 passes per step


async def load(url: str, pid: int, steps: int, tabs: int) -> dict:
    heavy_query = f"{HEAVY}&steps={steps}"
    cpu0, start = cpu_seconds(pid), time.perf_counter()
    solo = await generate(url, heavy_query + "&seed=7001")
    solo["cpu_s"] = round(cpu_seconds(pid) - cpu0, 1)
    solo["seconds"] = round(time.perf_counter() - start, 1)
    idle = [await generate(url, f"seed={8000 + i}") for i in range(3)]

    sessions = [Watched(url) for _ in range(tabs)]
    for i, s in enumerate(sessions):
        await s.__aenter__()
        await s.open("denoiser", f"{heavy_query}&seed={7100 + i}")
    tasks = [asyncio.create_task(s.set("generate", True)) for s in sessions]
    await asyncio.sleep(5)
    busy = [await generate(url, f"seed={8100 + i}") for i in range(3)]
    for task in tasks:
        task.cancel()
    for s in sessions:
        await s.ws.close()  # the tabs close
    closed = cpu_seconds(pid)
    await asyncio.sleep(5)
    after_close = cpu_seconds(pid) - closed
    quiet_since = time.monotonic()
    last = cpu_seconds(pid)
    while time.monotonic() - quiet_since < 180:  # wait for the server to go quiet
        await asyncio.sleep(2)
        now = cpu_seconds(pid)
        if now - last < 0.3:
            break
        last = now
    await asyncio.sleep(30)
    return {
        "heavy_steps": steps,
        "solo_heavy": solo,
        "default_generate_idle_s": [round(r["seconds"], 2) for r in idle],
        "default_generate_under_load_s": [round(r["seconds"], 2) for r in busy],
        "default_wait_before_first_step_under_load_s": [
            round(r["wait_s"], 2) if r["wait_s"] is not None else None for r in busy
        ],
        "server_cpu_s_in_5s_after_tabs_closed": round(after_close, 1),
        "seconds_until_quiet_after_close": round(time.monotonic() - quiet_since, 1),
        "rss_30s_after_quiet_mb": round(rss_mb(pid)),
    }


async def run(args) -> dict:
    process, url, _ = start_server()
    rss = RssSampler(process.pid)
    try:
        for page, query in (("", ""), ("encoding", ""), ("noise", ""), ("denoiser", "")):
            async with Session(url) as s:
                await s.open(page, query)
        await generate(url, "seed=1")  # torch and the model loaded
        await asyncio.sleep(2)
        result = {"load_average": os.getloadavg(), "rss_warm_idle_mb": round(rss_mb(process.pid))}
        result["strip_closed_after_3s"] = await strip_after_close(url, process.pid)
        if args.only_strip:
            return result
        result["encoding_k_moves"] = await encoding_memory(url, process.pid, rss, args.moves)
        if not args.skip_load:
            steps = heavy_steps(args.heavy_steps)
            result["heavy_generate"] = await load(url, process.pid, steps, args.tabs)
        result["rss_peak_whole_run_mb"] = round(rss.overall)
    finally:
        rss.stop()
        process.terminate()
        process.wait(timeout=30)
    result["upload_decode"] = upload_peaks()
    result["download_P_4000x1024"] = download_costs()
    result["unit_cost"] = unit_costs()
    result["load_average_end"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--tabs", type=int, default=8)
    parser.add_argument("--heavy-steps", default="auto", help="S of the heavy link, or auto")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--only-strip", action="store_true", help="only the strip-close check")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
