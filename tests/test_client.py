"""A real client generator reads a rendered app's OpenAPI document, and the client it writes
drives the running app: the document's operation ids, parameters and statuses are what client
code is made of. README's code block under "A generated client" is the code run here."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import readme_block
from tests.test_http import ADMIN, serve

PACKAGE = "library_client"


@pytest.fixture
def fresh_import() -> Iterator[None]:
    """The generated package is imported from a temporary directory, once per build."""
    yield
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.mark.usefixtures("fresh_import")
@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_a_generated_client_logs_in_creates_lists_and_reads(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    with serve(project, tmp_path, async_db) as http:
        document = http.get("/openapi.json").json()
        (tmp_path / "openapi.json").write_text(json.dumps(document))
        generate = subprocess.run(
            [sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json"]
            + ["--output-path", PACKAGE, "--meta", "none", "--fail-on-warning"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert generate.returncode == 0, generate.stdout + generate.stderr
        modules = {path.stem for path in (tmp_path / PACKAGE / "api").glob("*/*.py")}
        assert {"login", "list_books", "create_book", "read_book", "read_current_user"} <= modules

        sys.path.insert(0, str(tmp_path))
        try:
            namespace = run_readme_block(str(http.base_url).rstrip("/"))
            check_more(namespace, str(http.base_url).rstrip("/"))
        finally:
            sys.path.remove(str(tmp_path))


def run_readme_block(base_url: str) -> dict[str, Any]:
    """README's client code, as written, with the address and the first administrator's login."""
    namespace: dict[str, Any] = {
        "BASE_URL": base_url,
        "EMAIL": ADMIN["username"],
        "PASSWORD": ADMIN["password"],
    }
    printed: list[str] = []
    namespace["print"] = lambda *args: printed.append(" ".join(map(str, args)))
    block = readme_block("## A generated client")
    exec(compile(block, "README.md", "exec"), namespace)
    assert printed == ["Book 9999 not found"]
    page = namespace["page"]
    assert (page.total, page.offset, page.limit) == (2, 0, 20)
    assert [book.genre.value for book in page.items] == ["fiction", "fiction"]
    return namespace


def check_more(namespace: dict[str, Any], base_url: str) -> None:
    """The statuses a client meets, as the generated code reports them, and its asyncio side."""
    from library_client import AuthenticatedClient, Client
    from library_client.api.auth import login
    from library_client.api.books import list_books
    from library_client.api.users import (
        create_user,
        read_current_user,
    )
    from library_client.models import (
        BodyLogin,
        BookGenre,
        ErrorBody,
        UserCreate,
    )

    with Client(base_url=base_url) as anonymous:
        wrong = login.sync_detailed(
            client=anonymous, body=BodyLogin(username=ADMIN["username"], password="not-it")
        )
        assert wrong.status_code == 401 and isinstance(wrong.parsed, ErrorBody)
        assert wrong.parsed.detail == "Incorrect e-mail or password"
    token = namespace["token"].access_token
    with AuthenticatedClient(base_url=base_url, token=token) as api:
        assert read_current_user.sync(client=api).email == ADMIN["username"]
        short = create_user.sync_detailed(
            client=api, body=UserCreate(email="new@example.com", password="short")
        )
        assert short.status_code == 422 and isinstance(short.parsed, ErrorBody)
        [error] = short.parsed.detail
        assert (error.loc, error.msg) == (
            ["body", "password"],
            "String should have at least 8 characters",
        )
        # Left out, a repeatable filter filters nothing; given, the asyncio API sends it too.
        assert list_books.sync(client=api).total == 3
        history = asyncio.run(list_books.asyncio(client=api, genre=[BookGenre.HISTORY]))
        assert [book.title for book in history.items] == ["A History of Libraries"]
