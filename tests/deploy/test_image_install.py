"""The Dockerfile's build, replayed without Docker: its install steps in a fresh virtual
environment, its COPY steps into a folder laid out like the image, then the app run from there.

No Docker engine runs in CI, so this is the closest check of "the image works": the same
`pip install` commands (read from the Dockerfile, never copied here), the same files (the COPY
steps, filtered by .dockerignore), the same ENV, CMD and HEALTHCHECK. What differs, on purpose:

- The base image's Python is this machine's (the FROM tag's minor version must match it).
- The torch step names `--index-url https://download.pytorch.org/whl/cpu`, which CI cannot
  reach. It is replayed as two commands: first the same arguments with `--no-index --no-deps`
  instead of the index, so torch itself comes only from pip's configured `--find-links`
  (PIP_FIND_LINKS or pip.conf; this machine's holds torch-2.13.0+cpu), then the same
  arguments with this machine's pip configuration and no index option, which adds torch's
  dependencies (filelock, sympy, ...; the PyTorch index serves copies of the same PyPI
  releases). Letting pip pick torch from PyPI instead would fetch the multi-GB CUDA build; a
  machine without a local CPU wheel fails fast at the first command. Set
  TIMESTEP_LAB_TORCH_INDEX_URL to replay the step as written with that index instead (the
  Dockerfile's own URL, where it is reachable). The installed torch must be a CPU build
  either way.
- `--no-cache-dir` is dropped so repeated runs reuse pip's download cache (the image does not
  want a cache; a test machine does), and `--no-compile` is added: byte-compiling all of torch
  costs CPU time and changes nothing the test checks. Everything else in the steps is
  replayed as written.
- The server binds 127.0.0.1 on a free port instead of 0.0.0.0:8501, and the HEALTHCHECK
  command is run against that port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.dockerfile import (
    ROOT,
    copy_step,
    copy_steps,
    env_values,
    exec_form,
    healthcheck_command,
    image_workdir_of,
    instructions,
    pip_install_steps,
)

pytestmark = pytest.mark.slow

PYTORCH_INDEX_PREFIX = "https://download.pytorch.org/whl/"
INSTALL_TIMEOUT_S = 1200
SMOKE_TIMEOUT_S = 900
SERVER_START_TIMEOUT_S = 120
# Variables of the calling environment that would leak the test runner's packages or
# interpreter settings into the fresh environment.
LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONUSERBASE")


def replay_commands(args: list[str]) -> list[list[str]]:
    """The `pip install` argument lists that replay one Dockerfile step here (module doc)."""
    kept: list[str] = []
    pytorch_index = False
    words = iter(args)
    for word in words:
        if word == "--no-cache-dir":
            continue
        if word in ("--index-url", "-i") or word.startswith("--index-url="):
            url = word.partition("=")[2] or next(words)
            if url.startswith(PYTORCH_INDEX_PREFIX):
                pytorch_index = True
            else:
                kept += ["--index-url", url]
            continue
        kept.append(word)
    kept.insert(0, "--no-compile")
    if not pytorch_index:
        return [kept]
    override = os.environ.get("TIMESTEP_LAB_TORCH_INDEX_URL")
    if override:
        return [["--index-url", override, *kept]]
    return [["--no-index", "--no-deps", *kept], kept]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(extra)
    return env


def run(cmd: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, (
        f"{' '.join(cmd)} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """The replayed build: ``(app_dir, python, env)``; ``app_dir`` stands in for WORKDIR."""
    found = instructions()
    base = next(ins.args for ins in found if ins.keyword == "FROM")
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert base.startswith(f"python:{here}"), f"FROM {base} but this machine's Python is {here}"

    tmp = tmp_path_factory.mktemp("image")
    app_dir, venv = tmp / "app", tmp / "venv"
    app_dir.mkdir()
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    python = venv / "bin" / "python"
    env = clean_env(env_values(found))

    workdir = image_workdir_of(found)
    copied: set[str] = set()
    for ins in found:  # in build order: a step may use only what an earlier COPY brought
        if ins.keyword == "COPY":
            for sources, dest in copy_steps([ins]):
                copied.update(copy_step(sources, dest, app_dir, ROOT, workdir))
        elif ins.keyword == "RUN":
            for args in pip_install_steps([ins]):
                for i, word in enumerate(args[:-1]):
                    if word in ("-r", "--requirement"):
                        assert args[i + 1] in copied, f"{args[i + 1]} is installed before COPY"
                for replay in replay_commands(args):
                    cmd = [str(python), "-m", "pip", "install", *replay]
                    run(cmd, cwd=app_dir, env=env, timeout=INSTALL_TIMEOUT_S)
    # A fresh home, like the image's user's: nothing from this machine's ~/.streamlit.
    home = tmp / "home"
    home.mkdir()
    yield app_dir, python, {**env, "HOME": str(home)}
    # About 1 GB (torch); pytest would otherwise keep it with its last three runs' tmp dirs.
    shutil.rmtree(tmp, ignore_errors=True)


def test_install_steps_give_a_cpu_torch_and_consistent_dependencies(image):
    app_dir, python, env = image
    pinned = {
        name: version
        for name, _, version in (
            line.split("#")[0].strip().partition("==")
            for line in (app_dir / "requirements.txt").read_text().splitlines()
        )
        if version
    }
    probe = (
        "import json, torch, streamlit; "
        "print(json.dumps([torch.__version__, torch.version.cuda, streamlit.__version__]))"
    )
    out = run([str(python), "-c", probe], cwd=app_dir, env=env, timeout=300).stdout
    torch_version, cuda, streamlit_version = json.loads(out)
    assert cuda is None, f"torch {torch_version} is a CUDA build"
    assert torch_version.split("+")[0] == pinned["torch"]
    assert streamlit_version == pinned["streamlit"]
    run([str(python), "-m", "pip", "check"], env=env, timeout=300)


def test_every_page_runs_and_every_model_loads_from_the_image_layout(image):
    app_dir, python, env = image
    script = (Path(__file__).parent / "image_smoke.py").read_text()
    done = subprocess.run(
        [str(python), "-"],
        input=script,
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no report (exit {done.returncode}):\n{done.stderr[-6000:]}"
    report = json.loads(lines[-1])
    assert not report["errors"], "\n\n".join(report["errors"])
    assert done.returncode == 0, done.stderr[-6000:]

    # The code that ran is the copy laid out like the image, not this checkout.
    assert Path(report["timestep_lab"]).is_relative_to(app_dir)
    # The checkout's list of shipped models (the same code the copy was made from).
    from timestep_lab.models import MODEL_NAMES

    assert sorted(report["models"]) == sorted(MODEL_NAMES)
    assert all(count > 0 for count in report["models"].values())
    on_disk = {p.relative_to(app_dir).as_posix() for p in (app_dir / "app_pages").glob("*.py")}
    on_disk = {p for p in on_disk if not Path(p).name.startswith("_")}
    assert on_disk <= set(report["pages"]), "a page file was not run"
    assert set(report["routed"]) <= set(report["pages"])
    # Each page drew its screen (every page opens with a title), not an empty router.
    untitled = [page for page in report["pages"] if not report["titles"].get(page)]
    assert not untitled, f"pages that drew no title: {untitled}"


def test_the_cmd_serves_and_the_healthcheck_passes(image, tmp_path):
    app_dir, python, env = image
    found = instructions()
    cmd = exec_form(next(ins.args for ins in reversed(found) if ins.keyword == "CMD"))
    assert cmd[:3] == ["streamlit", "run", "app.py"], cmd
    assert "--server.address=0.0.0.0" in cmd and "--server.port=8501" in cmd, cmd
    port = free_port()
    local = {"--server.address=0.0.0.0": "--server.address=127.0.0.1"}
    local["--server.port=8501"] = f"--server.port={port}"
    cmd = [str(python.parent / "streamlit"), *(local.get(a, a) for a in cmd[1:])]

    check = healthcheck_command(found)
    assert check[0] == "python", "slim images have no curl: the HEALTHCHECK should use python"
    assert any("http://localhost:8501/_stcore/health" in part for part in check), check
    check = [str(python), *(p.replace(":8501/", f":{port}/") for p in check[1:])]

    log = tmp_path / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=sink, stderr=sink)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            healthy = False
            while time.monotonic() < deadline and server.poll() is None:
                probe = subprocess.run(check, env=env, capture_output=True, timeout=30)
                if probe.returncode == 0:
                    healthy = True
                    break
                time.sleep(1)
            assert healthy, f"HEALTHCHECK never passed (exit {server.poll()}):\n{log.read_text()}"
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
                assert response.read().decode().strip() == "ok"
            with urllib.request.urlopen(f"{base}/", timeout=10) as response:
                assert response.status == 200
                assert b"<html" in response.read().lower()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()
