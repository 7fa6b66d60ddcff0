"""No id is given out twice, even after a migration rebuilds a SQLite table.

SQLite cannot alter most of a table in place, so a migration (in batch mode) copies the table into
a new one, drops the old one and renames the copy. The copy has `AUTOINCREMENT` only if the
migration asks for it, and SQLite drops the table's high-water mark (its row of `sqlite_sequence`)
with the old table: the next row would get the id of a row deleted before. So:

- autogenerate writes `table_kwargs={"sqlite_autoincrement": True}` into the `batch_alter_table`
  of every table whose model has it (`in_rebuilds`, from migrations/env.py);
- migrations/env.py notes every high-water mark before the migrations run (`given_out`) and
  puts back any that a migration lowered or lost (`restore`);
- `python -m tools.migrate` rebuilds, with the keyword, a table that already lost it to a migration
  written before these two (`regain`), its high-water mark kept.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

TABLE_KWARGS = {"sqlite_autoincrement": True}


class RebuildKeepingIds(ops.ModifyTableOps):
    """The changes to one table, rebuilt (where SQLite needs a rebuild) with `AUTOINCREMENT`."""


@renderers.dispatch_for(RebuildKeepingIds)
def _render(autogen_context: AutogenContext, operation: RebuildKeepingIds) -> list[str]:
    """Alembic's lines for the table's changes, with the rebuilt table's keyword arguments."""
    lines: list[str] = renderers.dispatch(ops.ModifyTableOps)(autogen_context, operation)
    if lines and lines[0].startswith("with op.batch_alter_table("):
        table, schema = operation.table_name, operation.schema
        lines[0] = (
            f"with op.batch_alter_table({table!r}, schema={schema!r}, "
            f"table_kwargs={TABLE_KWARGS!r}) as batch_op:"
        )
    return lines


def _autoincrement(table_name: str) -> bool:
    table = SQLModel.metadata.tables.get(table_name)
    return table is not None and bool(table.dialect_options["sqlite"]["autoincrement"])


def in_rebuilds(script: ops.MigrationScript) -> None:
    """Mark the changes to each table whose model has `sqlite_autoincrement` (upgrade and
    downgrade alike), so their batch keeps the keyword."""
    for container in (*script.upgrade_ops_list, *script.downgrade_ops_list):
        container.ops = [
            RebuildKeepingIds(op.table_name, op.ops, schema=op.schema)
            if type(op) is ops.ModifyTableOps and _autoincrement(op.table_name)
            else op
            for op in container.ops
        ]


def given_out(connection: Connection) -> dict[str, int]:
    """Each table's highest id ever given out, as SQLite's `sqlite_sequence` holds it."""
    if connection.dialect.name != "sqlite":
        return {}
    exists = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
    if connection.execute(exists).first() is None:
        return {}
    rows = connection.execute(text("SELECT name, seq FROM sqlite_sequence"))
    return {str(name): int(seq or 0) for name, seq in rows}


def restore(connection: Connection, marks: dict[str, int]) -> None:
    """Raise each table's high-water mark back to `marks` where a rebuild lowered or lost it (a
    table that no longer exists stays gone)."""
    if not marks:
        return
    tables = set(inspect(connection).get_table_names())
    now = given_out(connection)
    for name, seq in marks.items():
        if name not in tables or now.get(name, 0) >= seq:
            continue
        values = {"name": name, "seq": seq}
        if name in now:
            connection.execute(
                text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"), values
            )
        else:
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"), values
            )


def restorer(marks: dict[str, int]) -> Callable[..., None]:
    """An `on_version_apply` callback for Alembic: after each migration, inside its transaction."""

    def after_each_migration(*, ctx: Any, **_: Any) -> None:
        restore(ctx.connection, marks)

    return after_each_migration


def lacking(connection: Connection) -> list[str]:
    """The tables whose model has `AUTOINCREMENT` but whose table in the database lost it (to a
    rebuild by a migration written before `in_rebuilds`)."""
    if connection.dialect.name != "sqlite":
        return []
    tables = text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return sorted(
        str(name)
        for name, sql in connection.execute(tables)
        if _autoincrement(str(name)) and "AUTOINCREMENT" not in str(sql).upper()
    )


def regain(connection: Connection) -> list[str]:
    """Rebuild each table that lost `AUTOINCREMENT` with it, every row kept, its high-water mark
    the highest of its ids and of any mark recorded; the tables rebuilt."""
    names = lacking(connection)
    if not names:
        return []
    # The rebuild drops the table: references to it, enforced, would cascade into other tables.
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    operations = Operations(MigrationContext.configure(connection))
    with connection.begin():
        marks = given_out(connection)
        for name in names:
            ids = sa.table(name, sa.column("id", sa.Integer)).c.id
            top = connection.execute(sa.select(sa.func.max(ids))).scalar()
            mark = max(top or 0, marks.get(name, 0))
            with operations.batch_alter_table(name, recreate="always", table_kwargs=TABLE_KWARGS):
                pass
            restore(connection, {name: mark})
    return names
