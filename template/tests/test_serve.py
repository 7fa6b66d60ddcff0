"""The production server's deadline for a request's head, under uvicorn on a loopback port.

A client that sends nothing, or its headers a byte at a time, is disconnected
(`app/core/connections.py`).
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from app.core import connections
from app.core.config import Settings
from app.core.connections import HeadDeadlineProtocol

HEAD = b"GET / HTTP/1.1\r\nHost: test\r\n"
# Far beyond the deadline the server gets below: a connection still open then is held.
HELD = 10


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """The smallest app: the protocol, not the app, is under test."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def port(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """uvicorn with the production protocol and a head deadline of half a second, in a thread."""
    fast = settings.model_copy(update={"header_timeout_seconds": 0.5})
    monkeypatch.setattr(connections, "get_settings", lambda: fast)
    config = uvicorn.Config(
        hello, host="127.0.0.1", port=0, http=HeadDeadlineProtocol, lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            time.sleep(0.01)
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=HELD)


def closed_while_dribbling(sock: socket.socket) -> bool:
    """Sends a header byte every tenth of a second until the server closes the connection."""
    sock.settimeout(0.1)
    for _ in range(HELD * 10):
        try:
            sock.send(b"X")
            if sock.recv(100) == b"":
                return True
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


@pytest.mark.parametrize("sent", [b"", HEAD], ids=["nothing", "half a head"])
def test_a_client_that_stops_before_the_end_of_its_head_is_disconnected(
    port: int, sent: bytes
) -> None:
    with connect(port) as sock:
        sock.sendall(sent)
        assert sock.recv(100) == b""


def test_a_client_sending_its_head_a_byte_at_a_time_is_disconnected(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(HEAD)
        assert closed_while_dribbling(sock)


def test_the_deadline_starts_again_after_each_answer(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(HEAD + b"\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 200 ")
        sock.sendall(HEAD)
        assert closed_while_dribbling(sock)


def test_a_head_that_arrives_in_time_is_answered(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(HEAD)
        sock.sendall(b"\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 200 ")
