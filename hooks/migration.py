"""The first migration (`migrations/versions/0001_initial.py`): its tables, as SQLModel would
create them, referenced tables first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .column_types import INT64_MIGRATION_TYPE
from .design_core import DesignCore

if TYPE_CHECKING:
    from .fields import FieldSpec
    from .resources import Resource


@dataclass(frozen=True)
class Column:
    """One column of the first migration's `op.create_table(...)`."""

    name: str
    type: str  # the SQLAlchemy type expression, e.g. `sa.Integer()`
    nullable: bool
    server_default: str | None = None  # stored text
    server_default_expression: str | None = None  # a SQL function, e.g. `sa.func.now()`


@dataclass(frozen=True)
class Table:
    """One table of the first migration, as SQLModel would create it."""

    name: str
    columns: tuple[Column, ...]
    # (column, referenced table, what deleting the referenced row does: None refuses it)
    foreign_keys: tuple[tuple[str, str, str | None], ...]
    unique: tuple[tuple[str, ...], ...]  # the columns of each UNIQUE constraint
    indexes: tuple[tuple[str, bool], ...]  # (column, unique)
    checks: tuple[tuple[str, str], ...] = ()  # (name, condition)


class MigrationTables(DesignCore):
    """Mixed into `Design`: the tables of its first migration."""

    @property
    def migration_uses_sqlmodel(self) -> bool:
        """Whether the first migration names a SQLModel column type (and so imports it)."""
        return any("sqlmodel." in c.type for t in self.migration_tables for c in t.columns)

    @property
    def migration_tables(self) -> list[Table]:
        """The first migration's tables, referenced tables first."""
        tables: list[Table] = []
        if self.jwt:
            roles = ", ".join(f'"{member}"' for member, _ in self.role_members)
            tables.append(
                Table(
                    name="user",
                    columns=(
                        Column("id", INT64_MIGRATION_TYPE, False),
                        Column("email", "sqlmodel.sql.sqltypes.AutoString(length=254)", False),
                        Column("full_name", "sqlmodel.sql.sqltypes.AutoString(length=255)", True),
                        Column("role", f'sa.Enum({roles}, name="role", native_enum=False)', False),
                        Column("is_active", "sa.Boolean()", False),
                        Column("hashed_password", "sqlmodel.sql.sqltypes.AutoString()", False),
                        Column("token_version", "sa.Integer()", False, "0"),
                    ),
                    foreign_keys=(),
                    unique=(),
                    indexes=(("email", True),),
                )
            )
        for r in self._creation_order():
            columns = [Column("id", INT64_MIGRATION_TYPE, False), *map(_column, r.fields)]
            foreign_keys = [(f.column, f.ref_table, f.on_delete) for f in r.refs]
            indexes = [(f.column, False) for f in r.refs]
            columns += [
                Column(f.column, f.migration_type, False, server_default_expression="sa.func.now()")
                for f in r.timestamp_fields
            ]
            if r.owned:
                columns.append(Column("owner_id", INT64_MIGRATION_TYPE, False))
                foreign_keys.append(("owner_id", "user", None))
                indexes.append(("owner_id", False))
            tables.append(
                Table(
                    name=r.table_name,
                    columns=tuple(columns),
                    foreign_keys=tuple(foreign_keys),
                    unique=tuple((f.column,) for f in r.unique_fields) + r.unique_together,
                    indexes=tuple(indexes),
                    checks=r.checks,
                )
            )
        return tables

    def _creation_order(self) -> list[Resource]:
        """Resources after the ones they reference (cycles through optional refs keep design order)."""
        ordered: list[Resource] = []

        def visit(resource: Resource, path: tuple[str, ...]) -> None:
            if resource in ordered or resource.name in path:
                return
            for f in resource.refs:
                if f.ref in self.by_name:
                    visit(self.by_name[f.ref], (*path, resource.name))
            ordered.append(resource)

        for resource in self.resources:
            visit(resource, ())
        return ordered


def _column(spec: FieldSpec) -> Column:
    return Column(spec.column, spec.migration_type, spec.optional, spec.server_default)
