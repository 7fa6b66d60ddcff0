"""What one field is as a column: its type in the spec's SQL, in the first migration, in JSON and
in the ER diagram, its CHECK constraint, its SQL default and its `sa_type=`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from .column_types import JSON_TYPES, MERMAID_TYPES, MIGRATION_TYPES, SQL_TYPES
from .literals import py_str
from .naming import enum_member
from .sql_keywords import sql_column

if TYPE_CHECKING:
    from .kinds import Bound


class ColumnFacts:
    """Mixed into `FieldSpec`: the field as the database holds it."""

    if TYPE_CHECKING:
        kind: str
        max_length: int | None
        min_length: int | None
        minimum: Bound | None
        maximum: Bound | None
        default: Any
        has_default: bool

        @property
        def column(self) -> str: ...

        @property
        def enum_class(self) -> str: ...

        @property
        def enum_members(self) -> list[tuple[str, str]]: ...

    @property
    def json_type(self) -> str:
        return JSON_TYPES[self.kind]

    @property
    def mermaid_type(self) -> str:
        return MERMAID_TYPES[self.kind]

    @property
    def sql_type(self) -> str:
        """The column's SQL type, for the spec (PostgreSQL's name; SQLite's is its affinity)."""
        if self.kind in ("str", "email", "url"):
            return f"VARCHAR({self.max_length})" if self.max_length else "VARCHAR"
        if self.kind == "enum":
            return f"VARCHAR({max(len(m) for m, _ in self.enum_members)})"
        return SQL_TYPES[self.kind]

    @property
    def migration_type(self) -> str:
        """The column type as the first migration writes it: what SQLModel derives from the model."""
        if self.kind in ("str", "email", "url"):
            length = f"length={self.max_length}" if self.max_length else ""
            return f"sqlmodel.sql.sqltypes.AutoString({length})"
        if self.kind == "enum":
            members = ", ".join(py_str(m) for m, _ in self.enum_members)
            name = py_str(self.enum_class.lower())
            return f"sa.Enum({members}, name={name}, native_enum=False)"
        return MIGRATION_TYPES[self.kind]

    @property
    def check(self) -> tuple[str, str] | None:
        """(name, SQL condition) of the column's CHECK constraint, the database's copy of the
        design's ranges and minimum length; the name states the rule, so a changed rule is a new
        constraint to the migrations (Alembic compares CHECK constraints by name only)."""
        column = sql_column(self.column)
        conditions, name = [], [self.column]
        for bound, (operator, word) in (
            (
                self.minimum,
                (">=", "ge") if self.minimum and self.minimum.inclusive else (">", "gt"),
            ),
            (
                self.maximum,
                ("<=", "le") if self.maximum and self.maximum.inclusive else ("<", "lt"),
            ),
        ):
            if bound:
                number = format(bound.value.normalize(), "f")
                conditions.append(f"{column} {operator} {number}")
                name.append(f"{word}_{number.replace('-', 'minus_').replace('.', '_')}")
        if self.min_length:
            conditions.append(f"length({column}) >= {self.min_length}")
            name.append(f"length_ge_{self.min_length}")
        if not conditions:
            return None
        return "_".join(name), " AND ".join(conditions)

    @property
    def column_type_override(self) -> str | None:
        """The `sa_type=` of a column whose type SQLModel would derive otherwise: integers 64-bit
        everywhere; no length limit in text columns (only `str(N)` has one). Enums are
        `enum_column(...)`, written out by the template."""
        if self.kind in ("int", "ref"):
            return "Int64"
        if self.kind == "text":
            return "Text"
        if self.kind in ("str", "email", "url") and not self.max_length:
            return "AutoString"
        return None

    @property
    def server_default(self) -> str | None:
        """The column's SQL default as stored text, so a migration can fill existing rows."""
        if not self.has_default or self.default is None:
            return None
        value = self.default
        if isinstance(value, bool):
            return "1" if value else "0"
        if self.kind == "enum":
            return enum_member(value)  # SQLAlchemy stores an enum member's name
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return value.hex
        return str(value)
