"""Requests per second and p99 latency: a rendered app against a hand-written FastAPI + sqlite3 app.

Both serve the same table (the default design's public `authors`) under uvicorn with one worker on
127.0.0.1, measured in the same run by a load generator in a separate process (bench/load.py).
Run: python bench/serving.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
from tests.helpers import make_template_repo, render  # noqa: E402

ADMIN = {"username": "admin@example.com", "password": "bench-admin-password"}
ROWS = 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def uvicorn(app: str, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def load(
    url: str, method: str, seconds: float, concurrency: int, body: object = None, token: str = ""
) -> dict[str, float]:
    args = [sys.executable, str(BENCH / "load.py"), url, method, str(seconds), str(concurrency)]
    args += [json.dumps(body) if body is not None else "", *([token] if token else [])]
    result = subprocess.run(args, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return dict(json.loads(result.stdout.splitlines()[-1]))


def measure(
    base: str, seconds: float, concurrency: int, token: str = ""
) -> dict[str, dict[str, float]]:
    url = f"{base}/api/v1/authors"
    return {
        "GET one": load(f"{url}/1", "GET", seconds, concurrency),
        "GET page of 20": load(f"{url}?limit=20", "GET", seconds, concurrency),
        "POST": load(url, "POST", seconds, concurrency, {"name": "Benchmark Author"}, token),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    template = make_template_repo(work / "template")

    baseline_db = work / "baseline.db"
    with sqlite3.connect(baseline_db) as db:
        db.execute("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL)")
        db.executemany(
            "INSERT INTO author (name) VALUES (?)", [(f"Author {i}",) for i in range(ROWS)]
        )
    with uvicorn("baseline_app:app", BENCH, {"BASELINE_DATABASE": str(baseline_db)}) as base:
        baseline = measure(base, options.seconds, options.concurrency)

    print(
        f"{'mode':<6} {'request':<15} {'rendered rps':>12} {'baseline rps':>12} {'ratio':>6} {'p99 ms':>14}  target"
    )
    for async_db in (False, True):
        mode = "async" if async_db else "sync"
        project = render(template, work / mode, {"async_db": async_db})
        driver = "sqlite+aiosqlite" if async_db else "sqlite"
        env = {
            "PYTHONPATH": str(project),
            "DATABASE_URL": f"{driver}:///{work / f'{mode}.db'}",
            "FIRST_ADMIN_EMAIL": ADMIN["username"],
            "FIRST_ADMIN_PASSWORD": ADMIN["password"],
        }
        with uvicorn("app.main:app", project, env) as base:
            token = httpx.post(f"{base}/api/v1/auth/token", data=ADMIN).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for i in range(ROWS):
                httpx.post(f"{base}/api/v1/authors", json={"name": f"Author {i}"}, headers=headers)
            rendered = measure(base, options.seconds, options.concurrency, token)
        for name, figures in rendered.items():
            ratio = figures["rps"] / baseline[name]["rps"]
            target = "" if name == "POST" else ("PASS" if ratio >= 0.8 else "MISS") + " (>= 0.8x)"
            if name == "POST":
                target = "authenticated (the baseline is not)"
            p99 = f"{figures['p99_ms']:.1f}/{baseline[name]['p99_ms']:.1f}"
            print(
                f"{mode:<6} {name:<15} {figures['rps']:>12.0f} {baseline[name]['rps']:>12.0f} "
                f"{ratio:>5.2f}x {p99:>14}  {target}"
            )
            assert figures["errors"] == 0, f"{mode} {name}: {figures['errors']} errors"
    return 0


if __name__ == "__main__":
    sys.exit(main())
