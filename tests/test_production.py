"""The production start: `python -m app.prestart`, then several workers starting at once on a fresh
database, with the health checks answering — as the rendered README tells a team to run it."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests import forkserver
from tests.test_http import free_port

WORKERS = 4
STARTS = 5
BUILDS = [pytest.param(a, id="async" if a else "sync") for a in (False, True)]


def production_env(project: Path, database: Path, async_db: bool) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(project),
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"sqlite{'+aiosqlite' if async_db else ''}:///{database}",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIRST_ADMIN_EMAIL": "admin@example.com",
        "FIRST_ADMIN_PASSWORD": secrets.token_urlsafe(16),
    }


def start_workers(project: Path, env: dict[str, str], log: Path) -> tuple[str, int]:
    """`fastapi run --workers 4` until every worker is up (or one dies); its output and status."""
    port = free_port()
    with log.open("w") as out:
        server = forkserver.start(
            [sys.executable, "-m", "fastapi", "run", "app/main.py"]
            + ["--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)],
            cwd=project,
            env=env,
            output=out,
            new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while log.read_text().count("Application startup complete") < WORKERS:
                if server.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                ready = client.get("/readyz").status_code
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return log.read_text(), ready


@pytest.mark.parametrize("async_db", BUILDS)
def test_workers_starting_together_on_a_fresh_database_all_come_up(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    for start in range(STARTS):
        database = tmp_path / f"fresh-{start}.db"
        text, ready = start_workers(
            project, production_env(project, database, async_db), tmp_path / f"start-{start}.log"
        )
        assert text.count("Application startup complete") == WORKERS, text[-4000:]
        assert "Traceback" not in text and "ERROR" not in text, text[-4000:]
        assert ready == 200, text[-4000:]


def prestart(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return forkserver.run([sys.executable, "-m", "app.prestart"], cwd=project, env=env, timeout=120)


@pytest.mark.parametrize("async_db", BUILDS)
def test_prestart_sets_the_database_up_once(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    env = production_env(project, tmp_path / "app.db", async_db)
    for _ in range(2):  # the second run finds everything done
        result = prestart(project, env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == "The database is ready."
    refused = prestart(project, {**env, "SECRET_KEY": "changethis"})
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr


def test_the_dev_server_does_not_log_database_writes(
    rendered: Callable[..., Path], tmp_path: Path
) -> None:
    project = shutil.copytree(rendered("default", auth="none"), tmp_path / "project")
    port = free_port()
    log = tmp_path / "dev.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "fastapi", "dev", "app/main.py", "--port", str(port)],
            cwd=project,
            env={**os.environ, "PYTHONPATH": str(project)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                deadline = time.monotonic() + 60
                while "Application startup complete" not in log.read_text():
                    assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                    time.sleep(0.2)
                for n in range(3):
                    created = client.post("/api/v1/authors", json={"name": f"Writer {n}"})
                    assert created.status_code == 201, created.text
                time.sleep(2)  # watchfiles batches changes for a moment before reporting them
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    assert (project / "app.db").is_file()
    assert "change detected" not in log.read_text() and "changes detected" not in log.read_text()
