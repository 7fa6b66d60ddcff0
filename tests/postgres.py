"""A throwaway PostgreSQL cluster: Debian's server, initdb in a temporary folder, on 127.0.0.1.

`python -m tests.postgres` starts one and prints its URL (stop it with Ctrl-C), for trying a
rendered project against PostgreSQL by hand.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

_database_numbers = itertools.count(1)


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres", *, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def new_database(self, *, driver: str = "psycopg") -> str:
        """An empty database of its own, by URL (`driver`: psycopg or asyncpg)."""
        import psycopg

        name = f"db_{os.getpid()}_{next(_database_numbers)}"
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name, driver=driver)


def server_binaries() -> Path | None:
    """Where Debian's `postgresql` package put initdb and pg_ctl (the newest version), if anywhere."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _version(path: str) -> int:
    return int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_unprivileged(command: list[str], owner: str | None) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` account the package made."""
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Start a cluster nobody else uses (trust on loopback, no fsync: it is thrown away), stop it after."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(
            "PostgreSQL's server is not installed (Debian: apt-get install postgresql)"
        )
    owner = None
    if os.geteuid() == 0:
        owner = next((n for n in ("postgres", "nobody") if _has_account(n)), None)
        if owner is None:
            raise RuntimeError(
                "running as root, and there is no `postgres` account to run the server"
            )
    folder = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
    if owner:
        shutil.chown(folder, owner)
    data = folder / "data"
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_unprivileged(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],  # fmt: skip
            owner,
        ),
        **run,  # type: ignore[call-overload]
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_unprivileged(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],  # fmt: skip
            owner,
        ),
        **run,  # type: ignore[call-overload]
    )
    try:
        yield Cluster(host="127.0.0.1", port=port, user="postgres")
    finally:
        subprocess.run(
            _as_unprivileged(
                [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner
            ),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


if __name__ == "__main__":
    with running_cluster() as cluster:
        print(cluster.url(), flush=True)
        with suppress(KeyboardInterrupt):
            subprocess.run(["sleep", "infinity"])
