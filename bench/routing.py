"""Routing cost against the number of resources: GET one of the first and of the last resource.

A 50-resource design (bench/generation.py's), rendered sync with `auth: none`, is called in-process
through ASGI (no HTTP, no server), alternating the first and the last resource so both see the same
machine. The ratio last/first should stay near 1.00 if routing cost does not grow with resources.
Run: python bench/routing.py [--resources 50] [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
from bench.asgi import call, discard_logs  # noqa: E402
from bench.generation import design  # noqa: E402
from tests.helpers import make_template_repo, render  # noqa: E402


async def measure(app: Any, first: str, last: str, calls: int) -> tuple[list[float], list[float]]:
    """Microseconds per call, per batch of 100, for each path."""
    timings: dict[str, list[float]] = {first: [], last: []}
    async with app.router.lifespan_context(app):
        for path in (first, last):
            assert await call(app, "GET", path) == 200, path
        for _ in range(calls // 200):
            for path in (first, last):
                start = time.perf_counter()
                for _ in range(100):
                    await call(app, "GET", path)
                timings[path].append((time.perf_counter() - start) / 100 * 1e6)
    return timings[first], timings[last]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--project", type=Path, help="a project rendered before, measured as it is")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-routing-"))
    project = options.project or render(
        make_template_repo(work / "template"),
        work / "project",
        {"auth": "none", "resources": design(options.resources)},
    )
    database = work / "routing.db"
    sys.path.insert(0, str(project))
    from app.core.config import Settings  # noqa: PLC0415 - the rendered project, just made
    from app.main import create_app  # noqa: PLC0415

    app = create_app(Settings(environment="development", database_url=f"sqlite:///{database}"))
    discard_logs()
    asyncio.run(warm(app))  # creates the tables through the migrations
    one_row = [
        p for p in app.openapi()["paths"] if p.startswith("/api/v1/item") and p.endswith("}")
    ]
    first, last = one_row[0].split("{")[0] + "1", one_row[-1].split("{")[0] + "1"
    with sqlite3.connect(database) as db:
        for i in (0, options.resources - 1):
            db.execute(
                f"INSERT INTO item{i} (title, code, status, active) VALUES ('t', 'c', 'draft', 1)"
            )
    first_us, last_us = asyncio.run(measure(app, first, last, options.calls))
    ratios = [b / a for a, b in zip(first_us, last_us, strict=True)]
    print(
        f"{options.resources} resources, {options.calls} calls each, in batches of 100 alternating:"
    )
    print(f"  GET one of the first resource: {statistics.median(first_us):7.0f} us")
    print(f"  GET one of the last resource:  {statistics.median(last_us):7.0f} us")
    print(
        f"  last / first: {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}); "
        f"difference {statistics.median(last_us) - statistics.median(first_us):.0f} us"
    )
    return 0


async def warm(app: Any) -> None:
    async with app.router.lifespan_context(app):
        pass


if __name__ == "__main__":
    sys.exit(main())
