"""A rendered project installs from its own pyproject.toml into a fresh virtual environment and passes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize(
    ("design", "async_db", "auth", "extras"),
    [("default", False, "jwt", "dev"), ("shop-orders", True, "none", "dev,postgres")],
    ids=["default-sync-jwt", "shop-orders-async-none-postgres"],
)
def test_fresh_venv_install_then_own_tests(
    rendered: Callable[..., Path],
    tmp_path: Path,
    design: str,
    async_db: bool,
    auth: str,
    extras: str,
) -> None:
    """Nothing from this repository's environment leaks in, so a missing dependency cannot hide.
    Dependencies follow `auth` and `async_db` only; these two cover both values of each, and
    the second installs the `postgres` extra as the rendered README's "Moving to PostgreSQL" does."""
    # A copy: building the package writes *.egg-info/ and build/ into the tree, and the rendered
    # project is shared with the other tests of this session.
    project = shutil.copytree(rendered(design, async_db=async_db, auth=auth), tmp_path / "project")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # --no-compile: no .pyc files written for every installed module up front (about a third of
    # pip's CPU here); the tests below import, and so compile, what they use.
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-compile"]
        + [f".[{extras}]"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    if "postgres" in extras:  # the drivers of both URLs the README gives an async build
        drivers = subprocess.run(
            [str(python), "-c", "import asyncpg, psycopg"], capture_output=True
        )
        assert drivers.returncode == 0, drivers.stderr
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout


def test_the_readmes_uvx_command_renders_a_project(template_repo: Path, tmp_path: Path) -> None:
    """README's no-install line, run as written (the template and destination swapped in)."""
    readme = (ROOT / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("uvx "))
    command = shlex.split(line.replace('"$PWD"', str(template_repo)))
    command = [tmp_path / "project" if arg == "../lending-library" else arg for arg in command]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-m", "uv", "tool", "run", *map(str, command[1:])],
        cwd=ROOT,  # where requirements.txt is, as README says
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    main = (tmp_path / "project" / "app" / "main.py").read_text()
    assert main.startswith('"""The application factory')
