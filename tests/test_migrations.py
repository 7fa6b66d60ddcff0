"""A design change never costs the prototype's data: copier update, then one command migrates.

- The first migration builds exactly the schema the models describe, for every design.
- Rows created through the API survive `copier update` + `python -m tools.migrate`, and the new
  columns, resource and reference work; the app refuses a database that is behind, naming the
  command to run.
- A change the existing rows could not survive, or one that deletes data, is refused before
  anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import forkserver
from tests.conftest import DESIGNS, design_data
from tests.helpers import git, questionnaire_answers
from tests.postgres import Cluster
from tests.test_http import model_of, value
from tests.test_update import (
    commit,
    copier_cli,
    new_project,
    passes_own_tests,
    releases,
    resources,
    update,
)

ADMIN = {"email": "admin@example.com", "password": "migration-admin-password"}

# Replays requests through the app's own stack (TestClient) in the project's interpreter context;
# `{"$id": n}` in a body, and `{$n}` in a path, stand for the id returned by request n.
RUNNER = """
import json, re, sys
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
        path = re.sub(r"[{][$]([0-9]+)[}]", lambda m: str(results[int(m[1])][1]["id"]), path)
        response = client.request(method, path, json=resolve(body), headers=headers)
        results.append((response.status_code, response.json() if response.content else None))
print(json.dumps(results))
"""

# Starts the app (its lifespan checks the schema) and stops it again.
START = (
    "from fastapi.testclient import TestClient\n"
    "from app.main import create_app\n"
    "with TestClient(create_app()):\n"
    "    print('started')\n"
)

# The schema `alembic upgrade head` builds next to the one `SQLModel.metadata.create_all` builds.
SCHEMAS = """
import json, sys
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import app.models
from app.search_index import SEARCHED, index_names

migrated, created = sys.argv[1:]
config = Config("alembic.ini")
command.upgrade(config, "head")
command.check(config)  # raises when autogenerate finds any difference from the models
engine = create_engine("sqlite:///" + created)
SQLModel.metadata.create_all(engine)
engine.dispose()


def describe(path):
    engine = create_engine("sqlite:///" + path)
    with engine.connect() as connection:
        search_tables = index_names(connection)  # what the models have no table for
    schema = inspect(engine)
    tables = {}
    for table in sorted(set(schema.get_table_names()) - {"alembic_version"} - search_tables):
        tables[table] = {
            "columns": sorted(  # by name: the first migration writes `id` first, create_all last
                [c["name"], str(c["type"]), c["nullable"], c["default"]]
                for c in schema.get_columns(table)
            ),
            "primary key": schema.get_pk_constraint(table),
            "foreign keys": sorted(
                [f["name"], f["constrained_columns"], f["referred_table"], f["referred_columns"]]
                for f in schema.get_foreign_keys(table)
            ),
            "indexes": sorted(
                [i["name"], i["column_names"], bool(i["unique"])] for i in schema.get_indexes(table)
            ),
            "unique constraints": sorted(
                [u["name"], u["column_names"]] for u in schema.get_unique_constraints(table)
            ),
            "check constraints": sorted(
                [c["name"], c["sqltext"]] for c in schema.get_check_constraints(table)
            ),
        }
    engine.dispose()
    return tables


with create_engine("sqlite:///" + migrated).connect() as connection:
    search = sorted(name for name in index_names(connection) if name.endswith("_search"))
print(
    json.dumps(
        {
            "migrated": describe(migrated),
            "created": describe(created),
            "search": search,
            "searched": sorted(SEARCHED),
        }
    )
)
"""


def env(database: Path, async_db: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite{'+aiosqlite' if async_db else ''}:///{database}",
        "ENVIRONMENT": "development",
        "FIRST_ADMIN_EMAIL": ADMIN["email"],
        "FIRST_ADMIN_PASSWORD": ADMIN["password"],
    }


def run(
    project: Path, environment: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`python *args` in the project, forked from the preloaded server (tests/forkserver.py)."""
    return forkserver.run(
        [sys.executable, *args],
        cwd=project,
        env={**environment, "PYTHONPATH": str(project)},
        input=stdin,
        timeout=300,
    )


def through_api(
    project: Path, environment: dict[str, str], prefix: str, requests: list[Any]
) -> list[Any]:
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


def migration_files(project: Path) -> list[Path]:
    return sorted((project / "migrations" / "versions").glob("*.py"))


def revision_of(database: Path) -> str | None:
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def ruff_clean(project: Path) -> None:
    for args in (("check", "--no-cache", "."), ("format", "--no-cache", "--check", ".")):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=project, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- the first migration

SCHEMA_VARIANTS = [
    *(pytest.param(design, False, "jwt", id=f"{design}-sync-jwt") for design in DESIGNS),
    pytest.param("long-names", False, "jwt", id="long-names-sync-jwt"),
    pytest.param("default", True, "jwt", id="default-async-jwt"),
    pytest.param("default", False, "none", id="default-sync-none"),
    pytest.param("task-tracker", True, "none", id="task-tracker-async-none"),
]


@pytest.mark.parametrize(("design", "async_db", "auth"), SCHEMA_VARIANTS)
def test_first_migration_builds_the_schema_of_the_models(
    rendered: Callable[..., Path], tmp_path: Path, design: str, async_db: bool, auth: str
) -> None:
    """`alembic upgrade head` on an empty database, then `alembic check` finds nothing to do, and
    the tables equal `create_all`'s column by column: types, nullability, server defaults,
    keys, indexes and constraint names; the searched tables have their search index."""
    project = rendered(design, async_db=async_db, auth=auth)
    migrated, created = tmp_path / "migrated.db", tmp_path / "created.db"
    result = run(project, env(migrated, async_db), "-c", SCHEMAS, str(migrated), str(created))
    assert result.returncode == 0, result.stderr[-4000:]
    schemas = json.loads(result.stdout.splitlines()[-1])
    assert sorted(schemas["migrated"]) == sorted(schemas["created"])
    for table, created_table in schemas["created"].items():
        assert schemas["migrated"][table] == created_table, f"table {table} differs"
    assert ("user" in schemas["created"]) == (auth == "jwt")
    # Beside the tables, an FTS5 index for each table with searchable fields, and no other.
    assert schemas["search"] == [f"{table}_search" for table in schemas["searched"]]


