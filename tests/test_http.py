"""The rendered app under uvicorn on a loopback port, walked over real HTTP as a client would."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import forkserver
from tests.conftest import DESIGNS, design_data
from tests.helpers import EXAMPLES, ROOT, questionnaire_answers

sys.path.insert(0, str(ROOT))
from hooks.access import HiddenReference  # noqa: E402
from hooks.design import Design  # noqa: E402
from hooks.resources import Resource  # noqa: E402
from hooks.validate import build_design  # noqa: E402

ADMIN = {"username": "admin@example.com", "password": "walk-admin-password"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_of(design: str, async_db: bool, auth: str) -> Design:
    """The design model the project was rendered from, to know what to expect."""
    answers = questionnaire_answers(**{**design_data(design), "async_db": async_db, "auth": auth})
    return build_design(answers)


@contextmanager
def serve(
    project: Path, tmp_path: Path, async_db: bool, database_url: str | None = None
) -> Iterator[httpx.Client]:
    """uvicorn on 127.0.0.1 with a fresh file database (or the empty one `database_url` names);
    stopped however the test ends."""
    sqlite_url = f"sqlite{'+aiosqlite' if async_db else ''}:///{tmp_path / 'walk.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(project),
        "DATABASE_URL": database_url or sqlite_url,
        "ENVIRONMENT": "development",
        "FIRST_ADMIN_EMAIL": ADMIN["username"],
        "FIRST_ADMIN_PASSWORD": ADMIN["password"],
    }
    if (project / "alembic.ini").exists():
        migrate = forkserver.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=project, env=env, timeout=120
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    port = free_port()
    log = (tmp_path / "uvicorn.log").open("w")
    server = forkserver.start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=project,
        env=env,
        output=log,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "uvicorn.log").read_text()) from None
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=10) as client:
            yield client
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def is_error(response: httpx.Response, status: int, code: str) -> bool:
    body = response.json()
    return (
        response.status_code == status and set(body) == {"detail", "code"} and body["code"] == code
    )


def value(field: Any, n: int) -> Any:
    return eval(field.test_value, {}, {"n": n})  # the design model's own test expressions


class Walker:
    """Creates rows (and what they refer to) through the API, as the administrator."""

    def __init__(self, client: httpx.Client, model: Design, headers: dict[str, str]) -> None:
        self.client, self.model, self.headers = client, model, headers
        self.prefix = model.api_prefix

    def url(self, resource: Resource) -> str:
        return f"{self.prefix}{resource.path}"

    def payload(self, resource: Resource, n: int) -> dict[str, Any]:
        body = {f.column: value(f, n) for f in resource.fields if f.kind != "ref"}
        for f in resource.required_refs:
            body[f.column] = self.create(self.model.by_name[f.ref], n)["id"]
        return body

    def create(self, resource: Resource, n: int) -> dict[str, Any]:
        response = self.client.post(
            self.url(resource), json=self.payload(resource, n), headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


WALKS = [
    pytest.param(design, async_db, id=f"{design}-{'async' if async_db else 'sync'}")
    for design in DESIGNS
    for async_db in (False, True)
]


@pytest.mark.parametrize(("design", "async_db"), WALKS)
def test_http_contract(
    rendered: Callable[..., Path], tmp_path: Path, design: str, async_db: bool
) -> None:
    project = rendered(design, async_db=async_db, auth="jwt")
    model = model_of(design, async_db, "jwt")
    with serve(project, tmp_path, async_db) as client:
        prefix = model.api_prefix
        token = client.post(f"{prefix}/auth/token", data=ADMIN)
        assert token.status_code == 200, token.text
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        walker = Walker(client, model, admin)

        for number, resource in enumerate(model.resources):
            url = walker.url(resource)
            row = walker.create(resource, 10 + number)
            one = f"{url}/{row['id']}"
            listed = client.get(url, params={"limit": 5, "sort": "-id"}, headers=admin)
            assert listed.status_code == 200
            assert listed.json()["items"][0] == row
            assert client.get(one, headers=admin).json() == row
            if resource.patch_field:
                field = resource.patch_field
                changed = client.patch(
                    one, json={field.column: eval(field.changed_value)}, headers=admin
                )
                assert changed.status_code == 200, changed.text
            assert client.delete(one, headers=admin).status_code == 204
            assert is_error(client.get(one, headers=admin), 404, "not_found")
            bad = {
                **walker.payload(resource, 40 + number),
                resource.fields[0].column: {"not": "valid"},
            }
            assert is_error(client.post(url, json=bad, headers=admin), 422, "validation_error")
            if resource.unique_fields:
                first = walker.create(resource, 60 + number)
                column = resource.unique_fields[0].column
                dup = {**walker.payload(resource, 70 + number), column: first[column]}
                assert is_error(client.post(url, json=dup, headers=admin), 409, "conflict")

        guarded = [
            (r, action)
            for r in model.resources
            for action in ("create", "list")
            if r.access(action, None) == 401
        ]
        assert guarded, "the design has no protected endpoint to check 401 on"
        resource, action = guarded[0]
        method = "POST" if action == "create" else "GET"
        response = client.request(method, walker.url(resource), json={})
        assert is_error(response, 401, "not_authenticated")
        assert response.headers["WWW-Authenticate"] == "Bearer"

        refused = [
            (r, role)
            for r in model.resources
            for role in model.roles
            if r.access("create", role) == 403
        ]
        if refused:
            resource, role = refused[0]
            user = {"email": f"{role}@example.com", "password": "walk-user-password", "role": role}
            assert client.post(f"{prefix}/users", json=user, headers=admin).status_code == 201
            login = {"username": user["email"], "password": user["password"]}
            headers = {
                "Authorization": f"Bearer {client.post(f'{prefix}/auth/token', data=login).json()['access_token']}"
            }
            response = client.post(
                walker.url(resource), json=walker.payload(resource, 90), headers=headers
            )
            assert is_error(response, 403, "forbidden")
        assert "X-Request-ID" in response.headers


TIMESTAMPED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 [A-Z]+ \S+ ")


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_served_logs_have_one_timestamped_line_per_request(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    """Under uvicorn: uvicorn's lines and the app's share one format, and a request whose path
    holds a newline or a NUL writes one line, not a forged second."""
    project = rendered("default", async_db=async_db)
    with serve(project, tmp_path, async_db) as client:
        forged = client.get("/api/v1/nothing%0AINFO%20app.access%20GET%20/forged%20200%00")
        assert forged.status_code == 404
    lines = (tmp_path / "uvicorn.log").read_text().splitlines()
    assert lines, "uvicorn wrote nothing"
    untimed = [line for line in lines if not TIMESTAMPED.match(line)]
    assert not untimed, untimed
    [access] = [line for line in lines if "nothing" in line]
    assert " app.access GET /api/v1/nothing%0AINFO%20app.access" in access
    assert not [line for line in lines if "HTTP/1.1" in line], "uvicorn's own access line is back"


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_every_error_code_of_section_7_over_http(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    """The statuses and codes spec section 7 names, as uvicorn delivers them, for requests that
    only a real client sends: a chunked body with no length, a foreign CORS preflight."""
    project = rendered("default", async_db=async_db)
    model = model_of("default", async_db, "jwt")
    url = f"{model.api_prefix}{model.resources[0].path}"
    with serve(project, tmp_path, async_db) as client:
        token = client.post(f"{model.api_prefix}/auth/token", data=ADMIN).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        json_type = {"Content-Type": "application/json", **admin}

        broken = client.post(url, content=b'{"name": ', headers=json_type)
        assert is_error_list(broken, 422, "json_invalid")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"name": "'
            for _ in range(17):
                yield b"x" * 65536
            yield b'"}'

        too_large = client.post(url, content=chunks(), headers=json_type)
        assert "content-length" not in too_large.request.headers
        assert is_error(too_large, 413, "content_too_large")

        wrong_method = client.put(f"{url}/1", json={}, headers=admin)
        assert is_error(wrong_method, 405, "method_not_allowed")
        assert wrong_method.headers["Allow"] == "DELETE, GET, PATCH"

        preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
        assert is_error(client.options(url, headers=preflight), 400, "bad_request")

        wrong = {"username": ADMIN["username"], "password": "not-the-password"}
        failures = [client.post(f"{model.api_prefix}/auth/token", data=wrong) for _ in range(6)]
        assert [r.status_code for r in failures] == [401] * 5 + [429]
        assert is_error(failures[-1], 429, "too_many_requests")
        assert int(failures[-1].headers["Retry-After"]) > 0
        assert failures[-1].headers["X-Content-Type-Options"] == "nosniff"


def is_error_list(response: httpx.Response, status: int, error_type: str) -> bool:
    """A 422: the `validation_error` body whose first field error is of this type."""
    body = response.json()
    return (
        response.status_code == status
        and body["code"] == "validation_error"
        and body["detail"][0]["type"] == error_type
    )


# Where a reference to a row the caller may not read is checked: each example design with owned
# resources, on SQLite and on PostgreSQL (one throwaway database per example), sync and async.
SCOPING_RUNS = [
    pytest.param(database, async_db, id=f"{database}-{'async' if async_db else 'sync'}")
    for database in ("sqlite", "postgres")
    for async_db in (False, True)
]


def login(client: httpx.Client, prefix: str, username: str, password: str) -> dict[str, str]:
    token = client.post(f"{prefix}/auth/token", data={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def writable(payload: dict[str, Any], resource: Resource, role: str) -> dict[str, Any]:
    """`payload` without the fields only other roles may set (`write:`)."""
    return {
        key: v
        for key, v in payload.items()
        if not any(f.column == key and role not in f.writers for f in resource.guarded_fields)
    }


def masked(response: httpx.Response, row_id: int) -> tuple[int, str]:
    """The status and body, with the id the request named written `<id>`."""
    return response.status_code, re.sub(rf"\b{row_id}\b", "<id>", response.text)


def is_invalid_reference(answer: tuple[int, str]) -> bool:
    status, text = answer
    return (
        status == 422
        and json.loads(text)["code"] == "validation_error"
        and json.loads(text)["detail"][0]["type"] == "invalid_reference"
    )


def check_hidden_reference(
    where: str,
    walker: Walker,
    resource: Resource,
    case: HiddenReference,
    headers: dict[str, str],
    n: int,
) -> None:
    """One `hidden_references` case over HTTP: an id of a row the case's role may not read (one
    the administrator created) gets the answer an id of no row gets, the same status and body but
    for the id, on create, on PATCH of the role's own row and in its list filter; a row of its
    own the role may name. Each row made here takes its own `n`, from `n` to `n + 3`."""
    client, admin, role, key = walker.client, walker.headers, case.role, case.key
    url, target = walker.url(resource), walker.model.by_name[case.target]
    payload = writable(walker.payload(resource, n), resource, role)
    hidden = payload[key] if case.required else walker.create(target, n + 3)["id"]
    missing = hidden + 10**6

    def body(row_id: int, base: dict[str, Any] = payload) -> dict[str, Any]:
        return {**base, key: [row_id] if case.link else row_id}

    def answer(row_id: int, method: str = "POST", to: str = url) -> tuple[int, str]:
        return masked(client.request(method, to, json=body(row_id), headers=headers), row_id)

    on_create = answer(hidden)
    assert on_create == answer(missing), f"{where}: create"
    assert is_invalid_reference(on_create), f"{where}: {on_create}"
    if case.may_own:
        target_payload = writable(walker.payload(target, n + 1), target, role)
        mine = client.post(walker.url(target), json=target_payload, headers=headers)
        assert mine.status_code == 201, f"{where}: {mine.text}"
        own_payload = writable(walker.payload(resource, n + 2), resource, role)
        own = client.post(url, json=body(mine.json()["id"], own_payload), headers=headers)
        assert own.status_code == 201, f"{where}: naming its own {case.target}: {own.text}"
        if case.patch_own:
            one = f"{url}/{own.json()['id']}"
            on_patch = answer(hidden, "PATCH", one)
            assert on_patch == answer(missing, "PATCH", one), f"{where}: PATCH"
            assert is_invalid_reference(on_patch), f"{where}: {on_patch}"
    if case.filter_param:  # a row naming the hidden one, which the role's list would show
        stored = client.post(url, json=body(hidden), headers=admin)
        assert stored.status_code == 201, f"{where}: {stored.text}"
        seen = client.get(url, params={case.filter_param: hidden}, headers=admin)
        assert seen.json()["total"] == 1, f"{where}: the administrator's filter"
    if resource.access("list", role) == 200:
        link = next((k for k in resource.links if k.ids_key == key), None)
        param = link.filter_param if link else key
        listed = [
            masked(client.get(url, params={param: row_id}, headers=headers), row_id)
            for row_id in (hidden, missing)
        ]
        assert listed[0] == listed[1], f"{where}: list filter"
        assert listed[0][0] == 200 and json.loads(listed[0][1])["total"] == 0, f"{where}: {listed}"


def check_hidden_references(design: str, walker: Walker) -> int:
    """Every `hidden_references` case of the design, each role a user of its own; how many."""
    client, model, prefix = walker.client, walker.model, walker.prefix
    users: dict[str, dict[str, str]] = {}
    checked = 0
    for resource in model.resources:
        for case in model.hidden_references(resource):
            if case.role not in users:
                email, password = f"scoped-{case.role}@example.com", "scoping-user-password"
                user = {"email": email, "password": password, "role": case.role}
                created = client.post(f"{prefix}/users", json=user, headers=walker.headers)
                assert created.status_code == 201, created.text
                users[case.role] = login(client, prefix, email, password)
            where = f"{design}: {resource.name}.{case.key} as {case.role}"
            n = 100 + 10 * checked
            check_hidden_reference(where, walker, resource, case, users[case.role], n)
            checked += 1
    return checked


@pytest.mark.parametrize(("database", "async_db"), SCOPING_RUNS)
def test_references_to_unreadable_rows_look_missing_over_http(
    request: pytest.FixtureRequest,
    rendered: Callable[..., Path],
    tmp_path: Path,
    database: str,
    async_db: bool,
) -> None:
    """Issue 27: for every example with owned resources, under uvicorn, no reference or link to a
    row the caller may not read is accepted, and the answer never tells it from a missing row."""
    checked: dict[str, int] = {}
    for path in EXAMPLES:
        model = model_of(path.stem, async_db, "jwt")
        if not any(r.owned for r in model.resources):
            continue
        checked[path.stem] = 0
        if not any(model.hidden_references(r) for r in model.resources):
            continue  # nothing hidden to name: no server to start
        project = rendered(path.stem, async_db=async_db, auth="jwt")
        database_url = None
        if database == "postgres":
            cluster = request.getfixturevalue("postgres")
            database_url = cluster.new_database(driver="asyncpg" if async_db else "psycopg")
        (tmp_path / path.stem).mkdir()
        with serve(project, tmp_path / path.stem, async_db, database_url) as client:
            prefix = model.api_prefix
            admin = login(client, prefix, ADMIN["username"], ADMIN["password"])
            walker = Walker(client, model, admin)
            checked[path.stem] = check_hidden_references(path.stem, walker)
    assert checked, "no example design has owned resources"
    assert sum(checked.values()) > 0, f"no hidden-reference case was exercised: {checked}"


def use_the_readmes_rule(project: Path) -> str:
    """The rendered README's rules example, written into `app/rules/ticket.py` as a user would;
    it must pass ruff and mypy as it stands."""
    readme = (project / "README.md").read_text()
    example = re.search(r"\*\*Business rules\.\*\*.*?\n```python\n(.*?)```", readme, re.S)
    assert example, "the rendered README has no rules example"
    (project / "app/rules/ticket.py").write_text(example[1])
    for tool in (
        ["ruff", "check", "app/rules"],
        ["ruff", "format", "--check", "app/rules"],
        ["mypy", "app/rules/ticket.py"],
    ):
        checked = subprocess.run(
            [sys.executable, "-m", *tool], cwd=project, capture_output=True, text=True, timeout=300
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    return example[1]


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_the_readme_rule_with_context_works_over_http(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    """Issue 27: the rendered README's rules example, written into the helpdesk's
    `app/rules/ticket.py` as a user would, type-checks, and under uvicorn refuses what it says:
    a customer moves their ticket only to `solved`, an agent anywhere. The refusal needs `before`
    to be the row as it was, not the row the PATCH has already changed."""
    project = shutil.copytree(rendered("helpdesk", async_db=async_db), tmp_path / "project")
    example = use_the_readmes_rule(project)
    assert "caller: User | None" in example and "before: Ticket | None" in example
    prefix = model_of("helpdesk", async_db, "jwt").api_prefix
    with serve(project, tmp_path, async_db) as client:
        admin = login(client, prefix, ADMIN["username"], ADMIN["password"])
        headers: dict[str, dict[str, str]] = {}
        for role in ("customer", "agent"):
            user = {"email": f"{role}@example.com", "password": "rules-password", "role": role}
            created = client.post(f"{prefix}/users", json=user, headers=admin)
            assert created.status_code == 201, created.text
            headers[role] = login(client, prefix, user["email"], user["password"])
        filed = {"subject": "The printer jams", "body": "Every morning."}
        ticket = client.post(f"{prefix}/tickets", json=filed, headers=headers["customer"])
        assert ticket.status_code == 201, ticket.text
        url = f"{prefix}/tickets/{ticket.json()['id']}"

        def patch(role: str, **changes: str) -> httpx.Response:
            return client.patch(url, json=changes, headers=headers[role])

        refused = patch("customer", status="pending")
        assert is_error(refused, 403, "forbidden"), refused.text
        assert refused.json()["detail"] == "A customer may only move their ticket to solved"
        assert client.get(url, headers=headers["customer"]).json()["status"] == "open"
        assert patch("customer", subject="The printer jams again").status_code == 200
        assert patch("agent", status="pending").json()["status"] == "pending"
        assert patch("customer", status="pending").status_code == 200  # no move: it is pending
        assert patch("customer", status="closed").status_code == 403
        solved = patch("customer", status="solved")
        assert solved.status_code == 200 and solved.json()["status"] == "solved"
        assert patch("agent", status="open").json()["status"] == "open"


def test_the_readme_rule_without_logins_works_over_http(
    rendered: Callable[..., Path], tmp_path: Path
) -> None:
    """With `auth: none` the README's example has no caller: a closed ticket stays closed."""
    project = shutil.copytree(rendered("helpdesk", auth="none"), tmp_path / "project")
    assert "caller" not in use_the_readmes_rule(project)
    prefix = model_of("helpdesk", False, "none").api_prefix
    with serve(project, tmp_path, False) as client:
        filed = {"subject": "The printer jams", "body": "Every morning.", "status": "closed"}
        ticket = client.post(f"{prefix}/tickets", json=filed)
        assert ticket.status_code == 201, ticket.text
        url = f"{prefix}/tickets/{ticket.json()['id']}"
        reopened = client.patch(url, json={"status": "open"})
        assert is_error_list(reopened, 422, "value_error"), reopened.text
        assert reopened.json()["detail"][0]["loc"] == ["body", "status"]
        assert client.get(url).json()["status"] == "closed"
        assert client.patch(url, json={"priority": "high"}).status_code == 200
        other = client.post(f"{prefix}/tickets", json={**filed, "status": "open"}).json()
        assert (
            client.patch(f"{prefix}/tickets/{other['id']}", json={"status": "closed"}).status_code
            == 200
        )
