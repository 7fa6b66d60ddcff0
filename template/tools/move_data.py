"""`python -m tools.move_data <target URL>`: copy every row of the database into a new, empty one.

The way from the SQLite file to PostgreSQL (README: "Moving to PostgreSQL"). The source is
`DATABASE_URL` and must be at the latest migration; the target is brought to it first, so both
hold the same schema. Rows are copied table by table (links between rows too), referenced tables
first, in one transaction: a failure leaves the target as it was. Ids keep their values, and new
rows get ids above every id the source ever gave out, so no id is reused.
"""

import argparse
import sys

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Table, create_engine, func, inspect, pool, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from app.core.config import get_settings
from app.core.schema import ALEMBIC_INI, schema_problem
from app.db import sync_url

BATCH_SIZE = 1_000


class MoveRefused(Exception):
    """The source or the target is not fit for a copy; nothing was written."""


def move_data(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row from `source_url` to `target_url`; the number of rows copied per table."""
    source = create_engine(sync_url(source_url), poolclass=pool.NullPool)
    target = create_engine(sync_url(target_url), poolclass=pool.NullPool)
    try:
        with source.connect() as reading, target.begin() as writing:
            problem = schema_problem(reading)
            if problem is not None:
                raise MoveRefused(f"the source database is not current. {problem}")
            filled = [t for t in _model_tables(writing) if _count(writing, t)]
            if filled:
                raise MoveRefused(
                    f"the target database already holds rows ({', '.join(filled)}): "
                    "give it an empty database."
                )
            config = Config(str(ALEMBIC_INI))
            config.attributes["connection"] = writing
            command.upgrade(config, "head")
            copied = {}
            for table in SQLModel.metadata.sorted_tables:
                copied[table.name] = _copy_rows(reading, writing, table)
                if "id" in table.c:  # a link table has no ids of its own
                    _continue_ids(writing, table, last_id=_last_id(reading, table))
            return copied
    finally:
        source.dispose()
        target.dispose()


def _model_tables(connection: Connection) -> list[str]:
    existing = set(inspect(connection).get_table_names())
    return [t.name for t in SQLModel.metadata.sorted_tables if t.name in existing]


def _count(connection: Connection, table_name: str) -> int:
    table = SQLModel.metadata.tables[table_name]
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _copy_rows(reading: Connection, writing: Connection, table: Table) -> int:
    rows = reading.execution_options(yield_per=BATCH_SIZE).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    copied = 0
    for batch in rows.mappings().partitions():
        writing.execute(table.insert(), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def _last_id(connection: Connection, table: Table) -> int:
    """The highest id the database ever gave out in `table` (deleted rows included, where the
    database keeps track)."""
    highest = int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    if connection.dialect.name == "sqlite":
        query = text("SELECT seq FROM sqlite_sequence WHERE name = :name")
        given = connection.execute(query, {"name": table.name}).scalar()
    elif connection.dialect.name == "postgresql":
        query = text("SELECT pg_sequence_last_value(pg_get_serial_sequence(:name, 'id'))")
        given = connection.execute(query, {"name": _quoted(connection, table)}).scalar()
    else:
        given = None
    return max(highest, int(given or 0))


def _continue_ids(connection: Connection, table: Table, *, last_id: int) -> None:
    """The target's next id for `table` is `last_id + 1`."""
    if last_id == 0:
        return
    if connection.dialect.name == "postgresql":
        query = text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :last_id)")
        connection.execute(query, {"name": _quoted(connection, table), "last_id": last_id})
    elif connection.dialect.name == "sqlite":
        connection.execute(
            text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": table.name}
        )
        query = text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :last_id)")
        connection.execute(query, {"name": table.name, "last_id": last_id})


def _quoted(connection: Connection, table: Table) -> str:
    """`user` -> `"user"`: pg_get_serial_sequence reads its argument as SQL."""
    return connection.dialect.identifier_preparer.quote(table.name)


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.move_data",
        description="Copy every row of DATABASE_URL's database into a new, empty database.",
    )
    parser.add_argument(
        "target", help="the new database, e.g. postgresql+psycopg://user:password@127.0.0.1/app"
    )
    options = parser.parse_args(arguments)
    try:
        copied = move_data(get_settings().database_url, options.target)
    except MoveRefused as error:
        print(f"Nothing copied: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        print(f"Nothing copied: cannot reach a database: {error.orig}", file=sys.stderr)
        return 1
    for table, rows in copied.items():
        print(f"{table}: {rows} row{'s' if rows != 1 else ''}")
    print("Copied. Point DATABASE_URL at the new database (in .env), then start the app.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
