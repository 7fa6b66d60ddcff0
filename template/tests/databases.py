"""The database the tests run on: a SQLite file, or PostgreSQL when TEST_DATABASE_URL is set.

`TEST_DATABASE_URL` names a server (with the build's driver) and a user who may create
databases: the tests get a database of their own there, dropped at the end. Either way each test
starts from the database as the app's startup left it.
"""

import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import inspect, make_url, pool, text
from sqlmodel import SQLModel, create_engine

from app.db import sync_url


class Database(Protocol):
    url: str

    def create(self) -> None:
        """Every table of the models (not the migrations: a design change is tested before its
        migration is written)."""

    def save(self) -> None:
        """Keep the database as it is now; `restore` goes back to it."""

    def restore(self) -> None: ...

    def drop(self) -> None: ...


def database_for_tests(sqlite_url: str) -> Database:
    """The server's database when `TEST_DATABASE_URL` is set (with the build's driver, e.g.
    `postgresql+psycopg://user:password@127.0.0.1/postgres`), else the SQLite file."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    return ServerDatabase(server_url) if server_url else SqliteFile(sqlite_url)


def _create_tables(url: str) -> None:
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    SQLModel.metadata.create_all(engine)
    engine.dispose()


class SqliteFile:
    """A file, saved and restored by copying it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = Path(str(make_url(url).database))
        self.saved = self.path.with_name("started.db")

    def create(self) -> None:
        _create_tables(self.url)

    def save(self) -> None:
        shutil.copyfile(self.path, self.saved)

    def restore(self) -> None:
        for leftover in (self.path.name + "-wal", self.path.name + "-shm"):
            self.path.with_name(leftover).unlink(missing_ok=True)
        shutil.copyfile(self.saved, self.path.with_name("next.db"))
        os.replace(self.path.with_name("next.db"), self.path)

    def drop(self) -> None:
        """Nothing to do: the file is in pytest's temporary folder."""


class ServerDatabase:
    """A new database on the server (its user needs CREATEDB), dropped at the end. Restoring empties
    the tables and writes the saved rows back: a fraction of the time a copy of the database takes."""

    def __init__(self, server_url: str) -> None:
        self.name = f"test_{uuid.uuid4().hex[:12]}"
        self.url = make_url(server_url).set(database=self.name).render_as_string(False)
        self.server = create_engine(
            sync_url(server_url), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
        )
        self.engine = create_engine(sync_url(self.url), pool_size=1)
        self.tables = SQLModel.metadata.sorted_tables  # referenced tables before their referrers
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.sequences: list[dict[str, Any]] = []

    def _run(self, *statements: str) -> None:
        with self.server.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))

    def create(self) -> None:
        self._run(f'CREATE DATABASE "{self.name}"')
        _create_tables(self.url)

    def save(self) -> None:
        with self.engine.connect() as connection:
            self.rows = {
                table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                for table in self.tables
            }
            self.sequences = [dict(row._mapping) for row in connection.execute(SEQUENCES)]

    def restore(self) -> None:
        with self.engine.begin() as connection:
            # A connection a test left in a transaction fails the restore instead of hanging it.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            for name in set(inspect(connection).get_table_names()) - set(self.rows):
                connection.execute(text(f'DROP TABLE "{name}" CASCADE'))  # made by a test
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
            for sequence in self.sequences:
                connection.execute(text("SELECT setval(:name, :value, :called)"), sequence)

    def drop(self) -> None:
        self.engine.dispose()
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.server.dispose()


# Where each sequence of the tests' schema stands, as `setval` takes it back.
SEQUENCES = text(
    "SELECT format('%I.%I', schemaname, sequencename) AS name,"
    " coalesce(last_value, start_value) AS value, last_value IS NOT NULL AS called"
    " FROM pg_sequences WHERE schemaname = current_schema()"
)
