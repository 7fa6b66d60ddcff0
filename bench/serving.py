"""Requests per second and p99 latency: a rendered app against a hand-written FastAPI + sqlite3 app.

Both serve the same table (the default design's public `authors`) under uvicorn with one worker on
127.0.0.1, measured in the same run by wrk (Debian's `wrk`: apt-get install wrk) in a separate
process. wrk is written in C, so the load generator is not what limits the rates: a Python client
saturates first and makes every server look alike.
Run: python bench/serving.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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


WRK_LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load(
    url: str, method: str, seconds: float, concurrency: int, body: object = None, token: str = ""
) -> dict[str, float]:
    """wrk against one URL; a Lua script sets the method, JSON body and bearer token."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        lines += [
            f"wrk.body = {json.dumps(json.dumps(body))}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write("\n".join(lines) + "\n")
    script = Path(file.name)
    command = ["wrk", "--threads", "1", "--connections", str(concurrency)]
    command += ["--duration", f"{seconds:g}s", "--latency", "--script", str(script), url]
    try:
        out = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    finally:
        script.unlink()
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert p99 and rps, out
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "rps": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * WRK_LATENCY_UNITS[p99.group(2)],
        "errors": (int(failed.group(1)) if failed else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def measure(
    base: str, seconds: float, concurrency: int, token: str = ""
) -> dict[str, dict[str, float]]:
    url = f"{base}/api/v1/authors"
    figures = {
        "GET one": load(f"{url}/1", "GET", seconds, concurrency),
        "GET page of 20": load(f"{url}?limit=20", "GET", seconds, concurrency),
        "POST": load(url, "POST", seconds, concurrency, {"name": "Benchmark Author"}, token),
    }
    if token:  # one row behind the bearer token: verifying it and loading the user
        me = f"{base}/api/v1/users/me"
        figures["GET me (auth)"] = load(me, "GET", seconds, concurrency, token=token)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/serving.py needs wrk on PATH: apt-get install wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    template = make_template_repo(work / "template")

    baseline_db = work / "baseline.db"
    with sqlite3.connect(baseline_db) as db:
        db.execute("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL)")
        db.executemany(
            "INSERT INTO author (name) VALUES (?)", [(f"Author {i}",) for i in range(ROWS)]
        )

    def measure_baseline() -> dict[str, dict[str, float]]:
        with uvicorn("baseline_app:app", BENCH, {"BASELINE_DATABASE": str(baseline_db)}) as base:
            return measure(base, options.seconds, options.concurrency)

    baseline = measure_baseline()
    rendered_by_mode: dict[str, dict[str, dict[str, float]]] = {}
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
            rendered_by_mode[mode] = measure(base, options.seconds, options.concurrency, token)
    # The baseline again, after the rendered apps: the ratios use the mean of both runs, and the
    # drift between them says how much the machine moved while measuring.
    again = measure_baseline()
    for name, figures in baseline.items():
        drift = again[name]["rps"] / figures["rps"] - 1
        print(
            f"baseline {name}: {figures['rps']:.0f} then {again[name]['rps']:.0f} rps ({drift:+.0%})"
        )
        figures["rps"] = (figures["rps"] + again[name]["rps"]) / 2
        figures["p99_ms"] = (figures["p99_ms"] + again[name]["p99_ms"]) / 2

    print(
        f"{'mode':<6} {'request':<15} {'rendered rps':>12} {'baseline rps':>12} {'ratio':>6} {'p99 ms':>14}  target"
    )
    for mode, rendered in rendered_by_mode.items():
        for name, figures in rendered.items():
            reference = baseline.get(name, baseline["GET one"])
            ratio = figures["rps"] / reference["rps"]
            if name == "POST":
                target = "authenticated (the baseline is not)"
            elif name not in baseline:
                target = "authenticated, against the baseline's GET one"
            else:
                target = ("PASS" if ratio >= 0.8 else "MISS") + " (>= 0.8x)"
            p99 = f"{figures['p99_ms']:.1f}/{reference['p99_ms']:.1f}"
            print(
                f"{mode:<6} {name:<15} {figures['rps']:>12.0f} {reference['rps']:>12.0f} "
                f"{ratio:>5.2f}x {p99:>14}  {target}"
            )
            assert figures["errors"] == 0, f"{mode} {name}: {figures['errors']} errors"
    return 0


if __name__ == "__main__":
    sys.exit(main())