# --------------------------------------------------------------------------- a design change

CHANGE_CASES = [
    pytest.param(design, async_db, id=f"{design}-{'async' if async_db else 'sync'}")
    for design in ("default", "task-tracker")
    for async_db in (False, True)
]


@pytest.mark.parametrize(("design", "async_db"), CHANGE_CASES)
def test_design_changes_keep_every_row(
    template_repo: Path, tmp_path: Path, design: str, async_db: bool
) -> None:
    data = {**design_data(design), "async_db": async_db}
    project = new_project(template_repo, tmp_path / "project", data)
    database = tmp_path / "data.db"
    environment = env(database, async_db)
    model = model_of(design, async_db, data.get("auth", "jwt"))
    prefix = model.api_prefix

    # v1: the app builds the empty database through the migrations, then takes rows.
    seeded = through_api(project, environment, prefix, seed_requests(model))
    assert all(status == 201 for status, _ in seeded), seeded
    assert revision_of(database) == "0001"

    # v2: a field with a default, an optional field, a new resource, and a ref to it.
    design_v2 = resources(project)
    first = design_v2[0]
    first["fields"]["copies_kept"] = "int = 1"
    first["fields"]["shelf_note"] = "str(60)?"
    first["fields"]["probe"] = "ref migration_probe?"
    design_v2.append({"name": "migration_probe", "fields": {"label": "str(40)"}})
    update(project, {"resources": design_v2})
    commit(project, "Design v2")

    refused = run(project, environment, "-c", START)
    assert refused.returncode != 0
    assert "The database schema does not match the models" in refused.stderr, refused.stderr[-3000:]
    assert "missing" in refused.stderr
    assert 'python -m tools.migrate "what changed"' in refused.stderr

    migrated = run(project, environment, "-m", "tools.migrate", "Add probes and shelf notes")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    backups = list(tmp_path.glob("data.db.bak-*"))
    assert len(backups) == 1, "no backup of the database was made"
    assert len(migration_files(project)) == 2
    ruff_clean(project)  # the generated migration is lint- and format-clean as written
    assert revision_of(database) not in (None, "0001")
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Every old row is still there, with its values; the new columns hold their defaults.
    first_resource = model.by_name[first["name"]]
    order = model._creation_order()
    after = read_back_unchanged(project, environment, model, seeded)
    first_row = next(row for r, (_, row) in zip(order, after, strict=True) if r is first_resource)
    assert first_row["copies_kept"] == 1
    assert first_row["shelf_note"] is None and first_row["probe_id"] is None

    # The new resource and the new reference work.
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
            ("GET", f"{prefix}{first_resource.path}?probe_id=1", None),
        ],
    )
    assert [status for status, _ in new_work] == [201, 200, 200], new_work
    assert new_work[1][1]["probe_id"] == new_work[0][1]["id"]
    assert [row["id"] for row in new_work[2][1]["items"]] == [first_row["id"]]

    # Another copy of the database, still at the first migration: refused until upgraded.
    behind = tmp_path / "behind.db"
    shutil.copy(backups[0], behind)
    behind_env = env(behind, async_db)
    refused = run(project, behind_env, "-c", START)
    assert refused.returncode != 0
    assert "The database schema is behind the code (at migration 0001" in refused.stderr
    assert "run `alembic upgrade head`" in refused.stderr, refused.stderr[-3000:]
    upgraded = run(project, behind_env, "-m", "alembic", "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    read_first = [("GET", f"{prefix}{order[0].path}/{seeded[0][1]['id']}", None)]
    assert through_api(project, behind_env, prefix, read_first)[0][0] == 200


# --------------------------------------------------------------------------- commands moved to tools/

BEFORE_TOOLS = "c4cc699"  # the last commit whose projects keep their commands in app/
OLD_COMMANDS = ("migrate", "api_contract", "move_data", "migration_checks", "keep_ids", "owners")


def test_a_project_with_its_commands_in_app_updates_and_keeps_migrating_its_rows(
    tmp_path: Path,
) -> None:
    """A project of the version before tools/ (rows, and a migration its `python -m app.migrate`
    wrote) takes this version with a design change: the commands' modules leave app/, and
    `python -m tools.migrate` migrates the same database onward, every row kept."""
    template = releases(tmp_path, BEFORE_TOOLS)
    project = new_project(template, tmp_path / "project", vcs_ref="1.0.0")
    assert all((project / f"app/{name}.py").is_file() for name in OLD_COMMANDS)
    assert not (project / "tools").exists()
    environment = env(tmp_path / "data.db", async_db=False)
    model = model_of("default", False, "jwt")
    prefix = model.api_prefix
    seeded = through_api(project, environment, prefix, seed_requests(model))
    assert all(status == 201 for status, _ in seeded), seeded

    def design_update(change: str, *options: str) -> None:
        """`copier update` to the design with one more field of the first resource, committed."""
        design = resources(project)
        design[0]["fields"][change] = {"shelf_note": "str(60)?", "copies_kept": "int = 1"}[change]
        design_file = tmp_path / f"{change}.yml"
        design_file.write_text(yaml.safe_dump({"resources": design}))
        updated = copier_cli(
            project, "update", "--trust", "--defaults", "--data-file", str(design_file), *options
        )
        assert updated.returncode == 0, updated.stderr[-3000:]
        commit(project, f"Design: {change}")

    # The earlier version's command migrates a design change of the earlier version.
    design_update("shelf_note", "--vcs-ref=1.0.0")
    old = run(project, environment, "-m", "app.migrate", "Shelf notes")
    assert old.returncode == 0, old.stdout + old.stderr
    assert len(migration_files(project)) == 2
    commit(project, "Migrate shelf notes")

    # This version, with the next design change: the old modules are gone, tools/ migrates.
    design_update("copies_kept")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "2.0.0"
    assert [name for name in OLD_COMMANDS if (project / f"app/{name}.py").exists()] == []
    assert (project / "tools/migrate.py").is_file() and (project / "tools/contract.py").is_file()
    gone = run(project, environment, "-m", "app.migrate", "Copies kept")
    assert gone.returncode != 0 and "No module named app.migrate" in gone.stderr, gone.stderr
    migrated = run(project, environment, "-m", "tools.migrate", "Copies kept")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "new migration" in migrated.stdout
    assert len(migration_files(project)) == 3
    ruff_clean(project)
    again = run(project, environment, "-m", "tools.migrate", "--check")
    assert "already matches the models" in again.stdout, again.stdout + again.stderr

    order = model._creation_order()
    after = read_back_unchanged(project, environment, model, seeded)
    first = model.by_name[resources(project)[0]["name"]]
    first_row = next(row for r, (_, row) in zip(order, after, strict=True) if r is first)
    assert first_row["copies_kept"] == 1 and first_row["shelf_note"] is None
    commit(project, "Migrate copies kept")
    passes_own_tests(project)


def read_back_unchanged(
    project: Path, environment: dict[str, str], model: Any, seeded: list[Any]
) -> list[Any]:
    """Each seeded row read back through the API, with every value it was created with."""
    order = model._creation_order()
    reads = [
        ("GET", f"{model.api_prefix}{r.path}/{body['id']}", None)
        for r, (_, body) in zip(order, seeded, strict=True)
    ]
    after = through_api(project, environment, model.api_prefix, reads)
    for (status, row), (_, before) in zip(after, seeded, strict=True):
        assert status == 200
        assert {key: row[key] for key in before} == before, "an old value changed"
    return after


# --------------------------------------------------------------------------- refusals


CREATE_ALL = """
import sys
from sqlmodel import SQLModel, create_engine
import app.models

engine = create_engine("sqlite:///" + sys.argv[1])
SQLModel.metadata.create_all(engine)
engine.dispose()
"""


def test_unsafe_changes_are_refused_and_drops_need_consent(
    template_repo: Path, tmp_path: Path
) -> None:
    """On a database made by `create_all` (no migration history): served while it matches; a
    change its rows could not survive is refused with every reason, before anything is written;
    a drop needs --allow-drops; the history is then adopted and the migration applied."""
    project = new_project(template_repo, tmp_path / "project", {})
    database = tmp_path / "data.db"
    environment = env(database, False)
    created = run(project, environment, "-c", CREATE_ALL, str(database))
    assert created.returncode == 0, created.stderr
    model = model_of("default", False, "jwt")
    prefix = model.api_prefix
    requests = seed_requests(model)  # author, book, loan
    author = requests[0][2]
    requests += [
        ("POST", f"{prefix}/authors", {**author}),  # the same name twice
        ("PATCH", f"{prefix}/books/1", {"pages": None, "genre": "children"}),
        ("POST", f"{prefix}/authors", {**author, "name": "Zed"}),  # and another, three times
        ("POST", f"{prefix}/authors", {**author, "name": "Zed"}),
        ("POST", f"{prefix}/authors", {**author, "name": "Zed"}),
    ]
    seeded = through_api(project, environment, prefix, requests)
    assert [status for status, _ in seeded] == [201, 201, 201, 201, 200, 201, 201, 201], seeded
    shared = {
        name: [row["id"] for _, row in seeded if row.get("name") == name]
        for name in sorted([author["name"], "Zed"])
    }
    assert revision_of(database) is None  # served, not stamped

    design_v2 = resources(project)
    author_fields, book_fields = design_v2[0]["fields"], design_v2[1]["fields"]
    author_fields["shelf"] = "int"  # required, no default
    author_fields["name"] = "str(120) unique"  # two authors share a name
    del author_fields["biography"]  # holds text
    book_fields["pages"] = "int"  # a book has none
    book_fields["genre"] = "enum(fiction, science, history) = fiction"  # a book is children's
    update(project, {"resources": design_v2, "confirm_removal": "author.biography"})
    commit(project, "Unsafe changes")

    refused = run(project, environment, "-m", "tools.migrate", "Unsafe changes")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    message = refused.stderr
    assert "Migration refused" in message
    assert "author.shelf is a new required field without a default" in message
    assert "give it a default (`shelf: <type> = <value>`)" in message
    assert "or make it optional (`shelf: <type>?`)" in message
    groups = "; ".join(f"{name!r}: id {', '.join(map(str, ids))}" for name, ids in shared.items())
    assert f"author.name became unique, but 5 rows share a value in 2 groups ({groups})" in message
    assert "author.biography is no longer in the design, and author has 5 rows with a" in message
    assert "python -m tools.migrate --allow-drops" in message
    assert "(it copies the SQLite database file first)" in message
    assert "book.pages became required, but book has 1 row without a value" in message
    assert "book.genre holds 'children', which the design's enum no longer lists" in message
    assert len(migration_files(project)) == 1, "a migration was written"
    assert revision_of(database) == "0001"  # the database's history was recognised and recorded

    # v3: the fixes the messages name; the biography column is dropped on purpose.
    design_v3 = resources(project)
    author_fields, book_fields = design_v3[0]["fields"], design_v3[1]["fields"]
    author_fields["shelf"] = "int = 0"
    author_fields["name"] = "str(120)"
    book_fields["pages"] = "int?"
    book_fields["genre"] = "enum(fiction, science, history, children) = fiction"
    update(project, {"resources": design_v3})
    commit(project, "Safe changes")

    still_refused = run(project, environment, "-m", "tools.migrate", "Drop biographies")
    assert still_refused.returncode == 1
    assert "author.biography is no longer in the design" in still_refused.stderr
    assert "author.shelf" not in still_refused.stderr.partition("Migration refused")[2]

    migrated = run(project, environment, "-m", "tools.migrate", "--allow-drops", "Drop biographies")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert len(migration_files(project)) == 2
    # One for the first attempt (the history had to be recorded first), none for the refusal
    # after it (nothing was copied or changed), one for the migration.
    assert len(list(tmp_path.glob("data.db.bak-*"))) == 2
    authors = through_api(project, environment, prefix, [("GET", f"{prefix}/authors", None)])
    rows = authors[0][1]["items"]
    assert sorted(row["name"] for row in rows) == sorted([author["name"]] * 2 + ["Zed"] * 3)
    assert all(row["shelf"] == 0 and "biography" not in row for row in rows)

    again = run(project, environment, "-m", "tools.migrate", "Nothing")
    assert again.returncode == 0
    assert "nothing to migrate" in again.stdout
    assert len(list(tmp_path.glob("data.db.bak-*"))) == 2  # no backup when nothing changes


# --------------------------------------------------------------------------- type changes, renames


def test_type_changes_that_would_lose_values_are_refused_until_the_rows_are_fixed(
    template_repo: Path, tmp_path: Path
) -> None:
    """Narrowed text, float to int, text to int, float to decimal: refused, naming each row and
    value, with no backup and no migration written; `--check` lists the same; README's way of
    fixing the rows (the previous code, through the API) then lets the migration through."""
    project = new_project(template_repo, tmp_path / "project")
    database = tmp_path / "data.db"
    environment = env(database, False)
    prefix = model_of("default", False, "jwt").api_prefix

    seeded = through_api(
        project, environment, prefix, seed_requests(model_of("default", False, "jwt"))
    )
    assert all(code == 201 for code, _ in seeded), seeded
    design_v2 = resources(project)
    design_v2[1]["fields"].update({"weight": "float?", "price": "float?", "shelf": "str(20)?"})
    update(project, {"resources": design_v2})
    commit(project, "Weights, prices, shelves")
    migrated = run(project, environment, "-m", "tools.migrate", "Weights, prices, shelves")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    commit(project, "Migration")
    book_id = seeded[1][1]["id"]
    title = seeded[1][1]["title"]
    values = {"weight": 1.5, "price": 1.234, "shelf": "B-12"}
    changed = through_api(
        project, environment, prefix, [("PATCH", f"{prefix}/books/{book_id}", values)]
    )
    assert changed[0][0] == 200, changed
    backups = set(tmp_path.glob("data.db.bak-*"))

    design_v3 = resources(project)
    fields = design_v3[1]["fields"]
    fields["title"] = f"str({len(title) - 1})"
    fields.update({"weight": "int?", "price": "decimal?", "shelf": "int?"})
    update(project, {"resources": design_v3})  # not committed: README's way needs the stash

    expected = [
        f"book.title becomes str({len(title) - 1}), which cannot keep the value of 1 row (id {book_id}: {title!r})",
        f"book.weight becomes int, which cannot keep the value of 1 row (id {book_id}: 1.5)",
        f"book.price becomes decimal(12, 2), which cannot keep the value of 1 row (id {book_id}: 1.234)",
        f"book.shelf becomes int, which cannot keep the value of 1 row (id {book_id}: 'B-12')",
    ]
    checked = run(project, environment, "-m", "tools.migrate", "--check")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    refused = run(project, environment, "-m", "tools.migrate", "Narrower types")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Migration refused (nothing was copied or changed)" in refused.stderr
    for message in (checked.stderr, refused.stderr):
        for problem in expected:
            assert problem in message, message
        assert 'README: "Fixing rows before a migration"' in message
    assert set(tmp_path.glob("data.db.bak-*")) == backups, "a refused migration made a backup"
    assert len(migration_files(project)) == 2, "a refused migration was written"

    # README's way: the previous code fixes the rows through the API; then the migration runs.
    readme = (project / "README.md").read_text()
    recipe = readme[readme.index("### Fixing rows before a migration") :]
    assert "git stash --include-untracked" in recipe and "git stash pop" in recipe
    git(project, "stash", "--include-untracked")
    fixed = {"title": title[: len(title) - 1], "weight": 2, "price": 1.23, "shelf": "12"}
    patched = through_api(
        project, environment, prefix, [("PATCH", f"{prefix}/books/{book_id}", fixed)]
    )
    assert patched[0][0] == 200, patched
    git(project, "stash", "pop")
    checked = run(project, environment, "-m", "tools.migrate", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Nothing blocks the migration" in checked.stdout
    migrated = run(project, environment, "-m", "tools.migrate", "Narrower types")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    read = through_api(project, environment, prefix, [("GET", f"{prefix}/books/{book_id}", None)])
    row = read[0][1]
    assert (row["title"], row["weight"], row["price"], row["shelf"]) == (
        fixed["title"],
        2,
        "1.23",
        12,
    )
    assert row["isbn"] == seeded[1][1]["isbn"]


def test_a_new_rule_is_refused_while_rows_break_it_and_the_database_keeps_it_after(
    template_repo: Path, tmp_path: Path
) -> None:
    """A range or minimum length added to the design becomes a CHECK constraint through
    `tools.migrate`; rows that would break it stop the migration, naming the rule and the rows."""
    project = new_project(template_repo, tmp_path / "project")
    database = tmp_path / "data.db"
    environment = env(database, False)
    model = model_of("default", False, "jwt")
    seeded = through_api(project, environment, model.api_prefix, seed_requests(model))
    assert all(code == 201 for code, _ in seeded), seeded
    book = seeded[1][1]
    backups = set(tmp_path.glob("data.db.bak-*"))

    design_v2 = resources(project)
    design_v2[1]["fields"]["pages"] = f"int? >= {book['pages'] + 1}"
    update(project, {"resources": design_v2})
    commit(project, "Longer books only")
    rule = f"pages >= {book['pages'] + 1}"
    expected = f"book gains the rule `{rule}`, which 1 row breaks (id {book['id']})"
    checked = run(project, environment, "-m", "tools.migrate", "--check")
    assert checked.returncode == 1 and expected in checked.stderr, checked.stdout + checked.stderr
    refused = run(project, environment, "-m", "tools.migrate", "Longer books only")
    assert refused.returncode == 1 and expected in refused.stderr, refused.stdout + refused.stderr
    assert set(tmp_path.glob("data.db.bak-*")) == backups, "a refused migration made a backup"
    assert len(migration_files(project)) == 1, "a refused migration was written"

    design_v3 = resources(project)
    design_v3[1]["fields"]["pages"] = "int? 1..10000"
    design_v3[0]["fields"]["name"] = "str(2..120)"
    update(project, {"resources": design_v3})
    commit(project, "Sane pages and names")
    migrated = run(project, environment, "-m", "tools.migrate", "Sane pages and names")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    ruff_clean(project)
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with sqlite3.connect(database) as connection:
        names = {row[0] for row in connection.execute("SELECT sql FROM sqlite_master")}
        assert any("ck_book_pages_ge_1_le_10000" in str(sql) for sql in names), names
        for statement in ("UPDATE book SET pages = 0", "UPDATE author SET name = 'x'"):
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                connection.execute(statement)
    reads = [("GET", f"{model.api_prefix}/books/{book['id']}", None)]
    assert through_api(project, environment, model.api_prefix, reads)[0] == (200, book)


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_a_design_with_every_construct_gains_a_rule_a_link_and_timestamps_and_keeps_every_row(
    template_repo: Path, tmp_path: Path, async_db: bool
) -> None:
    """Rows (and links) stored over HTTP survive `copier update` + `tools.migrate` to a design with
    a new range, a new unique combination, a new link and new timestamps; old rows get the
    migration's time, and every new rule holds for new writes."""
    data = {**design_data("every-construct"), "async_db": async_db}
    project = new_project(template_repo, tmp_path / "project", data)
    database = tmp_path / "data.db"
    environment = env(database, async_db)
    model = model_of("every-construct", async_db, "jwt")
    prefix = model.api_prefix
    seeded = through_api(project, environment, prefix, seed_requests(model))
    assert all(code == 201 for code, _ in seeded), seeded
    order = model._creation_order()
    index = {r.name: position for position, r in enumerate(order)}
    product, label = seeded[index["product"]][1], seeded[index["label"]][1]
    linked = through_api(
        project,
        environment,
        prefix,
        [("PATCH", f"{prefix}/products/{product['id']}", {"label_ids": [label["id"]]})],
    )
    assert linked[0][0] == 200 and linked[0][1]["label_ids"] == [label["id"]], linked
    reads = [
        ("GET", f"{prefix}{r.path}/{body['id']}", None)
        for r, (_, body) in zip(order, seeded, strict=True)
    ]
    before_rows = [row for _, row in through_api(project, environment, prefix, reads)]
    # A second row of each resource, deleted again: each table's highest id given out is gone.
    second = []
    for r in order:
        body = {f.column: value(f, 2) for f in r.fields if f.kind != "ref"}
        for f in r.required_refs:
            body[f.column] = seeded[index[f.ref]][1]["id"]
        second.append(("POST", f"{prefix}{r.path}", body))
    made = through_api(project, environment, prefix, second)
    assert all(code == 201 for code, _ in made), made
    deleted = {r.name: row["id"] for r, (_, row) in zip(order, made, strict=True)}
    removals = [("DELETE", f"{prefix}{r.path}/{deleted[r.name]}", None) for r in order[::-1]]
    assert [code for code, _ in through_api(project, environment, prefix, removals)] == [204] * 3

    design_v2 = resources(project)
    brand, label_v2, product_v2 = design_v2
    product_v2["fields"]["stock"] = "int 0..1000000 = 0"  # a rule, on a column with rows
    brand["fields"]["country"] = "str(2..2)?"
    brand["unique"] = ["name", "country"]
    brand["fields"]["labels"] = "refs label"  # a new link
    label_v2["timestamps"] = True  # new timestamps, on a table with rows
    update(project, {"resources": design_v2})
    commit(project, "A rule, a unique combination, a link and timestamps")
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    migrated = run(project, environment, "-m", "tools.migrate", "Rules, links and timestamps")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    ruff_clean(project)
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    after = through_api(project, environment, prefix, reads)
    for r, (status, row), old in zip(order, after, before_rows, strict=True):
        assert status == 200
        assert {key: row[key] for key in old} == old, f"an old value of {r.name} changed"
    label_row = after[index["label"]][1]
    assert dt.datetime.fromisoformat(label_row["created_at"]) >= started
    assert label_row["updated_at"] == label_row["created_at"]
    assert after[index["brand"]][1]["label_ids"] == []

    brand_row = after[index["brand"]][1]
    work = through_api(
        project,
        environment,
        prefix,
        [
            ("PATCH", f"{prefix}/brands/{brand_row['id']}", {"label_ids": [label["id"]]}),
            ("PATCH", f"{prefix}/products/{product['id']}", {"stock": -1}),
            ("POST", f"{prefix}/brands", {"name": brand_row["name"], "country": None}),
            ("PATCH", f"{prefix}/brands/{brand_row['id']}", {"country": "NO"}),
            ("POST", f"{prefix}/brands", {"name": brand_row["name"], "country": "NO"}),
            ("GET", f"{prefix}/products?label_id={label['id']}", None),
        ],
    )
    assert work[0][0] == 200 and work[0][1]["label_ids"] == [label["id"]], work[0]
    assert work[1][0] == 422 and work[1][1]["detail"][0]["loc"] == ["body", "stock"], work[1]
    assert work[2][0] == 409, work[2]  # name alone is still unique
    assert work[3][0] == 200, work[3]
    assert work[4][0] == 409, work[4]
    assert [row["id"] for row in work[5][1]["items"]] == [product["id"]], work[5]

    # The rebuilt tables keep AUTOINCREMENT and their highest id given out: no id comes back.
    with sqlite3.connect(database) as connection:
        tables = dict(
            connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        )
    for r in order:
        assert "AUTOINCREMENT" in tables[r.name], tables[r.name]
    third = [(method, path, body) for method, path, body in second if "/brands" not in path]
    again = through_api(project, environment, prefix, third)
    assert all(code == 201 for code, _ in again), again
    for r, (_, row) in zip([r for r in order if r.name != "brand"], again, strict=True):
        assert row["id"] > deleted[r.name], f"{r.name}: id {row['id']} given out again"
    ((code, new_brand),) = through_api(
        project,
        environment,
        prefix,
        [("POST", f"{prefix}/brands", {"name": "Newer", "country": "SE"})],
    )
    assert code == 201 and new_brand["id"] > deleted["brand"], new_brand


def lose_autoincrement(database: Path, table: str, *, mark_put_back: bool) -> None:
    """Rebuild `table` as a migration written before tools/keep_ids.py did: a copy without
    `AUTOINCREMENT`, the old table dropped (its `sqlite_sequence` row with it), the copy renamed.
    `mark_put_back`: the migration ran under a migrations/env.py that put the mark back."""
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        (create,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        indexes = [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            )
        ]
        (mark,) = connection.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
        ).fetchone()
        copy = re.sub(r"^CREATE TABLE \S+", "CREATE TABLE _old_rebuild", create)
        assert " AUTOINCREMENT" in copy
        connection.execute(copy.replace(" AUTOINCREMENT", ""))
        connection.execute(f'INSERT INTO _old_rebuild SELECT * FROM "{table}"')
        connection.execute(f'DROP TABLE "{table}"')
        connection.execute(f'ALTER TABLE _old_rebuild RENAME TO "{table}"')
        for sql in indexes:
            connection.execute(sql)
        if mark_put_back:
            connection.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, mark)
            )


