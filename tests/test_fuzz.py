"""schemathesis against a rendered app under uvicorn: no 5xx, and every response matches the schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_http import ADMIN, model_of, serve

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
CASES = [
    pytest.param(design, async_db, id=f"{design}-{'async' if async_db else 'sync'}")
    for design in ("default", "clinic")
    for async_db in (False, True)
]


@pytest.mark.parametrize(("design", "async_db"), CASES)
def test_fuzzing_finds_no_server_error(
    rendered: Callable[..., Path], tmp_path: Path, design: str, async_db: bool
) -> None:
    project = rendered(design, async_db=async_db)
    prefix = model_of(design, async_db, "jwt").api_prefix
    with serve(project, tmp_path, async_db) as client:
        token = client.post(f"{prefix}/auth/token", data=ADMIN).json()["access_token"]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{client.base_url}/openapi.json",
                "--checks",
                CHECKS,
                "--max-examples",
                "15",
                "--seed",
                "20261124",
                "--header",
                f"Authorization: Bearer {token}",
                # Deactivating or demoting the administrator would turn the rest into 401/403s.
                "--exclude-path-regex",
                "/users/",
                "--request-timeout",
                "10",
            ],
            cwd=tmp_path,  # schemathesis keeps its cache in .schemathesis/ of the working directory
            capture_output=True,
            text=True,
            timeout=600,
        )
    server_log = (tmp_path / "uvicorn.log").read_text()
    assert result.returncode == 0, result.stdout[-12000:] + server_log[-8000:]
