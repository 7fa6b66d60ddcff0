"""The rendered project on a real PostgreSQL server (a throwaway cluster on 127.0.0.1), sync
(psycopg) and async (asyncpg):

- the rendered test suite passes with TEST_DATABASE_URL, for the default design and richer ones
  (lending-library: its `q` through the pg_trgm indexes);
- a prototype with rows moves from SQLite to PostgreSQL (`python -m tools.move_data`), then keeps
  migrating through `copier update` + `python -m tools.migrate`, every row kept; refusals write
  nothing; `alembic downgrade base` and `upgrade head` work both ways;
- every edge input gets the same status on PostgreSQL as on SQLite, under uvicorn: no 500;
- workers starting together on an empty database take turns setting it up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import design_data
from tests.helpers import run_project_pytest
from tests.postgres import Cluster
from tests.test_http import ADMIN, model_of, serve
from tests.test_migrations import (
    START,
    env,
    migration_files,
    ruff_clean,
    run,
    seed_requests,
    through_api,
)
from tests.test_production import WORKERS, production_env, start_workers
from tests.test_update import commit, new_project, resources, update

BUILDS = [pytest.param(False, id="sync"), pytest.param(True, id="async")]


def driver(async_db: bool) -> str:
    return "asyncpg" if async_db else "psycopg"


@pytest.mark.parametrize("async_db", BUILDS)
@pytest.mark.parametrize("design", ["default", "shop-orders", "lending-library"])
def test_the_rendered_suite_passes_on_postgres(
    rendered: Callable[..., Path], postgres: Cluster, design: str, async_db: bool
) -> None:
    project = rendered(design, async_db=async_db)
    result = run_project_pytest(
        project,
        "-x",
        env_overrides={"TEST_DATABASE_URL": postgres.url(driver=driver(async_db))},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout
    # The suite really ran on the server: pointed at one that is not there, it cannot start.
    nowhere = Cluster(host="127.0.0.1", port=1, user=postgres.user).url(driver=driver(async_db))
    refused = run_project_pytest(
        project, "-x", "tests/test_health.py", env_overrides={"TEST_DATABASE_URL": nowhere}
    )
    assert refused.returncode != 0 and "port 1 failed" in refused.stdout, refused.stdout[-3000:]


def pg_env(database_url: str) -> dict[str, str]:
    """The environment `env()` gives, over a PostgreSQL database."""
    return {**env(Path("unused.db"), False), "DATABASE_URL": database_url}


def test_a_design_with_links_moves_its_rows_and_links_to_postgres(
    rendered: Callable[..., Path], tmp_path: Path, postgres: Cluster
) -> None:
    """A many-to-many link table (no id of its own) moves with the rows; ids continue above the
    highest one SQLite gave out, a deleted top row's included."""
    project = rendered("lending-library")
    model = model_of("lending-library", False, "jwt")
    prefix = model.api_prefix
    sqlite_env = env(tmp_path / "data.db", False)
    seed = seed_requests(model)
    seeded = through_api(project, sqlite_env, prefix, seed)
    assert all(status == 201 for status, _ in seeded), seeded
    order = [r.name for r in model._creation_order()]
    book = seeded[order.index("book")][1]
    tags_url = f"{prefix}/shelf-tags"
    work = through_api(
        project,
        sqlite_env,
        prefix,
        [
            ("POST", tags_url, {"label": "staff pick"}),
            ("POST", tags_url, {"label": "new"}),  # the top row, deleted below
        ],
    )
    assert [status for status, _ in work] == [201, 201], work
    tags = [seeded[order.index("shelf_tag")][1]["id"], work[0][1]["id"]]
    top = work[1][1]["id"]
    work = through_api(
        project,
        sqlite_env,
        prefix,
        [
            ("PATCH", f"{prefix}/books/{book['id']}", {"shelf_tag_ids": tags}),
            ("DELETE", f"{tags_url}/{top}", None),
        ],
    )
    assert [status for status, _ in work] == [200, 204], work
    linked = work[0][1]
    assert sorted(linked["shelf_tag_ids"]) == sorted(tags), linked

    target = postgres.new_database(driver="psycopg")
    moved = run(project, sqlite_env, "-m", "tools.move_data", target)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "book_tags: 2 rows" in moved.stdout and "shelf_tag: 2 rows" in moved.stdout

    environment = pg_env(target)
    reads = [
        ("GET", f"{prefix}/books/{book['id']}", None),
        ("GET", f"{prefix}/books?shelf_tag_id={tags[1]}", None),
        ("POST", tags_url, {"label": "newer"}),
    ]
    (read, (_, listed), (status, tag)) = through_api(project, environment, prefix, reads)
    assert read == (200, linked)
    assert [row["id"] for row in listed["items"]] == [book["id"]], listed
    assert status == 201 and tag["id"] > top, tag


