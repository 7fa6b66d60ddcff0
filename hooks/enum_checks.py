"""The CHECK constraint that keeps an enum column to its values, so the database holds the enum
as the design does: `status IN ('open', 'closed')`, named `status_in_<digest of the values>`.

The values are the ones stored (the members' names, as SQLAlchemy writes them), in the design's
order; the name changes with the list, so a changed enum is a new constraint to the migrations
(Alembic compares CHECK constraints by name only), and an import reads the values back from it.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Sequence
from typing import Protocol

from .naming import enum_member
from .sql_keywords import sql_column


class Field(Protocol):
    """A field as its column's constraint sees it (`fields.FieldSpec` is one)."""

    @property
    def kind(self) -> str: ...

    @property
    def column(self) -> str: ...

    @property
    def enum_members(self) -> list[tuple[str, str]]: ...


class Table(Protocol):
    """A resource's table (`resources.Resource` is one)."""

    @property
    def table_name(self) -> str: ...

    @property
    def enums(self) -> Sequence[Field]: ...


class Roles(Protocol):
    """What the user table's role column is (`design.Design` is one)."""

    @property
    def jwt(self) -> bool: ...

    @property
    def role_members(self) -> list[tuple[str, str]]: ...

    @property
    def resources(self) -> Sequence[Table]: ...


DIGEST_LENGTH = 8  # hex digits of the values' SHA-256 in the constraint's name
# PostgreSQL cuts longer names (`ck_<table>_<name>`), and Alembic, comparing CHECK constraints by
# name, would then find the cut one gone and the whole one missing at every migration.
NAME_LIMIT = 63


def sql_text(value: str) -> str:
    """A SQL string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def values_digest(values: Sequence[str]) -> str:
    """What names a list of values: the start of the SHA-256 of the values, one a line."""
    return hashlib.sha256("\n".join(values).encode()).hexdigest()[:DIGEST_LENGTH]


def enum_check(table: str, column: str, members: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(name, SQL condition) of the CHECK constraint keeping `table.column` to the stored values
    of an enum's (member, value) pairs; a null passes it, as any CHECK, so an optional enum stays
    so. The column's part of the name is cut where the whole would pass NAME_LIMIT."""
    stored = [member for member, _ in members]
    listed = ", ".join(sql_text(value) for value in stored)
    suffix = f"_in_{values_digest(stored)}"
    room = NAME_LIMIT - len(f"ck_{table}_") - len(suffix)
    named = column if len(column) <= room else column[: max(room, 1)].rstrip("_")
    return f"{named}{suffix}", f"{sql_column(column)} IN ({listed})"


def field_enum_check(table: str, spec: Field) -> tuple[str, str] | None:
    """The CHECK constraint of an enum field's column; None for other kinds."""
    return enum_check(table, spec.column, spec.enum_members) if spec.kind == "enum" else None


def role_check(design: Roles) -> tuple[str, str]:
    """The CHECK constraint of the `user` table's `role` column: the design's roles."""
    return enum_check("user", "role", design.role_members)


def enum_columns(design: Roles) -> list[str]:
    """`table.column` of every column an enum CHECK constraint keeps: the user's role first."""
    columns = ["user.role"] if design.jwt else []
    return columns + [f"{r.table_name}.{f.column}" for r in design.resources for f in r.enums]


def unlisted_value(values: Sequence[str]) -> str | None:
    """Text an enum column could hold but its CHECK refuses, for the generated tests: neither a
    value nor a member's name (what the column stores), and no longer than they are (PostgreSQL's
    `VARCHAR(n)` takes it); None if every candidate is taken."""
    members = [enum_member(value) for value in values]
    width = max(len(member) for member in members)
    taken = {*values, *members}
    candidates = (c * width for c in string.ascii_lowercase + string.digits)
    return next((text for text in candidates if text not in taken), None)
