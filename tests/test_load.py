"""Concurrent writers against the rendered app under uvicorn on loopback: SQLite takes one writer
at a time, and the app must queue them, not fail them with "database is locked"."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.test_http import ADMIN, model_of, serve, value

WRITERS = 32
SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))


async def write_for(
    base_url: str, url: str, headers: dict[str, str], payload: Callable[[int], dict[str, object]]
) -> Counter[int]:
    """WRITERS clients, each creating rows back to back for SECONDS; the statuses they got."""
    statuses: Counter[int] = Counter()
    numbers = itertools.count(1000)
    deadline = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=WRITERS)

    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def writer() -> None:
            while time.monotonic() < deadline:
                response = await client.post(url, json=payload(next(numbers)), headers=headers)
                statuses[response.status_code] += 1

        await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return statuses


@pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
def test_concurrent_writers_are_queued_not_refused(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    model = model_of("default", async_db, "jwt")
    resource = next(r for r in model.resources if not r.required_refs)
    url = f"{model.api_prefix}{resource.path}"

    def payload(n: int) -> dict[str, object]:
        return {f.column: value(f, n) for f in resource.fields if f.kind != "ref"}

    with serve(project, tmp_path, async_db) as client:
        token = client.post(f"{model.api_prefix}/auth/token", data=ADMIN).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        statuses = asyncio.run(write_for(str(client.base_url), url, headers, payload))
        total = client.get(url, params={"limit": 1}, headers=headers).json()["total"]
    log = (tmp_path / "uvicorn.log").read_text()
    assert statuses[201] > WRITERS, statuses  # every writer got through, more than once
    assert set(statuses) == {201}, (statuses, log[-3000:])
    assert "database is locked" not in log
    assert total == statuses[201]  # every row acknowledged is there, and no other