@pytest.mark.parametrize("async_db", BUILDS)
def test_a_prototype_moves_to_postgres_and_keeps_migrating(
    template_repo: Path, tmp_path: Path, postgres: Cluster, async_db: bool
) -> None:
    data = {**design_data("default"), "async_db": async_db}
    project = new_project(template_repo, tmp_path / "project", data)
    model = model_of("default", async_db, "jwt")
    prefix = model.api_prefix

    # On SQLite: rows, and a deleted loan whose id must never come back.
    sqlite_env = env(tmp_path / "data.db", async_db)
    seed = seed_requests(model)
    seeded = through_api(project, sqlite_env, prefix, seed)
    assert all(status == 201 for status, _ in seeded), seeded
    loan_url = f"{prefix}/loans"
    loan_body = {key: seeded[2][1][key] for key in seed[2][2]}
    created = through_api(project, sqlite_env, prefix, [("POST", loan_url, loan_body)])
    deleted_id = created[0][1]["id"]
    deleted = through_api(
        project, sqlite_env, prefix, [("DELETE", f"{loan_url}/{deleted_id}", None)]
    )
    assert deleted[0][0] == 204, deleted

    # A database that is not there: one line saying so, not a traceback.
    missing = postgres.url("no_such_database")
    unreachable = run(project, sqlite_env, "-m", "tools.move_data", missing)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "Nothing copied: cannot reach a database" in unreachable.stderr
    assert 'database "no_such_database" does not exist' in unreachable.stderr
    unreachable = run(project, pg_env(missing), "-m", "tools.migrate", "Nothing")
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "Cannot reach the database (postgresql+psycopg://" in unreachable.stderr

    # The README's recipe: copy the rows into an empty PostgreSQL database, then point at it.
    target = postgres.new_database(driver="psycopg")
    moved = run(project, sqlite_env, "-m", "tools.move_data", target)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "author: 1 row" in moved.stdout and "loan: 1 row" in moved.stdout
    again = run(project, sqlite_env, "-m", "tools.move_data", target)
    assert again.returncode == 1 and "already holds rows" in again.stderr

    database_url = target.replace("+psycopg", f"+{driver(async_db)}")
    environment = pg_env(database_url)
    reads = [
        ("GET", f"{prefix}{r.path}/{body['id']}", None)
        for r, (_, body) in zip(model._creation_order(), seeded, strict=True)
    ]
    assert through_api(project, environment, prefix, reads) == [(200, row) for _, row in seeded]
    new_loan = through_api(project, environment, prefix, [("POST", loan_url, loan_body)])
    assert new_loan[0][0] == 201 and new_loan[0][1]["id"] > deleted_id, new_loan

    # A design change: a field with a default, an optional field, a new enum value and enum
    # field, a new resource with a unique field, and a ref to it.
    design_v2 = resources(project)
    author, book = design_v2[0], design_v2[1]
    author["fields"]["copies_kept"] = "int = 1"
    author["fields"]["shelf_note"] = "str(60)?"
    author["fields"]["probe"] = "ref migration_probe?"
    book["fields"]["genre"] = "enum(fiction, science, history, children, poetry) = fiction"
    book["fields"]["condition"] = "enum(new, worn) = new"
    design_v2.append({"name": "migration_probe", "fields": {"label": "str(40) unique"}})
    update(project, {"resources": design_v2})
    commit(project, "Design v2")

    refused = run(project, environment, "-c", START)
    assert refused.returncode != 0
    assert "The database schema does not match the models" in refused.stderr

    migrated = run(project, environment, "-m", "tools.migrate", "Probes, conditions, poetry")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "Not backed up: postgresql keeps no file to copy" in migrated.stdout
    assert "pg_dump" in migrated.stdout
    assert len(migration_files(project)) == 2
    ruff_clean(project)
    checked = run(project, environment, "-m", "alembic", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    commit(project, "Migration for design v2")

    after = through_api(project, environment, prefix, reads)
    for (status, row), (_, before) in zip(after, seeded, strict=True):
        assert status == 200
        assert {key: row[key] for key in before} == before, "an old value changed"
    assert after[0][1]["copies_kept"] == 1 and after[1][1]["condition"] == "new"
    new_work = through_api(
        project,
        environment,
        prefix,
        [
            ("POST", f"{prefix}/migration-probes", {"label": "probe"}),
            ("POST", f"{prefix}/migration-probes", {"label": "probe"}),
            ("PATCH", f"{prefix}/authors/{after[0][1]['id']}", {"probe_id": {"$id": 0}}),
            ("PATCH", f"{prefix}/books/{after[1][1]['id']}", {"genre": "poetry"}),
        ],
    )
    assert [status for status, _ in new_work] == [201, 409, 200, 200], new_work

    # A change the rows cannot survive is refused, and nothing is written.
    design_v3 = resources(project)
    design_v3[0]["fields"]["born_in"] = "str(60)"  # required, no default, on a table with rows
    del design_v3[0]["fields"]["copies_kept"]  # a column every row holds a value in
    update(project, {"resources": design_v3, "confirm_removal": "author.copies_kept"})
    commit(project, "Design v3")
    refused = run(project, environment, "-m", "tools.migrate", "Birthplaces")
    assert refused.returncode == 1
    assert "author.born_in is a new required field without a default" in refused.stderr
    assert "author.copies_kept is no longer in the design" in refused.stderr
    assert (  # the hint to drop the data says what PostgreSQL keeps of it: nothing
        '`python -m tools.migrate --allow-drops "what changed"` (it makes no copy of the data: '
        "to keep one, run `pg_dump` first)" in refused.stderr
    )
    assert "SQLite" not in refused.stderr
    assert "restore" not in refused.stderr and "Backed up" not in refused.stdout
    assert len(migration_files(project)) == 2

    # Every migration runs both ways on an empty database, through the build's own driver.
    design_v3[0]["fields"]["born_in"] = "str(60)?"
    design_v3[0]["fields"]["name"] = "str(120) unique"  # the rows' names are distinct
    update(project, {"resources": design_v3})
    commit(project, "Design v3, optional")
    migrated = run(
        project, environment, "-m", "tools.migrate", "--allow-drops", "Birthplaces, unique names"
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    taken = through_api(
        project, environment, prefix, [("POST", f"{prefix}/authors", {"name": after[0][1]["name"]})]
    )
    assert taken[0][0] == 409, taken
    empty = pg_env(postgres.new_database(driver=driver(async_db)))
    for step in (("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head"), ("check",)):
        result = run(project, empty, "-m", "alembic", *step)
        assert result.returncode == 0, f"alembic {' '.join(step)}: {result.stdout}{result.stderr}"


# Requests whose answers depend on what a database can hold, with the status each must get;
# `{author}` is an existing author.
BIG = 3_000_000_000  # beyond a 32-bit column
MAX = 2**53 - 1
EDGE_REQUESTS: list[tuple[str, str, Any, int]] = [
    ("GET", "/books/3000000000", None, 404),
    ("GET", f"/books/{MAX}", None, 404),
    ("GET", f"/books/{MAX + 1}", None, 422),
    ("GET", f"/books?author_id={BIG}", None, 200),
    ("GET", f"/books?offset={MAX}", None, 200),
    ("GET", "/books?sort=-title", None, 200),
    ("POST", "/books", {"title": "Big", "isbn": "9780000000001", "pages": BIG, "author_id": "{author}"}, 201),
    ("POST", "/books", {"title": "Max", "isbn": "9780000000002", "pages": MAX, "author_id": "{author}"}, 201),
    ("POST", "/books", {"title": "Over", "isbn": "9780000000003", "pages": MAX + 1, "author_id": "{author}"}, 422),
    ("POST", "/books", {"title": "Nul\u0000", "isbn": "9780000000004", "author_id": "{author}"}, 422),
    ("POST", "/books", {"title": "Same", "isbn": "9780000000001", "author_id": "{author}"}, 409),
    ("POST", "/books", {"title": "Orphan", "isbn": "9780000000005", "author_id": BIG}, 422),
    ("POST", "/books", {"title": "Genre", "isbn": "9780000000006", "author_id": "{author}", "genre": "poetry"}, 422),
    ("POST", "/authors", {"name": "x" * 121}, 422),
    ("POST", "/authors", {"name": "Ünïcødé 😀", "born_on": "0001-01-01", "biography": "b" * 5000}, 201),
    ("PATCH", "/books/1", {"isbn": "9780000000002"}, 409),
    ("DELETE", "/authors/{author}", None, 409),
    ("POST", "/loans", {"book_id": 1, "due_on": "9999-12-31"}, 201),
    ("GET", "/loans?book_id=1&returned=false&sort=-due_on", None, 200),
]  # fmt: skip


def edge_answers(client: httpx.Client, prefix: str) -> list[tuple[str, int, str]]:
    """`(request, status, error code)` of each edge request, on a fresh database."""
    token = client.post(f"{prefix}/auth/token", data=ADMIN).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    author = client.post(f"{prefix}/authors", json={"name": "Le Guin"}, headers=headers)
    assert author.status_code == 201, author.text
    author_id = author.json()["id"]
    answers = []
    for method, path, body, _ in EDGE_REQUESTS:
        if isinstance(body, dict):
            body = {k: author_id if v == "{author}" else v for k, v in body.items()}
        url = prefix + path.replace("{author}", str(author_id))
        response = client.request(method, url, json=body, headers=headers)
        code = response.json().get("code", "") if response.status_code >= 400 else ""
        answers.append((f"{method} {path}", response.status_code, code))
    return answers


@pytest.mark.parametrize("async_db", BUILDS)
def test_edge_inputs_get_the_same_answers_on_postgres_as_on_sqlite(
    rendered: Callable[..., Path], tmp_path: Path, postgres: Cluster, async_db: bool
) -> None:
    """Under uvicorn, the same requests on both databases: the same statuses and codes, each
    the one expected (no 500 where a 32-bit column or a NUL byte would have given one)."""
    project = rendered("default", async_db=async_db)
    prefix = model_of("default", async_db, "jwt").api_prefix
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "postgres").mkdir()
    with serve(project, tmp_path / "sqlite", async_db) as client:
        on_sqlite = edge_answers(client, prefix)
    database_url = postgres.new_database(driver=driver(async_db))
    with serve(project, tmp_path / "postgres", async_db, database_url) as client:
        on_postgres = edge_answers(client, prefix)
    assert on_postgres == on_sqlite
    assert [status for _, status, _ in on_postgres] == [r[3] for r in EDGE_REQUESTS], on_postgres


@pytest.mark.parametrize("async_db", BUILDS)
def test_workers_starting_together_on_a_fresh_postgres_database_all_come_up(
    rendered: Callable[..., Path], tmp_path: Path, postgres: Cluster, async_db: bool
) -> None:
    """Four workers set up one empty database at once: PostgreSQL's advisory lock makes them
    take turns, so none fails on a table another is creating."""
    project = rendered("default", async_db=async_db)
    for start in range(3):
        database_url = postgres.new_database(driver=driver(async_db))
        environment = {**production_env(project, tmp_path / "unused.db", async_db)}
        environment["DATABASE_URL"] = database_url
        text, ready = start_workers(project, environment, tmp_path / f"start-{start}.log")
        assert text.count("Application startup complete") == WORKERS, text[-4000:]
        assert "Traceback" not in text and "ERROR" not in text, text[-4000:]
        assert ready == 200, text[-4000:]