def test_tables_that_lost_autoincrement_to_an_older_migration_regain_it(
    template_repo: Path, tmp_path: Path
) -> None:
    """A table an older migration rebuilt without `AUTOINCREMENT` gets it back from
    `python -m tools.migrate`, its rows and highest id given out kept: a deleted top row's id is
    never given again, whether the old rebuild's mark survived (books) or not (authors)."""
    project = new_project(template_repo, tmp_path / "project")
    database = tmp_path / "data.db"
    environment = env(database, False)
    prefix = model_of("default", False, "jwt").api_prefix
    author = {"name": "Ursula"}
    books = [
        (
            "POST",
            f"{prefix}/books",
            {"title": f"Book {n}", "isbn": f"97800000000{n}", "author_id": 1},
        )
        for n in range(3)
    ]
    made = through_api(
        project, environment, prefix, [("POST", f"{prefix}/authors", author)] * 2 + books
    )
    assert [code for code, _ in made] == [201] * 5, made
    assert [row["id"] for _, row in made] == [1, 2, 1, 2, 3]
    lose_autoincrement(database, "author", mark_put_back=False)
    lose_autoincrement(database, "book", mark_put_back=True)
    deleted = through_api(project, environment, prefix, [("DELETE", f"{prefix}/books/3", None)])
    assert deleted == [(204, None)]

    migrated = run(project, environment, "-m", "tools.migrate", "ids")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (
        "Regained AUTOINCREMENT, which an earlier migration's rebuild left out: author, book "
        "(no id given out before is given again)."
    ) in migrated.stdout
    with sqlite3.connect(database) as connection:
        tables = dict(
            connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        )
    assert "AUTOINCREMENT" in tables["author"] and "AUTOINCREMENT" in tables["book"]
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run(project, environment, "-m", "tools.migrate", "nothing")
    assert "nothing to migrate" in again.stdout and "Regained" not in again.stdout

    after = through_api(
        project,
        environment,
        prefix,
        [
            ("GET", f"{prefix}/books/2", None),
            ("DELETE", f"{prefix}/authors/2", None),
            ("POST", f"{prefix}/authors", author),
            (
                "POST",
                f"{prefix}/books",
                {"title": "Book 9", "isbn": "978000000009", "author_id": 1},
            ),
        ],
    )
    assert after[0][0] == 200 and after[0][1]["title"] == "Book 1", after[0]
    assert [code for code, _ in after] == [200, 204, 201, 201], after
    assert after[2][1]["id"] == 3, "an author's id was given out again"
    assert after[3][1]["id"] == 4, "a book's id was given out again"


