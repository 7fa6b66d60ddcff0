"""Where a request's time goes: the rendered app in-process, layer by layer, against the peer.

The default design (sync and async) and the hand-written peer (bench/peer_app.py) are called
straight through ASGI, with no server, so only the apps' own work is timed. The rendered app is
measured as rendered and with each of its middleware taken out, which shows what each costs; the
batches of each variant alternate, so all see the same machine. Times are microseconds per request
(median of the batches); the ratio is the peer's time over the rendered app's (above 1: faster).
Run: python bench/request_profile.py [--calls 6000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
from bench.asgi import call, discard_logs  # noqa: E402
from bench.serving import ROWS, peer_database  # noqa: E402
from tests.helpers import make_template_repo, render  # noqa: E402

ADMIN = ("admin@example.com", "bench-admin-password")
SECRET = "bench-secret-key-long-enough-for-hs256"
MIDDLEWARE = ("RequestContextMiddleware", "BodyLimitMiddleware", "CorsMiddleware")
REQUESTS = {"GET one": "/api/v1/authors/1", "GET page of 20": "/api/v1/authors?limit=20"}


def peer(mode: str, work: Path) -> Any:
    database = work / f"peer-{mode}.db"
    peer_database(database)
    os.environ.update(
        PEER_DATABASE=str(database), PEER_SECRET_KEY=SECRET, PEER_ASYNC=str(int(mode == "async"))
    )
    sys.path.insert(0, str(BENCH))
    app = importlib.import_module("peer_app").app
    SQLModel.metadata.clear()  # the peer's tables stay usable; the rendered app defines its own
    return app


def rendered_apps(project: Path, work: Path, mode: str) -> dict[str, Any]:
    """The rendered app as rendered, without each middleware, and without all of them."""
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]
    sys.path.insert(0, str(project))
    from app.core.config import Settings  # noqa: PLC0415 - the rendered project, just made
    from app.main import create_app  # noqa: PLC0415

    driver = "sqlite+aiosqlite" if mode == "async" else "sqlite"
    settings = Settings(
        environment="development",
        database_url=f"{driver}:///{work / f'{mode}.db'}",
        first_admin_email=ADMIN[0],
        first_admin_password=ADMIN[1],
        secret_key=SECRET,
    )
    sys.path.remove(str(project))
    variants = {"rendered": (), **{f"without {m}": (m,) for m in MIDDLEWARE}}
    variants["without the three"] = MIDDLEWARE
    apps = {}
    for label, left_out in variants.items():
        app = create_app(settings)
        app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ not in left_out]
        apps[label] = app
    discard_logs()
    return apps


async def measure(apps: dict[str, Any], path: str, calls: int) -> dict[str, list[float]]:
    """Microseconds per GET of `path`, per batch of 100, for each app; `calls` shared among them."""
    timings: dict[str, list[float]] = {label: [] for label in apps}
    for label, app in apps.items():
        assert await call(app, "GET", path) == 200, (label, path)
    for _ in range(calls // 100 // len(apps) or 1):
        for label, app in apps.items():
            started = time.perf_counter()
            for _ in range(100):
                await call(app, "GET", path)
            timings[label].append((time.perf_counter() - started) / 100 * 1e6)
    return timings


async def run(mode: str, project: Path, work: Path, calls: int) -> None:
    apps = {"peer": peer(mode, work), **rendered_apps(project, work, mode)}
    async with contextlib.AsyncExitStack() as started:
        for app in apps.values():
            await started.enter_async_context(app.router.lifespan_context(app))
        # The rendered apps share one database; the peer's has its rows already.
        from app.models.author import Author  # noqa: PLC0415

        engine = apps["rendered"].state.engine
        rows = [Author(name=f"Author {i}") for i in range(ROWS)]
        if mode == "async":
            async with AsyncSession(engine) as session:
                session.add_all(rows)
                await session.commit()
        else:
            with Session(engine) as session:
                session.add_all(rows)
                session.commit()
        for request, path in REQUESTS.items():
            report(mode, request, await measure(apps, path, calls))


def report(mode: str, request: str, timings: dict[str, list[float]]) -> None:
    peer_us = statistics.median(timings["peer"])
    rendered_us = statistics.median(timings["rendered"])
    print(
        f"{mode} {request}: peer {peer_us:,.0f} us, rendered {rendered_us:,.0f} us, peer/rendered {peer_us / rendered_us:.2f}x"
    )
    for label, samples in timings.items():
        if label.startswith("without"):
            us = statistics.median(samples)
            print(f"    {label:<36} {us:7,.0f} us ({us - rendered_us:+,.0f} us)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)  # one build, in a process
    parser.add_argument("--mode", choices=("sync", "async"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.project:  # each build in a process of its own: both define the same tables
        asyncio.run(run(options.mode, options.project, options.project.parent, options.calls))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-request-profile-"))
    template = make_template_repo(work / "template")
    for mode in ("sync", "async"):
        project = render(template, work / mode, {"async_db": mode == "async"})
        command = [sys.executable, __file__, "--calls", str(options.calls)]
        subprocess.run([*command, "--project", str(project), "--mode", mode], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
