"""`python -m app.serve`: the production server, uvicorn with the settings' connection limits.

Run `python -m app.prestart` first. Every limit is a setting (`app/core/config.py`):
`MAX_HEADER_BYTES` (a head that grows past it is refused before it is complete),
`HEADER_TIMEOUT_SECONDS` (`app/core/connections.py`) and `KEEP_ALIVE_SECONDS` (uvicorn's
`timeout_keep_alive`); the app itself answers 431 and 408 for `MAX_HEADER_COUNT`,
`MAX_HEADER_BYTES` and `BODY_TIMEOUT_SECONDS` (`app/core/middleware.py`).
"""

import argparse

import uvicorn

from app.core.config import get_settings
from app.core.connections import HeadDeadlineProtocol


def main(argv: list[str] | None = None) -> None:
    """Serve `app.main:app` on the given address with the given number of worker processes."""
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0", help="default: every address (0.0.0.0)")
    parser.add_argument("--port", type=int, default=8000, help="default: 8000")
    parser.add_argument("--workers", type=int, default=1, help="processes; default: 1")
    arguments = parser.parse_args(argv)
    settings = get_settings()
    uvicorn.run(
        "app.main:app",
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        http=HeadDeadlineProtocol,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=settings.keep_alive_seconds,
    )


if __name__ == "__main__":
    main()
