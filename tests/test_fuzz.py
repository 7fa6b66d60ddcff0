"""schemathesis against a rendered app under uvicorn, with all its checks: no 5xx, every response
as the schema says, every request the schema forbids refused and every one it allows accepted;
over SQLite, and over PostgreSQL for the default design."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_http import ADMIN, model_of, serve

# A schema-valid body may still be refused with 422 for one reason the OpenAPI schema cannot
# express: a reference to a row that does not exist (`invalid_reference`, spec section 7). And a
# body the schema forbids may be refused with 413 before it is read (over MAX_BODY_BYTES).
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
"""
CASES = [
    *(
        pytest.param(design, async_db, "sqlite", id=f"{design}-{'async' if async_db else 'sync'}")
        for design in ("default", "clinic")
        for async_db in (False, True)
    ),
    pytest.param("default", False, "postgres", id="default-sync-postgres"),
    pytest.param("default", True, "postgres", id="default-async-postgres"),
]


@pytest.mark.parametrize(("design", "async_db", "database"), CASES)
def test_fuzzing_with_every_check_finds_nothing(
    rendered: Callable[..., Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    design: str,
    async_db: bool,
    database: str,
) -> None:
    project = rendered(design, async_db=async_db)
    prefix = model_of(design, async_db, "jwt").api_prefix
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    database_url = None
    if database == "postgres":
        cluster = request.getfixturevalue("postgres")
        database_url = cluster.new_database(driver="asyncpg" if async_db else "psycopg")
    with serve(project, tmp_path, async_db, database_url) as client:
        token = client.post(f"{prefix}/auth/token", data=ADMIN).json()["access_token"]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{client.base_url}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "15",
                "--seed",
                "20261124",
                "--header",
                f"Authorization: Bearer {token}",
                # A new password for the administrator would turn the rest into 401s.
                "--exclude-path-regex",
                "/users/",
                "--request-timeout",
                "10",
            ],
            cwd=tmp_path,  # schemathesis.toml, and its cache in .schemathesis/
            capture_output=True,
            text=True,
            timeout=600,
        )
    server_log = (tmp_path / "uvicorn.log").read_text()
    assert result.returncode == 0, result.stdout[-30000:] + server_log[-4000:]
