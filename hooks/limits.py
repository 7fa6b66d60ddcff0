"""The limits a rendered app applies by default: its settings' defaults and the spec's numbers,
written here once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1024 * 1024
    login_failures_per_account: int = 5
    login_failures_per_client: int = 20
    login_failure_window_seconds: int = 300
    min_secret_key_bytes: int = 32
    max_search_length: int = 200  # a list's `q`
    default_page_size: int = 20  # a list's `limit`
    max_page_size: int = 100

    @property
    def max_body_size(self) -> str:
        """`1 MiB`: the body limit as the spec writes it."""
        mib, rest = divmod(self.max_body_bytes, 1024 * 1024)
        return f"{mib} MiB" if not rest else f"{self.max_body_bytes:,} bytes"


LIMITS = Limits()
