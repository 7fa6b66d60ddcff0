"""Rendering projects from a git-tagged copy of this template, the way users get it."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml
from copier import run_copy

from tests import forkserver

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
TEMPLATE_FILES = (
    "copier.yml",
    "template",
    "hooks",
    "requirements-project.txt",
    "README.md",
    "CHANGELOG.md",
    "examples",  # the questionnaire's starting designs
)


# Where built_once keeps what it builds: one folder for the whole test run, every worker's
# (tests/conftest.py sets it); outside a test run, a folder of this process's own.
SHARED: Path | None = None


def built_once(key: str, build: Callable[[Path], object]) -> Path:
    """The folder `build(folder)` filled, built once per test run by the first worker that asks
    (the others wait for it) and read by all: copy it before changing anything in it."""
    global SHARED
    if SHARED is None:
        SHARED = Path(tempfile.mkdtemp(prefix="built-once-"))
    name = re.sub(r"[^\w.-]", "_", key)[:60] + "-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    folder = SHARED / name
    with (SHARED / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not folder.exists():
            partial = SHARED / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial)
            partial.rename(folder)  # complete, or not there at all
    return folder


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Template Tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "Template Tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def make_template_repo(dst: Path, tag: str = "1.0.0") -> Path:
    """Copy the template's files into a fresh git repository tagged `tag` (absolute path, as Copier wants)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in TEMPLATE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst / name)
    git(dst, "init", "-q", "-b", "main")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", f"template {tag}")
    git(dst, "tag", tag)
    return dst.resolve()


def answers(resources: list[Any], **overrides: Any) -> dict[str, Any]:
    """Answers of a small library design with three roles, for the design model's unit tests."""
    return {
        "project_name": "Lending Library",
        "auth": "jwt",
        "roles": ["admin", "librarian", "member"],
        "default_role": "member",
        "resources": resources,
        **overrides,
    }


def load_design(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def render(
    template: Path,
    dst: Path,
    data: Mapping[str, Any] | None = None,
    vcs_ref: str | None = None,
) -> Path:
    """`copier copy --trust --defaults` with `data` as the answers."""
    run_copy(
        str(template),
        str(dst),
        data=dict(data or {}),
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref=vcs_ref,
    )
    return dst


# Plugins off in a project's own test runs: the cache, and this repository's own test tools.
PROJECT_PYTEST_OPTIONS = [
    f"-pno:{name}" for name in ("cacheprovider", "hypothesispytest", "schemathesis")
]


def run_project_pytest(
    project: Path, *args: str, timeout: int = 600, env_overrides: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The rendered project's own test suite, in this (shared) environment, forked from the
    preloaded server (tests/forkserver.py) rather than a new interpreter.

    Without this repository's own pytest plugins (Hypothesis, Schemathesis), which a project does not
    install: loading them, with the assertion rewriting pytest gives a plugin, costs each run ~3 s.
    """
    return forkserver.run(
        [sys.executable, "-m", "pytest", *PROJECT_PYTEST_OPTIONS, *args],
        cwd=project,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(project), **(env_overrides or {})},
    )


def readme_block(marker: str, page: str = "README.md") -> str:
    """The fenced block of README.md (or of `page`, one of docs/*.md) that follows the line holding
    `marker`."""
    text = (ROOT / page).read_text()
    block = re.search(re.escape(marker) + r".*?\n```\w*\n(.*?)```", text, re.S)
    assert block, f"{page} has no block after {marker!r}"
    return block[1]


def questionnaire_answers(**given: Any) -> dict[str, Any]:
    """The answers `copier copy --defaults` gives with these answers given (--data-file): each
    other question's default, rendered with the answers before it as Copier renders it."""
    sys.path.insert(0, str(ROOT))
    from hooks import questionnaire  # noqa: PLC0415 - the template's own functions

    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["starting_answers"] = questionnaire.starting_answers
    environment.globals["starting_resources"] = questionnaire.starting_resources
    answers: dict[str, Any] = {}
    for key, question in yaml.safe_load((ROOT / "copier.yml").read_text()).items():
        if key.startswith("_") or not isinstance(question, dict) or "default" not in question:
            continue
        default = given.get(key, question["default"])
        if key not in given and isinstance(default, str) and re.search(r"{{|{%", default):
            default = environment.from_string(default).render(answers)
            if question.get("type") == "yaml":
                default = yaml.safe_load(default)
        answers[key] = default
    return {**answers, **given}
