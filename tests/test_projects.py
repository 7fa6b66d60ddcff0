"""Every design in every variant renders into a project that is lint-clean, typed, and passes its own tests."""

from __future__ import annotations

import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests import forkserver
from tests.conftest import DESIGNS
from tests.helpers import run_project_pytest
from tests.test_http import ADMIN, model_of, serve

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
    rendered: Callable[..., Path], tmp_path: Path, design: str, async_db: bool, auth: str
) -> None:
    project = rendered(design, async_db=async_db, auth=auth)

    lint = tool(project, "ruff", "check", "--no-cache", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = tool(project, "ruff", "format", "--no-cache", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    types = tool(project, "mypy", "app", "tools", "tests")  # the worker's cache (conftest.py)
    assert types.returncode == 0, types.stdout + types.stderr

    tests = run_project_pytest(project)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-5000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout

    demo_data_is_served(project, tmp_path, design, async_db, auth)


def demo_data_is_served(
    project: Path, tmp_path: Path, design: str, async_db: bool, auth: str
) -> None:
    """`python -m tools.demo_data` as the rendered README runs it, twice; then uvicorn serves a
    non-empty first page of every resource's list, to a demo administrator with the printed
    password."""
    database_url = f"sqlite{'+aiosqlite' if async_db else ''}:///{tmp_path / 'demo.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "development",
        "FIRST_ADMIN_EMAIL": ADMIN["username"],
        "FIRST_ADMIN_PASSWORD": ADMIN["password"],
    }
    command = [sys.executable, "-m", "tools.demo_data"]
    first = forkserver.run(command, cwd=project, env=env, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("Demo data added: "), first.stdout
    second = forkserver.run(command, cwd=project, env=env, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.rstrip().endswith("nothing added."), second.stdout
    production = {
        **env,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIRST_ADMIN_PASSWORD": secrets.token_urlsafe(16),
    }
    refused = forkserver.run(command, cwd=project, env=production, timeout=300)
    assert refused.returncode == 1 and "ENVIRONMENT is production" in refused.stderr, refused

    model = model_of(design, async_db, auth)
    with serve(project, tmp_path, async_db, database_url) as client:
        headers = {}
        if auth == "jwt":
            password = re.search(r"\(password for each: (\S+)\)", first.stdout)
            email = re.search(rf"^  {model.roles[0]}: ([^,\s]+)", first.stdout, re.MULTILINE)
            assert password and email, first.stdout
            login = {"username": email[1], "password": password[1]}
            token = client.post(f"{model.api_prefix}/auth/token", data=login)
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for resource in model.resources:
            page = client.get(f"{model.api_prefix}{resource.path}", headers=headers)
            assert page.status_code == 200, page.text
            assert page.json()["items"], (resource.name, page.json())


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
