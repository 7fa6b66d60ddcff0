"""What existing rows could not survive: the checks a migration must pass before it is written.

Alembic's autogenerate (migrations/env.py) refuses a migration that fails them, and
`python -m app.migrate` runs them before it copies or changes anything (`--check` only lists them).
"""

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import Connection
from sqlmodel import SQLModel

FIX_ROWS = 'change those rows first (README: "Fixing rows before a migration")'
DROP_HINT = (
    'to delete the data, run `python -m app.migrate --allow-drops "what changed"` ({backup}). '
    'If you renamed it, keep the data instead: `alembic revision -m "rename"`, write {rename} in '
    "its upgrade(), run `alembic upgrade head`, then this again"
)
# What is left of the data --allow-drops deletes: a copy of a SQLite file, or the one you make.
SQLITE_COPY = "it copies the SQLite database file first"
NO_COPY = "it makes no copy of the data: to keep one, run `pg_dump` first"
SAMPLES = 5  # offending rows quoted per problem
GROUPS = 20  # groups of rows sharing a value quoted per new unique field or combination
IDS = 20  # row ids quoted per group
# Alembic compares CHECK constraints only when asked, and then by name: the models name each one
# after its rule (`ck_line_quantity_ge_1`), so a changed rule is a new constraint.
AUTOGENERATE_PLUGINS = ["alembic.autogenerate.*", "alembic.ext.checkconstraint_byname"]
INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def problems(
    connection: Connection, upgrade_ops: ops.UpgradeOps, *, allow_drops: bool
) -> list[str]:
    """Every reason the rows the database holds could not go through these operations."""
    found: list[str] = []
    for operation in _operations(upgrade_ops):
        found += _problems(connection, operation, allow_drops)
    return found + _unknown_enum_values(connection)


def _operations(container: ops.OpContainer) -> Iterator[Any]:
    for operation in container.ops:
        if isinstance(operation, ops.OpContainer):
            yield from _operations(operation)
        else:
            yield operation


