"""uv, as a team would use it: `uv sync` installs the project with its dev tools, `uv run pytest` passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def test_uv_sync_then_uv_run_pytest(rendered: Callable[..., Path], tmp_path: Path) -> None:
    project = shutil.copytree(rendered("default"), tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    uv = [sys.executable, "-m", "uv"]
    sync = subprocess.run(
        [*uv, "sync", "--python", sys.executable],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert sync.returncode == 0, sync.stderr[-4000:]
    assert (project / "uv.lock").is_file()
    tests = subprocess.run(
        [*uv, "run", "--no-sync", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout
    # The project's own environment ran them.
    assert (project / ".venv" / "bin" / "pytest").is_file()
