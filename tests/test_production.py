"""The production start: `python -m app.prestart`, then several workers starting at once on a fresh
database, with the health checks answering — as the rendered README tells a team to run it — and
what one client connection may hold of it: headers, and the time to send a request."""

from __future__ import annotations

import os
import secrets
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def production_command(project: Path) -> list[str]:
    """The rendered README's production start as written: the last line of its command block."""
    readme = (project / "README.md").read_text()
    block = readme.split("\n## Production\n", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    command = shlex.split(block.strip().splitlines()[-1], comments=True)
    assert command[command.index("--workers") + 1] == str(WORKERS), command
    program, *arguments = command  # `python -m ...`, or a console script run as its module
    return [sys.executable, *arguments] if program == "python" else [sys.executable, "-m", *command]


@contextmanager
def serving(project: Path, env: dict[str, str], log: Path) -> Iterator[int]:
    """The README's production start on a loopback port until every worker is up (or one dies)."""
    port = free_port()
    with log.open("w") as out:
        server = forkserver.start(
            [*production_command(project), "--host", "127.0.0.1", "--port", str(port)],
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
            yield port
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def start_workers(project: Path, env: dict[str, str], log: Path) -> tuple[str, int]:
    """The production start with its workers; its output and the status of `GET /readyz`."""
    with serving(project, env, log) as port:
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code
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


# The connection limits, small enough for a test to cross quickly.
LIMITS = {
    "MAX_HEADER_BYTES": "8192",
    "MAX_HEADER_COUNT": "40",
    "HEADER_TIMEOUT_SECONDS": "2",
    "BODY_TIMEOUT_SECONDS": "2",
    "KEEP_ALIVE_SECONDS": "2",
}
# Far beyond every timeout above: a connection still open then is held without end.
HELD = 30
SLOW_CLIENTS = 50


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=HELD)


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection; fails if it holds it open."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server held the connection open for {HELD} s: {received[:200]!r}")
    finally:
        sock.close()
    return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (without waiting)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("async_db", BUILDS)
def test_the_production_start_bounds_what_one_connection_can_hold(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    env = production_env(project, tmp_path / "app.db", async_db) | LIMITS
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    close = b"Connection: close\r\n\r\n"
    with serving(project, env, tmp_path / "server.log") as port:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200

        # Within the limits: 30 headers, 6 KB of them.
        sock = connect(port)
        sock.sendall(
            head + b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 180) for n in range(30)) + close
        )
        assert status_of(until_closed(sock)) == 200

        # Over them: in one piece, the app answers 431.
        for extra in (b"X-Big: " + b"a" * 100_000 + b"\r\n", b"X-H: v\r\n" * 1000):
            sock = connect(port)
            sock.sendall(head + extra + close)
            answer = until_closed(sock)
            assert status_of(answer) == 431, answer[:300]
            assert b'"code":"request_header_fields_too_large"' in answer

        # A head still growing past MAX_HEADER_BYTES, in pieces: not read further, closed.
        sock = connect(port)
        sock.sendall(head)
        for n in range(8):
            time.sleep(0.05)
            try:
                sock.sendall(b"X-Pad-%d: %s\r\n" % (n, b"a" * 2000))
            except (BrokenPipeError, ConnectionResetError):
                break
        assert status_of(until_closed(sock)) in (0, 400, 431)

        # A body sent halfway: 408 after BODY_TIMEOUT_SECONDS, and the connection closed.
        sock = connect(port)
        sock.sendall(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername="
        )
        answer = until_closed(sock)
        assert status_of(answer) == 408 and b'"code":"request_timeout"' in answer, answer[:300]

        # Slow clients: silent ones, ones sending their headers a byte at a time, and ones doing so
        # after a first answer on a kept-alive connection. Each is closed, and meanwhile others
        # are served.
        silent, dribbling, after_answer = [], [], []
        for n in range(SLOW_CLIENTS):
            sock = connect(port)
            if n % 3 == 0:
                silent.append(sock)
                continue
            if n % 3 == 2:
                sock.sendall(head + b"\r\n")
                while b"\r\n\r\n" not in sock.recv(65536):
                    pass
                after_answer.append(sock)
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            dribbling.append(sock)
        still_open = set(silent + dribbling)
        served = httpx.get(f"{base}/healthz", timeout=10).status_code
        deadline = time.monotonic() + HELD
        while still_open and time.monotonic() < deadline:
            for sock in list(still_open):
                if closed_by_server(sock):
                    still_open.discard(sock)
                elif sock in dribbling:
                    try:
                        sock.send(b"X")
                    except (BrokenPipeError, ConnectionResetError):
                        still_open.discard(sock)
            time.sleep(0.5)
        for sock in silent + dribbling:
            sock.close()
        assert served == 200
        assert not still_open, f"{len(still_open)} of {SLOW_CLIENTS} slow connections held {HELD} s"
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
