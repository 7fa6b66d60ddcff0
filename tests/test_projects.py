"""Every design in every variant renders into a project that is lint-clean, typed, and passes its own tests."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import DESIGNS
from tests.helpers import run_project_pytest

VARIANTS = [
    pytest.param(design, async_db, auth, id=f"{design}-{'async' if async_db else 'sync'}-{auth}")
    for design in DESIGNS
    for async_db in (False, True)
    for auth in ("jwt", "none")
] + [
    pytest.param("long-names", False, "jwt", id="long-names-sync-jwt"),
    pytest.param("long-names", True, "none", id="long-names-async-none"),
    pytest.param("free-text", False, "jwt", id="free-text-sync-jwt"),
    pytest.param("every-construct", False, "jwt", id="every-construct-sync-jwt"),
    pytest.param("every-construct", True, "none", id="every-construct-async-none"),
]


def tool(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=project, capture_output=True, text=True, timeout=600
    )


def unmet_requirements(project: Path) -> list[str]:
    """The project's requirements (runtime and dev) that this shared environment does not meet.

    The variants are tested here rather than installed one by one (tests/test_install.py installs
    two from scratch), so what the shared environment holds must be what pip would install.
    """
    table = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    unmet = []
    for text in [*table["dependencies"], *table["optional-dependencies"]["dev"]]:
        requirement = Requirement(text)
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            unmet.append(f"{text} (not installed)")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (installed: {version})")
    return unmet


@pytest.mark.parametrize(("design", "async_db", "auth"), VARIANTS)
def test_variant_is_clean_typed_and_passes_its_tests(
    rendered: Callable[..., Path], design: str, async_db: bool, auth: str
) -> None:
    project = rendered(design, async_db=async_db, auth=auth)

    lint = tool(project, "ruff", "check", "--no-cache", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = tool(project, "ruff", "format", "--no-cache", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    types = tool(project, "mypy", "app", "tests")  # the worker's cache (tests/conftest.py)
    assert types.returncode == 0, types.stdout + types.stderr

    tests = run_project_pytest(project)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-5000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_rendered_files_have_no_leftovers(rendered: Callable[..., Path]) -> None:
    """No blank runs, trailing spaces, TODOs or unrendered Jinja in any rendered text file."""
    for variant in [("default", False, "jwt"), ("default", True, "none")]:
        project = rendered(variant[0], async_db=variant[1], auth=variant[2])
        for path in project.rglob("*"):
            if not path.is_file() or ".git" in path.parts or path.suffix == ".db":
                continue
            text = path.read_text()
            name = path.relative_to(project)
            assert "\n\n\n\n" not in text, f"{name}: a run of blank lines"
            assert "TODO" not in text, f"{name}: a TODO"
            assert "{{" not in text and "{%" not in text, f"{name}: unrendered Jinja"
            assert not any(line != line.rstrip() for line in text.splitlines()), (
                f"{name}: trailing spaces"
            )
            assert text.endswith("\n") or not text, f"{name}: no final newline"
