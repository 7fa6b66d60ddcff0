"""What a client connection may hold of the production server: a deadline for each request's head.

uvicorn closes a connection left idle after a response (`timeout_keep_alive`), but waits without
end for a request's line and headers: a client that opens connections and sends its headers a
byte at a time ("slowloris"), or nothing at all, would hold them forever. `python -m app.serve`
runs uvicorn with this protocol, which closes such a connection after `HEADER_TIMEOUT_SECONDS`.
"""

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from app.core.config import get_settings


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol; a request's head must arrive within the timeout after the
    connection opens, or after the previous response (a body left unsent counts as no head)."""

    head_deadline: asyncio.TimerHandle | None = None
    answered: RequestResponseCycle | None = None  # the request before the awaited one

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self.answered:  # a new request's head has arrived
            self._stop_waiting()

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()  # may start a pipelined request already received
        if self.cycle is answered and not self.transport.is_closing():
            self.answered = answered
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._stop_waiting()
        timeout = get_settings().header_timeout_seconds
        self.head_deadline = self.loop.call_later(timeout, self._head_too_slow)

    def _stop_waiting(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_too_slow(self) -> None:
        """Still no complete head: close, as uvicorn closes an idle connection."""
        self.head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
