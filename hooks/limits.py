"""The limits a rendered app applies by default: its settings' defaults and the spec's numbers,
written here once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1024 * 1024
    # What one connection may hold of the production server (`python -m app.serve`).
    max_header_bytes: int = 16 * 1024  # the request line and headers together
    max_header_count: int = 100
    header_timeout_seconds: int = 10  # for a request's line and headers to arrive
    body_timeout_seconds: int = 30  # for its whole body to arrive
    keep_alive_seconds: int = 5  # an idle connection between requests
    login_failures_per_account: int = 5
    login_failures_per_client: int = 20
    login_failure_window_seconds: int = 300
    min_secret_key_bytes: int = 32
    max_search_length: int = 200  # a list's `q`
    default_page_size: int = 20  # a list's `limit`
    max_page_size: int = 100
    max_filter_values: int = 100  # a repeatable filter's values (`?genre=a&genre=b`)
    max_link_ids: int = 100  # the ids a create or update body links to (`tag_ids`)
    listed_missing_ids: int = 10  # how many missing ids a 422 names before "and N more"
    signups_per_client: int = 10  # sign-ups from one client address per window
    signup_window_seconds: int = 3600

    @property
    def max_body_size(self) -> str:
        """`1 MiB`: the body limit as the spec writes it."""
        mib, rest = divmod(self.max_body_bytes, 1024 * 1024)
        return f"{mib} MiB" if not rest else f"{self.max_body_bytes:,} bytes"


LIMITS = Limits()