def test_the_readme_rename_recipe_keeps_the_values_when_followed_literally(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "project")
    environment = env(tmp_path / "data.db", False)
    model = model_of("default", False, "jwt")
    seeded = through_api(project, environment, model.api_prefix, seed_requests(model))
    rename = model.rename
    old_value = seeded[0][1][rename.old]

    readme = (project / "README.md").read_text()
    recipe = readme[readme.index("### Renaming a field or resource") :]
    commands = re.search(r"```bash\n(.*?)```", recipe, re.S)
    functions = re.search(r"```python\n(.*?)```", recipe, re.S)
    assert commands is not None and functions is not None
    design = yaml.safe_load((project / "design.yml").read_text())
    first = next(r for r in design["resources"] if r["name"] == rename.resource)
    first["fields"] = {
        (rename.new if name == rename.old else name): spec for name, spec in first["fields"].items()
    }
    (project / "design.yml").write_text(yaml.safe_dump(design, sort_keys=False))
    commit(project, f"Rename {rename.resource}.{rename.old} in the design")

    shell = {
        **environment,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for line in commands.group(1).splitlines():
        done = subprocess.run(
            line, shell=True, cwd=project, env=shell, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    (written,) = [p for p in migration_files(project) if not p.name.startswith("0001")]
    script = written.read_text()
    written.write_text(script[: script.index("def upgrade() -> None:")] + functions.group(1))
    for line in ("alembic upgrade head", 'python -m tools.migrate "what changed"'):
        done = subprocess.run(
            line, shell=True, cwd=project, env=shell, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    ruff_clean(project)

    read = through_api(
        project,
        environment,
        model.api_prefix,
        [("GET", f"{model.api_prefix}{model.by_name[rename.resource].path}", None)],
    )
    assert [row[rename.new] for row in read[0][1]["items"]] == [old_value]


# --------------------------------------------------------------------------- ownership added

PASSWORD = "ownership-test-password"

# Requests as the users named: each entry is [email, method, path, body]; every user has the
# administrator's password or PASSWORD.
AS_USERS = """
import json, sys
from fastapi.testclient import TestClient
from app.core.config import Settings
from app.main import create_app

requests, passwords = json.load(sys.stdin)
settings = Settings(environment="development", database_url=sys.argv[1])
results = []
with TestClient(create_app(settings)) as client:
    tokens = {}
    for email, method, path, body in requests:
        if email not in tokens:
            form = {"username": email, "password": passwords.get(email, passwords["*"])}
            tokens[email] = client.post(settings_prefix + "/auth/token", data=form).json()["access_token"]
        headers = {"Authorization": "Bearer " + tokens[email]}
        response = client.request(method, path, json=body, headers=headers)
        results.append((response.status_code, response.json() if response.content else None))
print(json.dumps(results))
"""

# The loan table as the database holds it: its columns (with whether each takes null), its rows
# by id, and the migration the database is at.
LOAN_TABLE = """
import json
import sqlalchemy as sa
from app.core.config import get_settings
from app.db import sync_url

engine = sa.create_engine(sync_url(get_settings().database_url))
with engine.connect() as connection:
    loan = sa.Table("loan", sa.MetaData(), autoload_with=connection)
    rows = connection.execute(sa.select(loan).order_by(loan.c.id)).mappings()
    revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    print(json.dumps({
        "columns": {column.name: column.nullable for column in loan.c},
        "rows": [{key: str(value) for key, value in row.items()} for row in rows],
        "revision": revision,
    }))
engine.dispose()
"""


def default_resources() -> list[dict[str, Any]]:
    """The questionnaire's default resources (loans owned), as a design file holds them."""
    resources_: list[dict[str, Any]] = questionnaire_answers()["resources"]
    return resources_


def as_users(
    project: Path, environment: dict[str, str], prefix: str, requests: list[Any]
) -> list[Any]:
    script = AS_USERS.replace("settings_prefix", repr(prefix))
    passwords = {ADMIN["email"]: ADMIN["password"], "*": PASSWORD}
    result = run(
        project,
        environment,
        "-c",
        script,
        environment["DATABASE_URL"],
        stdin=json.dumps([requests, passwords]),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return [tuple(item) for item in json.loads(result.stdout.splitlines()[-1])]


def loan_table(project: Path, environment: dict[str, str]) -> dict[str, Any]:
    result = run(project, environment, "-c", LOAN_TABLE)
    assert result.returncode == 0, result.stderr[-4000:]
    table: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return table


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_resource_with_rows_becomes_owned_by_the_user_chosen_explicitly(
    template_repo: Path, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    """`owned: true` added to loans that hold rows: `tools.migrate` refuses a user that does not
    exist or is not active, changing nothing; gives the rows to the first administrator by
    default, or to the user `--owner` names, saying which; the owner then reaches the rows and
    another user gets 404; an empty database takes the same migration without an owner."""
    cluster: Cluster | None = request.getfixturevalue("postgres") if backend == "postgres" else None

    def new_database(name: str) -> dict[str, str]:
        url = (
            cluster.new_database(driver="psycopg")
            if cluster is not None
            else f"sqlite:///{tmp_path / name}.db"
        )
        return {**env(Path("unused.db"), False), "DATABASE_URL": url}

    design_v1 = default_resources()
    loan = next(r for r in design_v1 if r["name"] == "loan")
    del loan["owned"]
    loan["permissions"] = {
        action: [who for who in allowed if who != "owner"]
        for action, allowed in loan["permissions"].items()
    }
    project = new_project(template_repo, tmp_path / "project", {"resources": design_v1})
    prefix = model_of("default", False, "jwt").api_prefix
    loans = f"{prefix}/loans"

    # Three copies of the same data: the administrator is user 1; loan 4 is deleted, so the
    # table has given out id 4.
    seed = [
        ("POST", f"{prefix}/authors", {"name": "Ursula K. Le Guin"}),
        (
            "POST",
            f"{prefix}/books",
            {"title": "The Dispossessed", "isbn": "9780061054884", "author_id": {"$id": 0}},
        ),
        *(
            ("POST", loans, {"book_id": {"$id": 1}, "due_on": f"2026-03-0{day}"})
            for day in range(1, 5)
        ),
        ("DELETE", f"{loans}/4", None),
        (
            "POST",
            f"{prefix}/users",
            {"email": "ana@example.com", "password": PASSWORD, "role": "member"},
        ),
        (
            "POST",
            f"{prefix}/users",
            {"email": "bo@example.com", "password": PASSWORD, "role": "member"},
        ),
        (
            "POST",
            f"{prefix}/users",
            {"email": "cy@example.com", "password": PASSWORD, "role": "member", "is_active": False},
        ),
        (
            "POST",
            f"{prefix}/users",
            {"email": "deputy@example.com", "password": PASSWORD, "role": "admin"},
        ),
    ]
    main, other, third = (new_database(name) for name in ("main", "other", "third"))
    for environment in (main, other, third):
        seeded = through_api(project, environment, prefix, seed)
        assert [status for status, _ in seeded] == [201] * 6 + [204] + [201] * 4, seeded
    ana_id, bo_id = seeded[7][1]["id"], seeded[8][1]["id"]
    before = loan_table(project, main)
    assert "owner_id" not in before["columns"] and before["revision"] == "0001"
    assert [row["id"] for row in before["rows"]] == ["1", "2", "3"]

    update(project, {"resources": default_resources()})
    commit(project, "Loans are owned")

    # No such user, or not an active one: refused before anything is copied or changed.
    checked = run(project, main, "-m", "tools.migrate", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Nothing blocks the migration" in checked.stdout
    held = "loan becomes owned (`owned: true`) and holds 3 rows that need an owner, but "
    choose = "name an active user with `--owner EMAIL` (`alembic -x owner=EMAIL upgrade head`)"
    for owner, why in [
        ("nobody@example.com", "no user has the e-mail nobody@example.com"),
        ("cy@example.com", "cy@example.com is not active"),
    ]:
        checked = run(project, main, "-m", "tools.migrate", "--check", "--owner", owner)
        assert checked.returncode == 1 and f"{held}{why}: {choose}." in checked.stderr, (
            checked.stdout + checked.stderr
        )
        refused = run(project, main, "-m", "tools.migrate", "--owner", owner, "Loans are owned")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "Migration refused (nothing was copied or changed)" in refused.stderr
        assert f"{held}{why}: {choose}." in refused.stderr, refused.stderr
        assert loan_table(project, main) == before
        assert len(migration_files(project)) == 1, "a refused migration was written"
        assert not list(tmp_path.glob("main.db.bak-*")), "a refused migration made a backup"

    # By default, the first administrator (user 1, not the deputy) gets every row, and says so.
    migrated = run(project, main, "-m", "tools.migrate", "Loans are owned")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (
        f"3 rows of loan now owned by {ADMIN['email']} (user 1), the first administrator; "
        "pass --owner EMAIL to choose another"
    ) in migrated.stdout, migrated.stdout
    assert len(migration_files(project)) == 2
    ruff_clean(project)
    checked = run(project, main, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    after = loan_table(project, main)
    assert after["columns"]["owner_id"] is False  # required now
    assert [row.pop("owner_id") for row in after["rows"]] == ["1", "1", "1"]
    assert after["rows"] == before["rows"], "an old value changed"

    # A copy still at the first migration takes the written migration, with `--owner`.
    migrated = run(project, other, "-m", "tools.migrate", "--owner", "Ana@Example.com", "Owned")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert f"3 rows of loan now owned by ana@example.com (user {ana_id}), as named" in (
        migrated.stdout
    )
    assert len(migration_files(project)) == 2, "the written migration was not the one applied"

    # The owner reads and changes their rows; another member sees none of them (404), and the
    # next loan is theirs, with an id never given out before.
    answers = as_users(
        project,
        other,
        prefix,
        [
            ["ana@example.com", "GET", f"{loans}/1", None],
            ["ana@example.com", "PATCH", f"{loans}/2", {"note": "Renewed"}],
            ["ana@example.com", "GET", loans, None],
            ["bo@example.com", "GET", f"{loans}/1", None],
            ["bo@example.com", "PATCH", f"{loans}/2", {"note": "Mine now"}],
            ["bo@example.com", "GET", loans, None],
            ["bo@example.com", "POST", loans, {"book_id": 1, "due_on": "2026-04-01"}],
            ["ana@example.com", "GET", f"{loans}/5", None],
        ],
    )
    statuses = [status for status, _ in answers]
    assert statuses == [200, 200, 200, 404, 404, 200, 201, 404], answers
    assert answers[0][1]["owner_id"] == ana_id
    assert answers[1][1]["note"] == "Renewed"
    assert [row["id"] for row in answers[2][1]["items"]] == [1, 2, 3]
    assert answers[5][1]["total"] == 0
    assert answers[6][1]["owner_id"] == bo_id and answers[6][1]["id"] == 5
    # On the first copy the administrator owns them: the member reaches none.
    assert as_users(project, main, prefix, [["ana@example.com", "GET", f"{loans}/1", None]]) == [
        (404, answers[3][1])
    ]

    # `alembic upgrade` on another copy: the owner it names must exist, or nothing changes.
    unchanged = loan_table(project, third)
    failed = run(
        project, third, "-m", "alembic", "-x", "owner=nobody@example.com", "upgrade", "head"
    )
    assert failed.returncode != 0
    assert f"{held}no user has the e-mail nobody@example.com" in failed.stderr, failed.stderr
    assert loan_table(project, third) == unchanged

    # An empty database goes through the same migration: an empty table needs no owner.
    fresh = new_database("fresh")
    started = run(project, fresh, "-c", START)
    assert started.returncode == 0 and "started" in started.stdout, started.stderr[-3000:]
    empty = loan_table(project, fresh)
    assert empty["revision"] == after["revision"] and empty["rows"] == []
    assert empty["columns"]["owner_id"] is False


# --------------------------------------------------------------------------- the search index


def search_tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE name LIKE '%search%'")
        return {row[0] for row in rows}


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_searchable_added_indexes_the_rows_held_and_survives_a_table_rebuild(
    template_repo: Path, tmp_path: Path, async_db: bool
) -> None:
    design = design_data("lending-library")
    book = next(r for r in design["resources"] if r["name"] == "book")
    book["fields"]["summary"] = "text?"  # v1: only the title searchable
    data = {**design, "async_db": async_db}
    project = new_project(template_repo, tmp_path / "project", data)
    database = tmp_path / "data.db"
    environment = env(database, async_db)
    prefix = "/api/v1"
    author = {"name": "Ursula"}
    body = {"title": "Left Hand", "isbn": "9780441478125", "summary": "Genly Ai on Gethen, 100%_"}
    seeded = through_api(
        project,
        environment,
        prefix,
        [
            ("POST", f"{prefix}/authors", author),
            ("POST", f"{prefix}/books", {**body, "author_id": {"$id": 0}}),
        ],
    )
    assert [status for status, _ in seeded] == [201, 201], seeded
    assert search_tables(database) >= {"book_search", "book_search_insert"}

    # v2: the summary searchable too, and a type change that makes SQLite rebuild the table.
    design_v2 = resources(project)
    v2_book = next(r for r in design_v2 if r["name"] == "book")
    v2_book["fields"]["summary"] = "text? searchable"
    v2_book["fields"]["pages"] = "float?"
    update(project, {"resources": design_v2})
    commit(project, "Design v2")
    migrated = run(project, environment, "-m", "tools.migrate", "Pages in decimals")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "book_search_update" in search_tables(database)  # given back after the rebuild
    commit(project, "Pages in decimals")
    found = through_api(
        project,
        environment,
        prefix,
        [
            ("GET", f"{prefix}/books?q=GETHEN, 100%25_", None),
            ("GET", f"{prefix}/books?q=gethen 100", None),
            (
                "POST",
                f"{prefix}/books",
                {**body, "isbn": "9780441478126", "summary": "Gethen again", "author_id": 1},
            ),
            ("GET", f"{prefix}/books?q=gethen", None),
        ],
    )
    assert [row["id"] for row in found[0][1]["items"]] == [seeded[1][1]["id"]], found
    assert found[1][1]["items"] == []
    assert found[2][0] == 201
    assert found[3][1]["total"] == 2
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # v3: nothing searchable: the index goes, at the next start, with no migration.
    design_v3 = resources(project)
    v3_book = next(r for r in design_v3 if r["name"] == "book")
    v3_book["fields"]["summary"] = "text?"
    v3_book["fields"]["title"] = "str(200)"
    update(project, {"resources": design_v3})
    commit(project, "Design v3")
    started = run(project, environment, "-c", START)
    assert started.returncode == 0, started.stderr[-3000:]
    assert search_tables(database) == set()
