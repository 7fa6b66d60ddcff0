"""A design change never costs the prototype's data: copier update, then one command migrates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import design_data
from tests.test_http import model_of, value
from tests.test_update import commit, new_project, resources, update

ADMIN = {"email": "admin@example.com", "password": "migration-admin-password"}

# Replays requests through the app's own stack (TestClient) in the project's interpreter context;
# `{"$id": n}` in a body stands for the id returned by request n.
RUNNER = """
import json, sys
from fastapi.testclient import TestClient
from app.core.config import Settings
from app.main import create_app

requests = json.load(sys.stdin)
settings = Settings(environment="development", database_url=sys.argv[1])
results = []
with TestClient(create_app(settings)) as client:
    headers = {}
    if "first_admin_email" in Settings.model_fields:
        form = {"username": settings.first_admin_email, "password": settings.first_admin_password}
        token = client.post(settings_prefix + "/auth/token", data=form).json()["access_token"]
        headers = {"Authorization": "Bearer " + token}
    def resolve(body):
        if isinstance(body, dict) and set(body) == {"$id"}:
            return results[body["$id"]][1]["id"]
        if isinstance(body, dict):
            return {key: resolve(item) for key, item in body.items()}
        return body
    for method, path, body in requests:
        path = path.replace("{id}", str(results[-1][1]["id"])) if "{id}" in path else path
        response = client.request(method, path, json=resolve(body), headers=headers)
        results.append((response.status_code, response.json() if response.content else None))
print(json.dumps(results))
"""


def env(database: Path, async_db: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite{'+aiosqlite' if async_db else ''}:///{database}",
        "FIRST_ADMIN_EMAIL": ADMIN["email"],
        "FIRST_ADMIN_PASSWORD": ADMIN["password"],
    }


def run(
    project: Path, environment: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env={**environment, "PYTHONPATH": str(project)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def through_api(
    project: Path, environment: dict[str, str], prefix: str, requests: list[Any]
) -> list[tuple[int, Any]]:
    script = RUNNER.replace("settings_prefix", repr(prefix))
    result = run(
        project, environment, "-c", script, environment["DATABASE_URL"], stdin=json.dumps(requests)
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return [tuple(item) for item in json.loads(result.stdout.splitlines()[-1])]


def seed_requests(model: Any) -> list[Any]:
    """One row per resource, referenced rows first, through POST."""
    requests: list[Any] = []
    index: dict[str, int] = {}
    for resource in model._creation_order():
        body = {f.column: value(f, 1) for f in resource.fields if f.kind != "ref"}
        for f in resource.required_refs:
            body[f.column] = {"$id": index[f.ref]}
        index[resource.name] = len(requests)
        requests.append(("POST", f"{model.api_prefix}{resource.path}", body))
    return requests


CASES = [
    pytest.param(design, async_db, id=f"{design}-{'async' if async_db else 'sync'}")
    for design in ("default", "lending-library")
    for async_db in (False, True)
]


@pytest.mark.parametrize(("design", "async_db"), CASES)
def test_design_changes_keep_every_row(
    template_repo: Path, tmp_path: Path, design: str, async_db: bool
) -> None:
    data = {**design_data(design), "async_db": async_db}
    project = new_project(template_repo, tmp_path / "project", data)
    environment = env(tmp_path / "data.db", async_db)
    model = model_of(design, async_db, data.get("auth", "jwt"))
    prefix = model.api_prefix

    seeded = through_api(project, environment, prefix, seed_requests(model))
    assert all(status == 201 for status, _ in seeded), seeded

    # v2: a field with a default, an optional field, a new resource, and a ref to it.
    design_v2 = resources(project)
    first = design_v2[0]
    first["fields"]["copies_kept"] = "int = 1"
    first["fields"]["shelf_note"] = "str(60)?"
    first["fields"]["probe"] = "ref migration_probe?"
    design_v2.append({"name": "migration_probe", "fields": {"label": "str(40)"}})
    update(project, {"resources": design_v2})
    commit(project, "Design v2")

    refused = run(
        project,
        environment,
        "-c",
        "from fastapi.testclient import TestClient\n"
        "from app.main import create_app\nTestClient(create_app()).__enter__()",
    )
    assert refused.returncode != 0
    assert "python -m app.migrate" in refused.stderr, refused.stderr[-3000:]

    migrated = run(project, environment, "-m", "app.migrate", "Add probes and shelf notes")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert list(tmp_path.glob("data.db.bak-*")), "no backup of the database was made"
    assert len(list((project / "migrations" / "versions").glob("*.py"))) == 2

    first_url = (
        f"{prefix}/{design_v2[0].get('plural') or model.by_name[first['name']].plural}".replace(
            "_", "-"
        )
    )
    reads = [
        ("GET", f"{prefix}{model.by_name[r.name].path}/{body['id']}", None)
        for r, (_, body) in zip(model._creation_order(), seeded, strict=True)
    ]
    after = through_api(project, environment, prefix, reads)
    for (status, row), (_, before) in zip(after, seeded, strict=True):
        assert status == 200
        assert {key: row[key] for key in before} == before, "an old value changed"
    first_resource = model.by_name[first["name"]]
    first_row = next(
        row
        for r, (_, row) in zip(model._creation_order(), after, strict=True)
        if r is first_resource
    )
    assert first_row["copies_kept"] == 1
    assert first_row["shelf_note"] is None and first_row["probe_id"] is None

    new_work = through_api(
        project,
        environment,
        prefix,
        [
            ("POST", f"{prefix}/migration-probes", {"label": "probe"}),
            (
                "PATCH",
                f"{prefix}{first_resource.path}/{first_row['id']}",
                {"probe_id": {"$id": 0}, "shelf_note": "left"},
            ),
        ],
    )
    assert [status for status, _ in new_work] == [201, 200], new_work
    assert new_work[1][1]["probe_id"] == new_work[0][1]["id"]
    assert first_url  # the resource's URL is derived from its plural


def test_required_field_without_default_is_refused_up_front(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    environment = env(tmp_path / "data.db", False)
    model = model_of("default", False, "jwt")
    seeded = through_api(project, environment, model.api_prefix, seed_requests(model))
    assert all(status == 201 for status, _ in seeded)

    design_v2 = resources(project)
    design_v2[0]["fields"]["shelf"] = "int"
    update(project, {"resources": design_v2})
    commit(project, "A required field")

    refused = run(project, environment, "-m", "app.migrate", "Add shelf")
    assert refused.returncode == 1
    assert "is a new required field without a default" in refused.stderr
    assert "shelf: <type> = <value>" in refused.stderr
    assert len(list((project / "migrations" / "versions").glob("*.py"))) == 1, (
        "a migration was written"
    )
