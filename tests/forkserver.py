"""`python -m pytest` or `python -c ...` in a rendered project, without importing the libraries again.

A rendered project's command spends about two seconds of CPU importing pytest, FastAPI, SQLModel,
Alembic and pydantic before it does anything; the suite runs hundreds of such commands. A server
process per test worker imports them once, then forks for each command: the fork sets the working
directory, the environment, `sys.path` (as the interpreter builds it from the command and
PYTHONPATH), `sys.argv` and the standard streams, then runs the module or code as `__main__` and
exits with its status. Nothing of the project (`app`, its `tests`) is ever imported by the server,
so each command imports the project fresh, as a new interpreter would.

`run()` takes the arguments `subprocess.run` would and returns the same `CompletedProcess`;
`start()` leaves a server (uvicorn, `fastapi run`) running, with what the tests use of `Popen`. The
commands are the server's children: `cpu_seconds()` adds up their CPU time. A
command the server cannot stand in for (another interpreter, interpreter options, a `PYTHON*`
variable other than PYTHONPATH that differs from the server's) runs as a real subprocess.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# What a rendered project's tests and commands import; a library that is not installed is skipped.
PRELOAD = (
    "pytest", "_pytest.python", "_pytest.fixtures", "_pytest.assertion.rewrite",
    "fastapi", "fastapi.testclient", "fastapi.security", "starlette.testclient", "starlette.middleware.cors",
    "sqlmodel", "sqlalchemy", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
    "sqlalchemy.ext.asyncio", "alembic.command", "alembic.config", "alembic.autogenerate",
    "alembic.runtime.migration", "alembic.script", "alembic.operations", "pydantic", "pydantic_settings",
    "email_validator", "pwdlib", "pwdlib.hashers.argon2", "argon2", "jwt", "httpx", "anyio",
    "aiosqlite", "psycopg", "asyncpg", "python_multipart", "dotenv", "mako.template", "yaml",
    "uvicorn.main", "uvicorn.server", "uvicorn.lifespan.on",
    "decimal", "uuid", "zoneinfo", "sqlite3", "logging.config", "asyncio", "concurrent.futures",
)  # fmt: skip


# --------------------------------------------------------------------------- the server


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the client went away")
        data += chunk
    return data


def _exit_code(error: SystemExit) -> int:
    """The status an interpreter exits with for this SystemExit."""
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def _quiet_about_preloaded_modules(preloaded: frozenset[str]) -> None:
    """pytest warns that a plugin's module (anyio's) was imported before it could rewrite its
    asserts; in a new interpreter it would not have been, so only the command's own imports warn."""
    from _pytest.assertion.rewrite import AssertionRewritingHook

    warn = AssertionRewritingHook._warn_already_imported

    def warn_unless_preloaded(self: AssertionRewritingHook, name: str) -> None:
        if name not in preloaded:
            warn(self, name)

    AssertionRewritingHook._warn_already_imported = warn_unless_preloaded  # type: ignore[method-assign]


def _run_command(
    fds: list[int], request: dict[str, Any], base_path: list[str], preloaded: frozenset[str]
) -> None:
    """In the forked child: become the command, run it, exit with its status."""
    if request.get("new_session"):
        os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    extra = [path for path in request["env"].get("PYTHONPATH", "").split(os.pathsep) if path]
    mode, target, *rest = request["args"]
    sys.path[:] = ["" if mode == "-c" else request["cwd"], *extra, *base_path]
    _quiet_about_preloaded_modules(preloaded)
    code = 0
    try:
        if mode == "-m":
            import runpy

            sys.argv = [target, *rest]
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            import types

            sys.argv = ["-c", *rest]
            main = types.ModuleType("__main__")
            sys.modules["__main__"] = main
            exec(compile(target, "<string>", "exec"), main.__dict__)
    except SystemExit as error:
        code = _exit_code(error)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code)


def _serve_one(
    connection: socket.socket,
    fds: list[int],
    request: dict[str, Any],
    base: list[str],
    preloaded: frozenset[str],
) -> None:
    """In a child of the server: fork the command, report its pid, then its exit status."""
    command = os.fork()
    if command == 0:
        connection.close()
        _run_command(fds, request, base, preloaded)
    for fd in fds:
        os.close(fd)
    try:
        connection.sendall(json.dumps({"pid": command}).encode() + b"\n")
        _, status, usage = os.wait4(command, 0)
        reply = {
            "returncode": os.waitstatus_to_exitcode(status),
            "cpu": usage.ru_utime + usage.ru_stime,
        }
        connection.sendall(json.dumps(reply).encode() + b"\n")
    finally:
        os._exit(0)


def serve(path: str) -> None:
    for name in PRELOAD:
        with contextlib.suppress(Exception):
            __import__(name)
    base_path = sys.path[1:]  # without this file's folder
    preloaded = frozenset(sys.modules)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    listener.settimeout(1.0)
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    parent = os.getppid()
    print("ready", flush=True)
    while True:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != parent:  # the test process is gone, however it ended
                os.killpg(0, signal.SIGKILL)
            continue
        except InterruptedError:
            continue
        connection.settimeout(None)
        try:
            header, fds, _, _ = socket.recv_fds(connection, 8, 3)
            request = json.loads(_read_exactly(connection, int.from_bytes(header, "big")))
        except (EOFError, OSError, ValueError):
            connection.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            listener.close()
            _serve_one(connection, fds, request, base_path, preloaded)
        connection.close()
        for fd in fds:
            os.close(fd)


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