def _count(connection: Connection, table: str, where: sa.ColumnElement[bool] | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(sa.table(table))
    if where is not None:
        query = query.where(where)
    return int(connection.execute(query).scalar_one())


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _verb(count: int, verb: str) -> str:
    """The verb agreeing with a count of rows: "1 row breaks", "3 rows break"."""
    return f"{verb}s" if count == 1 else verb


def _problems(connection: Connection, operation: Any, allow_drops: bool) -> list[str]:
    if isinstance(operation, ops.AddColumnOp):
        table, column = operation.table_name, operation.column
        if column.nullable or column.server_default is not None:
            return []
        rows = _count(connection, table)
        if not rows:
            return []
        if column.foreign_keys:
            field = column.name.removesuffix("_id")
            fix = f"make it optional (`{field}: ref <resource>?`): a ref cannot have a default"
        else:
            fix = (
                f"give it a default (`{column.name}: <type> = <value>`) or make it optional "
                f"(`{column.name}: <type>?`)"
            )
        return [
            f"{table}.{column.name} is a new required field without a default, and {table} "
            f"already has {_rows(rows)} with no value for it: in the design, {fix}, "
            "run `copier update` again, then retry."
        ]
    if isinstance(operation, ops.AlterColumnOp):
        found = []
        if operation.modify_type is not None:
            found += _lossy_values(
                connection, operation.table_name, operation.column_name, operation.modify_type
            )
        if operation.modify_nullable is False:
            table, name = operation.table_name, operation.column_name
            rows = _count(connection, table, sa.column(name).is_(None))
            if rows:
                found.append(
                    f"{table}.{name} became required, but {table} has {_rows(rows)} without a "
                    f"value: {FIX_ROWS}, or keep the field optional (`?`)."
                )
        return found
    if isinstance(operation, ops.CreateUniqueConstraintOp | ops.CreateIndexOp):
        unique = isinstance(operation, ops.CreateUniqueConstraintOp) or operation.unique
        names = [c for c in operation.columns if isinstance(c, str)]
        if not unique or not names or len(names) != len(operation.columns):
            return []
        names = _held_columns(connection, operation.table_name, names)
        if not names:
            return []
        return _shared_values(connection, operation.table_name, names)
    if isinstance(operation, ops.CreateCheckConstraintOp):
        return _breaking_rows(connection, operation.table_name, str(operation.condition))
    if isinstance(operation, ops.DropColumnOp) and not allow_drops:
        table, name = operation.table_name, operation.column_name
        rows = _count(connection, table, sa.column(name).is_not(None))
        if not rows:
            return []
        return [
            f"{table}.{name} is no longer in the design, and {table} has {_rows(rows)} with a "
            "value in it that dropping the column would delete: "
            + DROP_HINT.format(
                backup=SQLITE_COPY if connection.dialect.name == "sqlite" else NO_COPY,
                rename=f'`with op.batch_alter_table("{table}") as batch_op: '
                f'batch_op.alter_column("{name}", new_column_name="<new name>")`',
            )
            + "."
        ]
    if isinstance(operation, ops.DropTableOp) and not allow_drops:
        rows = _count(connection, operation.table_name)
        if not rows:
            return []
        return [
            f"table {operation.table_name} is no longer in the design and holds {_rows(rows)} "
            "that dropping it would delete: "
            + DROP_HINT.format(
                backup=SQLITE_COPY if connection.dialect.name == "sqlite" else NO_COPY,
                rename=f'`op.rename_table("{operation.table_name}", "<new name>")`',
            )
            + "."
        ]
    return []


def _held_columns(connection: Connection, table: str, names: list[str]) -> list[str]:
    """The columns of a new unique constraint whose values the rows hold already. A column the
    same migration adds holds one value in every row (its default), so the others decide; if it
    holds null, no two rows can share the combination (SQL never counts nulls as equal)."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(table)}
    model = SQLModel.metadata.tables.get(table)
    for name in names:
        if name in present or model is None or name not in model.c:
            continue
        added = model.c[name]
        if added.nullable and added.server_default is None:
            return []
    return [name for name in names if name in present]


def _shared_values(connection: Connection, table: str, names: list[str]) -> list[str]:
    """Every group of rows a new unique field or combination would refuse, by value, with the
    ids of its rows (the first GROUPS groups; a null never counts as shared, as in SQL)."""
    model = SQLModel.metadata.tables.get(table)
    keys = [c.name for c in model.primary_key.columns] if model is not None else ["id"]
    rows = sa.table(table, *(sa.column(name) for name in dict.fromkeys([*names, *keys])))
    columns = [rows.c[name] for name in names]
    key_columns = [rows.c[key] for key in keys]
    shared = (
        sa.select(*columns, sa.func.count().label("shared_rows"))
        .where(*(c.is_not(None) for c in columns))
        .group_by(*columns)
        .having(sa.func.count() > 1)
    )
    total = sa.func.sum(sa.column("shared_rows", sa.Integer))
    counted = sa.select(sa.func.count(), total).select_from(shared.subquery())
    group_count, row_count = connection.execute(counted).one()
    if not group_count:
        return []
    first = shared.order_by(*columns).limit(GROUPS).subquery()
    query = (
        sa.select(*columns, *key_columns)
        .join(first, sa.and_(*(column == first.c[column.name] for column in columns)))
        .order_by(*columns, *key_columns)
    )
    described = []
    for values, members in groupby(connection.execute(query), key=lambda row: row[: len(names)]):
        ids = ["/".join(map(str, row[len(names) :])) for row in members]
        shown = ", ".join(ids[:IDS]) + (f", and {len(ids) - IDS} more" if len(ids) > IDS else "")
        value = repr(values[0]) if len(names) == 1 else repr(tuple(values))
        described.append(f"{value}: id {shown}")
    hidden = group_count - GROUPS
    more = f"; and {hidden} more {'group' if hidden == 1 else 'groups'}" if hidden > 0 else ""
    several = f" in {group_count} groups" if group_count > 1 else ""
    return [
        f"{table}.{', '.join(names)} became unique, but {row_count} rows share a value{several} "
        f"({'; '.join(described)}{more}): {FIX_ROWS}, or drop `unique`."
    ]


def _breaking_rows(connection: Connection, table: str, condition: str) -> list[str]:
    """Rows a new CHECK constraint would refuse (a null passes one, as in SQL). A column the
    same migration adds holds its default, which the design keeps within the rule, or null."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(table)}
    model = SQLModel.metadata.tables.get(table)
    columns = [] if model is None else [column.name for column in model.c]
    named = [name for name in columns if re.search(rf"\b{re.escape(name)}\b", condition)]
    if any(name not in present for name in named):
        return []
    breaking = sa.literal_column(f"NOT ({condition})", sa.Boolean)
    query: sa.Select[Any] = sa.select(sa.column("id")).select_from(sa.table(table)).where(breaking)
    ids = list(connection.execute(query.limit(SAMPLES)).scalars())
    if not ids:
        return []
    count = _count(connection, table, breaking)
    more = f", and {count - SAMPLES} more" if count > SAMPLES else ""
    return [
        f"{table} gains the rule `{condition}`, which {_rows(count)} {_verb(count, 'break')} (id "
        f"{', '.join(map(str, ids))}{more}): {FIX_ROWS}, or relax the rule in the design."
    ]


def _lossy_values(connection: Connection, table: str, name: str, new_type: Any) -> list[str]:
    """Rows whose value the column's new type would cut, round, or fail to read."""
    kind, keeps = _what_keeps(new_type)
    if keeps is None:
        return []
    model = SQLModel.metadata.tables.get(table)
    keys = [c.name for c in model.primary_key.columns] if model is not None else []
    column: sa.ColumnClause[Any] = sa.column(name)
    selected = [*(sa.column(key) for key in keys), column]
    query: sa.Select[Any] = sa.select(*selected).select_from(sa.table(table))
    offending: list[str] = []
    count = 0
    for *key, value in connection.execute(query.where(column.is_not(None))):
        if not keeps(value):
            count += 1
            if len(offending) < SAMPLES:
                where = f"{'/'.join(keys)} {'/'.join(map(str, key))}: " if keys else ""
                offending.append(f"{where}{value!r}")
    if not count:
        return []
    more = f", and {count - SAMPLES} more" if count > SAMPLES else ""
    return [
        f"{table}.{name} becomes {kind}, which cannot keep the value of {_rows(count)} "
        f"({'; '.join(offending)}{more}): {FIX_ROWS}, or keep the field's type as it was."
    ]


def _what_keeps(new_type: Any) -> tuple[str, Callable[[Any], bool] | None]:
    """The new type in the design's words, and whether a stored value survives the change to it."""
    if isinstance(new_type, sa.TypeDecorator):  # e.g. SQLModel's AutoString: a String underneath
        new_type = new_type.impl_instance
    if isinstance(new_type, sa.Enum):
        return "an enum", None  # values it no longer lists: `_unknown_enum_values`
    if isinstance(new_type, sa.Boolean):
        return "bool", lambda value: value in (0, 1)
    if isinstance(new_type, sa.Integer):
        return "int", _is_integer
    if isinstance(new_type, sa.Float):
        return "float", lambda value: _as_decimal(value) is not None
    if isinstance(new_type, sa.Numeric):
        precision, scale = new_type.precision, new_type.scale
        kind = f"decimal({precision}, {scale})" if precision is not None else "decimal"
        return kind, lambda value: _fits_decimal(value, precision, scale)
    if isinstance(new_type, sa.DateTime):
        return "datetime", lambda value: _parses(dt.datetime.fromisoformat, value, dt.datetime)
    if isinstance(new_type, sa.Date):
        return "date", lambda value: _parses(dt.date.fromisoformat, value, dt.date)
    if isinstance(new_type, sa.Uuid):
        return "uuid", lambda value: _parses(uuid.UUID, value, uuid.UUID)
    if isinstance(new_type, sa.String):
        length = new_type.length
        if length is None:
            return "text", None
        return f"str({length})", lambda value: len(str(value)) <= length
    return str(new_type), None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _is_integer(value: Any) -> bool:
    if isinstance(value, str):
        return INTEGER_TEXT.fullmatch(value) is not None
    number = _as_decimal(value)
    return number is not None and number == number.to_integral_value()


def _fits_decimal(value: Any, precision: int | None, scale: int | None) -> bool:
    number = _as_decimal(value)
    if number is None:
        return False
    exponent = int(number.as_tuple().exponent)
    places = max(0, -exponent)
    whole_digits = max(0, len(number.as_tuple().digits) + exponent)
    if (
        scale is not None
        and places > scale
        and number != number.quantize(Decimal(1).scaleb(-scale))
    ):
        return False  # more places than the column keeps, and not only trailing zeros
    return precision is None or whole_digits <= precision - (scale or 0)


def _parses(parse: Callable[[str], Any], value: Any, kind: type) -> bool:
    if isinstance(value, kind):
        return True
    try:
        parse(str(value))
    except ValueError:
        return False
    return True


def _unknown_enum_values(connection: Connection) -> list[str]:
    """Rows holding an enum value the design no longer lists could never be read back."""
    found: list[str] = []
    existing = set(sa.inspect(connection).get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in existing:
            continue
        present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
        for column in table.columns:
            if not isinstance(column.type, sa.Enum) or column.name not in present:
                continue
            stored: Iterator[Any] = connection.execute(
                sa.select(sa.column(column.name))
                .select_from(sa.table(table.name))
                .where(sa.column(column.name).not_in(column.type.enums))
                .distinct()
                .limit(SAMPLES)
            ).scalars()
            values = sorted(str(value) for value in stored if value is not None)
            if values:
                found.append(
                    f"{table.name}.{column.name} holds {', '.join(map(repr, values))}, which the "
                    f"design's enum no longer lists: add the value back, or {FIX_ROWS}."
                )
    return found
