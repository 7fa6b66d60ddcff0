"""A bounded load generator: `python bench/load.py URL METHOD SECONDS CONCURRENCY [JSON] [TOKEN]`.

Prints one JSON line: requests, errors, requests per second, p50 and p99 latency in ms.
"""

import asyncio
import json
import sys
import time

import httpx


async def worker(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: object,
    stop: float,
    out: list[float],
    errors: list[int],
) -> None:
    while time.perf_counter() < stop:
        started = time.perf_counter()
        response = await client.request(method, url, json=body)
        out.append(time.perf_counter() - started)
        if response.status_code >= 400:
            errors.append(response.status_code)


async def main() -> None:
    url, method, seconds, concurrency = (
        sys.argv[1],
        sys.argv[2],
        float(sys.argv[3]),
        int(sys.argv[4]),
    )
    body = json.loads(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] else None
    headers = {"Authorization": f"Bearer {sys.argv[6]}"} if len(sys.argv) > 6 else {}
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        await client.request(method, url, json=body)  # warm up
        stop = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                worker(client, method, url, body, stop, latencies, errors)
                for _ in range(concurrency)
            )
        )
    latencies.sort()
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": len(errors),
                "rps": len(latencies) / seconds,
                "p50_ms": latencies[len(latencies) // 2] * 1000,
                "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            }
        )
    )


asyncio.run(main())