# --------------------------------------------------------------------------- the client

_server: tuple[subprocess.Popen[bytes], str] | None = None
_cpu_seconds = 0.0


def cpu_seconds() -> float:
    """CPU time (user + system) of the commands run through the server so far in this process:
    they are the server's children, so `RUSAGE_CHILDREN` does not count them."""
    return _cpu_seconds


def _socket_path() -> str | None:
    """The running server's socket, started on first use; None where it cannot start."""
    global _server
    if _server is not None and _server[0].poll() is None:
        return _server[1]
    folder = tempfile.mkdtemp(prefix="forkserver-")
    path = os.path.join(folder, "socket")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    server = subprocess.Popen(
        [sys.executable, __file__, path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
        cwd=folder,
        start_new_session=True,
    )
    assert server.stdout is not None
    if server.stdout.readline().strip() != b"ready":
        server.kill()
        return None
    _server = (server, path)
    atexit.register(_stop, server)
    return path


def _stop(server: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def stop() -> None:
    """Stop the server and what it still runs (at the end of a test session)."""
    global _server
    if _server is not None:
        _stop(_server[0])
        shutil.rmtree(os.path.dirname(_server[1]), ignore_errors=True)
        _server = None


def _fits(args: Sequence[str], env: Mapping[str, str]) -> bool:
    if len(args) < 3 or args[0] != sys.executable or args[1] not in ("-m", "-c"):
        return False
    mine = {k: v for k, v in os.environ.items() if k.startswith("PYTHON") and k != "PYTHONPATH"}
    theirs = {k: v for k, v in env.items() if k.startswith("PYTHON") and k != "PYTHONPATH"}
    return mine == theirs


class Forked:
    """A command forked from the server: what the tests use of `subprocess.Popen`."""

    def __init__(self, connection: socket.socket, args: list[str]) -> None:
        self.args = args
        self.returncode: int | None = None
        self._connection = connection
        self._buffer = b""
        line = self._line(None)
        if line is None:
            raise RuntimeError("the fork server stopped answering")
        self.pid: int = json.loads(line)["pid"]

    def _line(self, timeout: float | None) -> bytes | None:
        """The server's next reply; None if none came within `timeout` (or the server went away)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self._connection], [], [], left)[0]:
                return None
            chunk = self._connection.recv(4096)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            line = self._line(timeout)
            if line is None:
                if timeout is not None:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                raise RuntimeError("the fork server stopped answering")
            reply = json.loads(line)
            global _cpu_seconds
            _cpu_seconds += reply["cpu"]
            self.returncode = reply["returncode"]
            self._connection.close()
        return self.returncode

    def poll(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.wait(0)
        return None

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _fork(
    command: list[str],
    cwd: str | os.PathLike[str],
    env: dict[str, str],
    fds: list[int],
    path: str,
    new_session: bool = False,
) -> Forked:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    request = json.dumps(
        {
            "args": command[1:],
            "cwd": str(Path(cwd).resolve()),
            "env": env,
            "new_session": new_session,
        }
    ).encode()
    connection.connect(path)
    socket.send_fds(connection, [len(request).to_bytes(8, "big")], fds)
    connection.sendall(request)
    return Forked(connection, command)


def start(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    output: IO[Any],
    new_session: bool = False,
) -> Forked | subprocess.Popen[bytes]:
    """`subprocess.Popen(args, cwd=cwd, env=env, stdin=DEVNULL, stdout=output, stderr=STDOUT,
    start_new_session=new_session)`, forked from the preloaded server where it can be; stop it
    with `terminate()` (or `os.killpg` in a new session) and `wait()`."""
    command = [str(arg) for arg in args]
    environment = dict(os.environ if env is None else env)
    path = _socket_path() if _fits(command, environment) else None
    if path is None:
        return subprocess.Popen(
            command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=new_session,
        )  # fmt: skip
    with open(os.devnull, "rb") as stdin:
        fds = [stdin.fileno(), output.fileno(), output.fileno()]
        return _fork(command, cwd, environment, fds, path, new_session)


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(args, cwd=cwd, env=env, input=input, capture_output=True, text=True,
    timeout=timeout)`, forked from the preloaded server where it can be."""
    command = [str(arg) for arg in args]
    environment = dict(os.environ if env is None else env)
    path = _socket_path() if _fits(command, environment) else None
    if path is None:
        return subprocess.run(
            command, cwd=cwd, env=environment, input=input, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
    ):
        stdin.write((input or "").encode())
        stdin.seek(0)
        forked = _fork(
            command, cwd, environment, [stdin.fileno(), stdout.fileno(), stderr.fileno()], path
        )
        try:
            returncode = forked.wait(timeout)
        except subprocess.TimeoutExpired:
            forked.kill()
            forked.wait()
            raise
        stdout.seek(0)
        stderr.seek(0)
        out, err = (_text(stream.read()) for stream in (stdout, stderr))
    return subprocess.CompletedProcess(command, returncode, out, err)


def _text(data: bytes) -> str:
    """As `subprocess.run(..., text=True)` decodes: UTF-8 with universal newlines."""
    return data.decode().replace("\r\n", "\n").replace("\r", "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
