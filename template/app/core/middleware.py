"""Request ids, security headers, the header and body limits, CORS refusals and the access log.

Plain ASGI middleware, to keep the per-request cost small.
"""

import logging
import re
import time
import uuid

import anyio

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import CODES, ErrorBody

logger = logging.getLogger("app.access")

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
# Probes call these every few seconds: their lines would drown the requests worth reading.
UNLOGGED_PATHS = frozenset({"/healthz", "/readyz"})


class RequestContextMiddleware:
    """Gives every request an id (the caller's X-Request-ID if sane), echoes it and logs one line.

    Every response also says `X-Content-Type-Options: nosniff`: a browser must not guess that an
    error message is HTML.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_code = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                headers.append("X-Content-Type-Options", "nosniff")
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            if scope["path"] not in UNLOGGED_PATHS:
                logger.info(
                    "%s %s %d %.1fms request_id=%s",
                    scope["method"],
                    _logged_path(scope),
                    status_code,
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )


def _logged_path(scope: Scope) -> str:
    """The path as the client sent it, still percent-encoded: `%0A` stays three characters."""
    raw: bytes | None = scope.get("raw_path")
    return raw.decode("latin-1") if raw is not None else str(scope["path"])


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if SAFE_REQUEST_ID.match(text) else None
    return None


class CorsMiddleware(CORSMiddleware):
    """Starlette's CORS handling, with a refused preflight answered in the error format."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        body = ErrorBody(detail=bytes(response.body).decode(), code=CODES[400])
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        }
        return JSONResponse(body.model_dump(mode="json"), status_code=400, headers=headers)


class HeaderLimitMiddleware:
    """Answers 431, in the error format, for a request line and headers over `max_bytes`, or for
    more than `max_count` headers.

    The production server (`python -m app.serve`) also stops reading a head that grows past
    `max_bytes` before it is complete; this is the check of a complete one.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope["query_string"])
        size += sum(len(name) + len(value) for name, value in headers)
        if len(headers) > self.max_count:
            detail = f"The request has {len(headers)} headers; at most {self.max_count} are read"
        elif size > self.max_bytes:
            detail = f"The request line and headers are larger than {self.max_bytes} bytes"
        else:
            await self.app(scope, receive, send)
            return
        body = ErrorBody(detail=detail, code=CODES[431])
        await JSONResponse(body.model_dump(mode="json"), status_code=431)(scope, receive, send)


class BodyLimitMiddleware:
    """Answers 413, in the error format, for a body over `max_bytes`, before it is read into memory;
    408 for a body still arriving `timeout` seconds after the request began.

    A declared Content-Length is refused at once; a chunked body is counted as it arrives. A 408
    closes the connection, so a client that dribbles its body cannot hold it any longer.
    (FastAPI's own `max_body_size` answers a declared oversize in plain text, not the error format.)
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = ErrorBody(detail=self._detail(), code=CODES[413])
            await JSONResponse(body.model_dump(mode="json"), status_code=413)(scope, receive, send)
            return
        received = 0
        complete = False
        deadline = anyio.current_time() + self.timeout

        async def receive_within_limit() -> Message:
            nonlocal received, complete
            if complete:  # afterwards the app only waits for a disconnect: no deadline
                return await receive()
            try:
                with anyio.fail_after(max(deadline - anyio.current_time(), 0)):
                    message = await receive()
            except TimeoutError:
                detail = f"The body did not arrive within {self.timeout:g} seconds"
                raise HTTPException(408, detail, headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail())
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, receive_within_limit, send)

    def _detail(self) -> str:
        return f"The body is larger than {self.max_bytes} bytes"
