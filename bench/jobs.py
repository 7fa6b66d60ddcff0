"""Background jobs: what enqueueing costs a request, and how many jobs one worker runs a second.

1. Enqueue cost: `POST /loans` of the lending-library example (sync build), whose committed create
   enqueues `remind_borrower` on the embedded queue (a SQLite file), against the same design
   rendered with `background_jobs: none` and no jobs, in interleaved rounds; the ratio is the median
   of the rounds' ratios. Each project is driven in a process of its own through the app's routes.
2. Throughput: N `remind_borrower` jobs are put on the queue, then one `python -m app.worker`
   runs them; jobs per second from the worker's start to an empty queue, on the embedded queue and
   on Redis (Debian's redis-server on a loopback port; skipped when it is not installed).
Run: python bench/jobs.py [--requests 300] [--jobs 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
from tests.helpers import load_design, make_template_repo, render  # noqa: E402

ADMIN = ("admin@example.com", secrets.token_urlsafe(16))
# Posts `count` loans of one book through the app's routes; prints the seconds they took.
POST_LOANS = """
import sys, time
from fastapi.testclient import TestClient
from app.main import create_app
from tests.conftest import login, loan_payload
with TestClient(create_app()) as client:
    client.headers.update(login(client, {email!r}, {password!r}))
    payload = loan_payload(client)
    started = time.perf_counter()
    for _ in range({count}):
        assert client.post("/api/v1/loans", json=payload).status_code == 201
    print(time.perf_counter() - started)
"""
ENQUEUE = "from app.jobs.loan import remind_borrower\nfor n in range({count}): remind_borrower(n)"
QUEUED = "from app.core.jobs import huey; print(len(huey))"


def project(folder: Path, template: Path, jobs: bool) -> Path:
    design = load_design(BENCH.parent / "examples" / "lending-library.yml")
    if not jobs:
        design["background_jobs"] = "none"
        for resource in design["resources"]:
            resource.pop("jobs", None)
    out = folder / ("jobs" if jobs else "plain")
    render(template, out, design)
    return out


def environment(root: Path, folder: Path, jobs_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(root),
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
        "JOBS_URL": jobs_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIRST_ADMIN_EMAIL": ADMIN[0],
        "FIRST_ADMIN_PASSWORD": ADMIN[1],
    }


def python(root: Path, env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout.strip()


def fresh(root: Path, scratch: Path, jobs_url: str) -> dict[str, str]:
    """A new database (and embedded queue) in `scratch`, migrated, with its administrator."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    env = environment(root, scratch, jobs_url)
    subprocess.run([sys.executable, "-m", "app.prestart"], cwd=root, env=env, check=True)
    return env


def enqueue_cost(folder: Path, requests: int, rounds: int) -> dict[str, object]:
    template = make_template_repo(folder / "template")
    with_jobs, plain = project(folder, template, True), project(folder, template, False)
    ratios, seconds = [], {"jobs": [], "plain": []}
    for _ in range(rounds):
        times = {}
        for name, root in (("plain", plain), ("jobs", with_jobs)):
            scratch = folder / f"run-{name}"
            env = fresh(root, scratch, f"sqlite:///{folder / f'run-{name}' / 'jobs.db'}")
            code = POST_LOANS.format(email=ADMIN[0], password=ADMIN[1], count=requests)
            times[name] = float(python(root, env, code))
            seconds[name].append(times[name] / requests * 1000)
        ratios.append(times["jobs"] / times["plain"])
    return {
        "ms_per_create_with_job": round(statistics.median(seconds["jobs"]), 3),
        "ms_per_create_without": round(statistics.median(seconds["plain"]), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
    }


def throughput(root: Path, scratch: Path, jobs_url: str, count: int) -> float:
    env = fresh(root, scratch, jobs_url)
    python(root, env, ENQUEUE.format(count=count))
    assert python(root, env, QUEUED) == str(count)
    started = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.worker"], cwd=root, env=env, stderr=subprocess.DEVNULL
    )
    try:
        while python(root, env, QUEUED) != "0":
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return round(count / elapsed, 1)


def redis_url(folder: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as name:
        folder = Path(name)
        results: dict[str, object] = {
            "enqueue": enqueue_cost(folder, arguments.requests, arguments.rounds)
        }
        root = folder / "jobs"
        embedded = f"sqlite:///{folder / 'worker' / 'jobs.db'}"
        results["jobs_per_second_embedded"] = throughput(
            root, folder / "worker", embedded, arguments.jobs
        )
        broker = redis_url(folder)
        if broker is not None:
            server, url = broker
            try:
                results["jobs_per_second_redis"] = throughput(
                    root, folder / "worker", url, arguments.jobs
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
