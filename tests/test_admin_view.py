"""The admin view (`admin_view: true`) in headless Chromium: a reviewer logs in through its form, as
the administrator the API has, and finds a row made through the API on a table's list page.

Chromium is driven over the DevTools protocol on loopback (a websocket), so the form is filled and
its button clicked as a person would; the app runs under uvicorn on 127.0.0.1 (tests/test_http.py).
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.conftest import design_data
from tests.helpers import render, run_project_pytest
from tests.test_browser import ARTIFACTS, HEADLESS_FLAGS
from tests.test_http import ADMIN, serve
from tests.test_update import answers, commit, conflicts, copier_cli, new_project

NOTE = "Seen by a reviewer in the admin view"


class Page:
    """One Chromium tab over the DevTools protocol: commands by id, events skipped."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == number:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    def evaluate(self, expression: str) -> Any:
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")

    def wait_for(self, path: str) -> None:
        """Until the tab shows `path`, loaded (a form's submission redirects on its own time)."""
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = self.evaluate("location.pathname + ' ' + document.readyState")
            if state == f"{path} complete":
                return
            time.sleep(0.1)
        raise AssertionError(f"the tab never showed {path}: it shows {state!r}")

    def open(self, url: str, path: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for(path)


@contextmanager
def chromium_page(chromium: str, profile: Path) -> Iterator[Page]:
    """Headless Chromium with a fresh profile, reachable only on loopback; stopped however it ends."""
    browser = subprocess.Popen(
        [
            chromium,
            *HEADLESS_FLAGS,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert browser.poll() is None, "Chromium stopped before it listened"
            assert time.monotonic() < deadline, "Chromium never wrote DevToolsActivePort"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        tab = next(t for t in targets if t["type"] == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=None) as socket:
            yield Page(socket)
    finally:
        browser.terminate()
        browser.wait(timeout=30)


def a_loan_through_the_api(client: httpx.Client) -> dict[str, Any]:
    """The default design's chain: an author, their book, a loan of it (owned by the admin)."""
    token = client.post("/api/v1/auth/token", data=ADMIN).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(f"/api/v1/{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        row: dict[str, Any] = response.json()
        return row

    author = create("authors", {"name": "Ursula K. Le Guin"})
    book = create(
        "books", {"title": "The Dispossessed", "isbn": "9780060512750", "author_id": author["id"]}
    )
    return create("loans", {"book_id": book["id"], "due_on": "2030-01-31", "note": NOTE})


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_the_admin_logs_in_through_the_form_and_sees_a_row_made_through_the_api(
    template_repo: Path,
    chromium: str,
    tmp_path: Path,
    async_db: bool,
) -> None:
    data = {**design_data("default"), "async_db": async_db, "auth": "jwt", "admin_view": True}
    project = render(template_repo, tmp_path / "project", data)
    mode = "async" if async_db else "sync"
    screenshot = ARTIFACTS / f"admin-view-loans-{mode}.png"
    with serve(project, tmp_path, async_db) as client:
        loan = a_loan_through_the_api(client)
        base = str(client.base_url).rstrip("/")
        with chromium_page(chromium, tmp_path / "profile") as page:
            page.open(f"{base}/admin/loan/list", "/admin/login")  # not logged in: the form
            fill = (
                "document.querySelector('input[name=username]').value = {email};"
                "document.querySelector('input[name=password]').value = {password};"
                "document.querySelector('form button[type=submit]').click();"
            )
            page.evaluate(
                fill.format(
                    email=json.dumps(ADMIN["username"]), password=json.dumps(ADMIN["password"])
                )
            )
            page.wait_for("/admin/")
            page.open(f"{base}/admin/loan/list", "/admin/loan/list")
            text = page.evaluate("document.body.innerText")
            details = page.evaluate(
                f"!!document.querySelector('a[href$=\"/admin/loan/details/{loan['id']}\"]')"
            )
            shot = page.send("Page.captureScreenshot", format="png")["data"]
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot))
    assert NOTE in text, text
    assert details, f"no link to loan {loan['id']}'s details on the list page"
    assert screenshot.stat().st_size > 10_000, f"{screenshot} looks blank"


def test_an_update_adds_the_admin_view_and_another_removes_it(
    template_repo: Path, tmp_path: Path
) -> None:
    """Turned on later, as a design change: the module, its test, its dependencies and its line in
    design.yml arrive without conflicts, and its tests pass; turned off, they go again."""
    project = new_project(template_repo, tmp_path / "project")
    kept = ("design.yml", "app/main.py", "pyproject.toml", "docs/api-design-spec.md")
    before = {name: (project / name).read_text() for name in kept}
    result = copier_cli(project, "update", "--trust", "--defaults", "--data", "admin_view=true")
    assert result.returncode == 0, result.stderr
    assert conflicts(project) == []
    assert answers(project)["admin_view"] is True
    assert "admin_view: true\n" in (project / "design.yml").read_text()
    assert '"sqladmin>=' in (project / "pyproject.toml").read_text()
    assert "mount_admin(app, settings)" in (project / "app/main.py").read_text()
    tests = run_project_pytest(project, "tests/test_admin.py")
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-4000:]
    commit(project, "Design: the admin view")

    result = copier_cli(project, "update", "--trust", "--defaults", "--data", "admin_view=false")
    assert result.returncode == 0, result.stderr
    assert conflicts(project) == []
    assert not (project / "app/admin.py").exists()
    assert not (project / "tests/test_admin.py").exists()
    assert {name: (project / name).read_text() for name in kept} == before
