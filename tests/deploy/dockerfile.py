"""Read the Dockerfile and .dockerignore the way the image build does, for the deploy tests.

No Docker engine runs in CI, so the tests rebuild what they can from these two files: the
instructions (line continuations joined, comments dropped), the `pip install` steps of each
RUN, the files each COPY puts into WORKDIR (minus what .dockerignore leaves out of the build
context), and the HEALTHCHECK and CMD commands.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: ``keyword`` upper-cased, ``args`` as written."""

    keyword: str
    args: str


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions of a Dockerfile, with ``\\`` continuations joined."""
    found: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        # A comment line inside a continued instruction is dropped, as Docker does.
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        found.append(Instruction(keyword.upper(), args.strip()))
    if pending:
        raise ValueError(f"{path}: the last instruction ends in a line continuation")
    return found


def exec_form(args: str) -> list[str]:
    """A CMD/ENTRYPOINT argument list: the JSON exec form, or the shell form split by shlex."""
    if args.startswith("["):
        value = json.loads(args)
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValueError(f"not a JSON array of strings: {args}")
        return value
    return shlex.split(args)


def pip_install_steps(found: list[Instruction]) -> list[list[str]]:
    """The arguments after ``pip install`` of every command of every RUN, in build order."""
    steps = []
    for ins in found:
        if ins.keyword != "RUN":
            continue
        for command in re.split(r"\s*(?:&&|;)\s*", ins.args):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"]:
                steps.append(words[2:])
            elif words[1:4] == ["-m", "pip", "install"] and words[0].startswith("python"):
                steps.append(words[4:])
    return steps


def env_values(found: list[Instruction]) -> dict[str, str]:
    """Every ``ENV key=value`` (the ``key=value`` form; the legacy ``ENV key value`` too)."""
    values: dict[str, str] = {}
    for ins in found:
        if ins.keyword != "ENV":
            continue
        words = shlex.split(ins.args)
        if words and "=" not in words[0]:
            values[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            values[key] = value
    return values


def copy_steps(found: list[Instruction]) -> list[tuple[list[str], str]]:
    """``(sources, destination)`` of every COPY, flags such as ``--chown`` dropped."""
    steps = []
    for ins in found:
        if ins.keyword != "COPY":
            continue
        words = [w for w in shlex.split(ins.args) if not w.startswith("--")]
        steps.append((words[:-1], words[-1]))
    return steps


def image_workdir_of(found: list[Instruction]) -> str:
    """The WORKDIR in force at the end of the build (the app's directory in the image)."""
    workdirs = [ins.args for ins in found if ins.keyword == "WORKDIR"]
    if not workdirs:
        raise ValueError("the Dockerfile sets no WORKDIR")
    return workdirs[-1]


def healthcheck_command(found: list[Instruction]) -> list[str]:
    """The command of the (last) HEALTHCHECK, its ``--interval`` style options dropped."""
    checks = [ins for ins in found if ins.keyword == "HEALTHCHECK"]
    if not checks:
        raise ValueError("the Dockerfile has no HEALTHCHECK")
    _, sep, command = checks[-1].args.partition("CMD ")
    if not sep:
        raise ValueError(f"HEALTHCHECK without CMD: {checks[-1].args}")
    return exec_form(command.strip())


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex over POSIX paths relative to the context root."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


class DockerIgnore:
    """The build-context filter of a .dockerignore: the last matching pattern decides, and a
    pattern that matches a folder matches everything inside it."""

    def __init__(self, path: Path = DOCKERIGNORE) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            include = line.startswith("!")
            pattern = line.lstrip("!").strip().strip("/")
            self.rules.append((include, _pattern_regex(pattern)))

    def excluded(self, rel: str) -> bool:
        parts = PurePosixPath(rel).parts
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for include, regex in self.rules:
            if any(regex.fullmatch(p) for p in prefixes):
                result = not include
        return result


def copy_step(
    sources: list[str], dest: str, workdir: Path, root: Path = ROOT, image_workdir: str = "/app"
) -> list[str]:
    """Do one ``COPY sources... dest`` from the build context ``root`` into ``workdir`` (the
    stand-in for the image's WORKDIR); return the copied paths relative to ``workdir``.

    A source that is missing from the build context raises, as ``docker build`` would.
    """
    ignore = DockerIgnore(root / ".dockerignore")
    where = PurePosixPath(dest)
    if where.is_absolute():
        where = where.relative_to(image_workdir)
    target_dir = workdir.joinpath(*where.parts)
    copied: list[str] = []
    for source in sources:
        src = root / source
        rel_source = PurePosixPath(source).as_posix().strip("/")
        if not src.exists() or ignore.excluded(rel_source):
            raise FileNotFoundError(f"COPY {source}: not in the build context")
        files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
        for file in files:
            if ignore.excluded(file.relative_to(root).as_posix()):
                continue
            out = target_dir / (file.name if src.is_file() else file.relative_to(src))
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, out)
            copied.append(out.relative_to(workdir).as_posix())
    return copied


def copy_into_image(workdir: Path, root: Path = ROOT) -> list[str]:
    """Do every COPY of the Dockerfile into ``workdir``; return the copied relative paths."""
    found = instructions(root / "Dockerfile")
    image_workdir = image_workdir_of(found)
    copied: list[str] = []
    for sources, dest in copy_steps(found):
        copied += copy_step(sources, dest, workdir, root, image_workdir)
    return copied
