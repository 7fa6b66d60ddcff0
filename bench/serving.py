"""Requests per second and p99 latency: the rendered app against the app a user would write instead.

Three apps serve the same table (the default design's public `authors`) under uvicorn with one
worker on 127.0.0.1: the rendered app, the hand-written FastAPI + SQLModel peer in its own style
(`bench/peer_app.py`, sync and async like the rendered builds), and a raw FastAPI + sqlite3 floor
(`bench/baseline_app.py`). wrk (Debian's `wrk`) drives the load from a separate process; the
servers are measured in interleaved rounds, and each ratio is the median of the rounds' ratios
with their range. The rendered apps are also started with one worker per core (`--workers N`, N
from os.cpu_count()) and measured against their one-worker selves in the same rounds.
Run: python bench/serving.py [--seconds 4] [--concurrency 16] [--rounds 3]
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
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import jwt

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
def uvicorn(app: str, cwd: Path, env: dict[str, str], workers: int = 1) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
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


# Each request measured, and what the rendered app must reach against the hand-written peer.
TARGETS = {
    "GET one": 1.2,
    "GET page of 20": 1.2,
    "GET me (auth)": 1.2,
    "PATCH (auth)": 1.0,
    "POST (auth)": 1.0,
}
REQUESTS = tuple(TARGETS)


def measure(base: str, seconds: float, concurrency: int, token: str) -> dict[str, dict[str, float]]:
    """Each request of REQUESTS under wrk (the raw baseline has no token: reads and POST only)."""
    url = f"{base}/api/v1/authors"
    figures = {
        "GET one": load(f"{url}/1", "GET", seconds, concurrency),
        "GET page of 20": load(f"{url}?limit=20", "GET", seconds, concurrency),
    }
    if token:
        figures["GET me (auth)"] = load(
            f"{base}/api/v1/users/me", "GET", seconds, concurrency, token=token
        )
        figures["PATCH (auth)"] = load(
            f"{url}/2", "PATCH", seconds, concurrency, {"name": "Renamed"}, token
        )
    figures["POST (auth)"] = load(
        url, "POST", seconds, concurrency, {"name": "Benchmark Author"}, token
    )
    return figures


def peer_database(path: Path) -> None:
    """The table the peer and the raw floor serve, and the user the peer's token names."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL)")
        db.execute(
            'CREATE TABLE "user" (id INTEGER PRIMARY KEY, email VARCHAR(254) UNIQUE NOT NULL, '
            "is_active BOOLEAN NOT NULL)"
        )
        db.execute("""INSERT INTO "user" (email, is_active) VALUES ('admin@example.com', 1)""")
        db.executemany(
            "INSERT INTO author (name) VALUES (?)", [(f"Author {i}",) for i in range(ROWS)]
        )


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2]
    return f"{middle:.2f}x ({ordered[0]:.2f}-{ordered[-1]:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/serving.py needs wrk on PATH: apt-get install wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    cores = os.cpu_count() or 1
    template = make_template_repo(work / "template")
    baseline_db = work / "baseline.db"
    peer_database(baseline_db)  # the raw floor reads the same author table
    secret = "bench-secret-key-long-enough-for-hs256"
    peer_token = jwt.encode({"sub": "1"}, secret, algorithm="HS256")

    with ExitStack() as servers:
        bases: dict[str, tuple[str, str]] = {}  # server -> (base URL, token)
        base = servers.enter_context(
            uvicorn("baseline_app:app", BENCH, {"BASELINE_DATABASE": str(baseline_db)})
        )
        bases["raw sqlite3"] = (base, "")
        for mode in ("sync", "async"):
            peer_db = work / f"peer-{mode}.db"
            peer_database(peer_db)
            env = {"PEER_DATABASE": str(peer_db), "PEER_SECRET_KEY": secret}
            env["PEER_ASYNC"] = "1" if mode == "async" else "0"
            bases[f"peer {mode}"] = (
                servers.enter_context(uvicorn("peer_app:app", BENCH, env)),
                peer_token,
            )
            project = render(template, work / mode, {"async_db": mode == "async"})
            driver = "sqlite+aiosqlite" if mode == "async" else "sqlite"
            for workers in (1, cores):
                env = {
                    "PYTHONPATH": str(project),
                    "DATABASE_URL": f"{driver}:///{work / f'{mode}-{workers}.db'}",
                    "FIRST_ADMIN_EMAIL": ADMIN["username"],
                    "FIRST_ADMIN_PASSWORD": ADMIN["password"],
                    # one key for every worker: a token signed by one is checked by another
                    "SECRET_KEY": secret,
                }
                base = servers.enter_context(uvicorn("app.main:app", project, env, workers))
                token = httpx.post(f"{base}/api/v1/auth/token", data=ADMIN).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                for i in range(ROWS):
                    httpx.post(
                        f"{base}/api/v1/authors", json={"name": f"Author {i}"}, headers=headers
                    )
                name = f"rendered {mode}" if workers == 1 else f"rendered {mode} x{workers}"
                bases[name] = (base, token)

        # Interleaved: every server once per round, so a machine that slows down mid-run slows
        # all of them alike; the spread of the per-round ratios shows how much it moved.
        rounds: list[dict[str, dict[str, dict[str, float]]]] = []
        for number in range(options.rounds):
            rounds.append(
                {
                    name: measure(base, options.seconds, options.concurrency, token)
                    for name, (base, token) in bases.items()
                }
            )
            print(f"round {number + 1} of {options.rounds} done", file=sys.stderr)

    print(
        f"{'mode':<6} {'request':<15} {'rendered':>9} {'peer':>7} {'rendered/peer':>20} {'raw':>7} {'rendered/raw':>20} {'p99 ms r/p':>13}  target"
    )
    for mode in ("sync", "async"):
        for request in REQUESTS:
            rendered = [r[f"rendered {mode}"][request] for r in rounds]
            peer = [r[f"peer {mode}"][request] for r in rounds]
            raw = [r["raw sqlite3"].get(request) for r in rounds]
            errors = sum(int(f["errors"]) for f in (*rendered, *peer))
            to_peer = [a["rps"] / b["rps"] for a, b in zip(rendered, peer, strict=True)]
            to_raw = [a["rps"] / b["rps"] for a, b in zip(rendered, raw, strict=True) if b]
            median = sorted(to_peer)[len(to_peer) // 2]
            verdict = "PASS" if median >= TARGETS[request] else "MISS"
            rps = sorted(f["rps"] for f in rendered)[len(rendered) // 2]
            peer_rps = sorted(f["rps"] for f in peer)[len(peer) // 2]
            raw_rps = sorted(f["rps"] for f in raw if f)[len(to_raw) // 2] if to_raw else 0
            p99 = f"{sorted(f['p99_ms'] for f in rendered)[len(rendered) // 2]:.1f}/{sorted(f['p99_ms'] for f in peer)[len(peer) // 2]:.1f}"
            print(
                f"{mode:<6} {request:<15} {rps:>9.0f} {peer_rps:>7.0f} {spread(to_peer):>20} "
                f"{raw_rps:>7.0f} {spread(to_raw) if to_raw else '-':>20} {p99:>13}  "
                f"{verdict} (>= {TARGETS[request]}x the peer)"
                + (f"; {errors} failed requests (non-2xx or socket errors)" if errors else "")
            )
    if cores > 1:
        print(f"\none worker per core ({cores} workers) against one worker, the rendered app:")
        for mode in ("sync", "async"):
            for request in REQUESTS:
                one = [r[f"rendered {mode}"][request] for r in rounds]
                many = [r[f"rendered {mode} x{cores}"][request] for r in rounds]
                ratios = [b["rps"] / a["rps"] for a, b in zip(one, many, strict=True)]
                errors = sum(int(f["errors"]) for f in many)
                print(
                    f"{mode:<6} {request:<15} {sorted(f['rps'] for f in many)[len(many) // 2]:>7.0f}"
                    f" rps {spread(ratios):>20}"
                    + (f"; {errors} failed requests (non-2xx or socket errors)" if errors else "")
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
