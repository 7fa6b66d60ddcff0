"""A database's catalogue read as the design's resources: tables, columns, foreign keys, UNIQUE and
CHECK constraints, through SQLAlchemy's inspector (no row is read, no user code runs). Whatever
cannot be mapped is listed with the reason (`Imported.notes`), never dropped silently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Inspector

from hooks.naming import IDENTIFIER, pluralize
from hooks.validate import RESOURCE_KEYS

from .checks import ColumnRules, read_check
from .columns import ImportedField, column_field, reference_field

# Tables of the rendered project that are not resources.
SKIPPED_TABLES = {"alembic_version": "the migration history"}
ACCOUNT_TABLE = "user"


@dataclass
class Imported:
    """The resources found, in the order their references allow, and what could not be mapped."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refers_to_accounts: bool = False


def read_database(url: str) -> Imported:
    """Every table of the database at `url` as a resource (or a link), from its catalogue."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            derived = _derived_tables(connection, inspector)
            return _read(inspector, derived, _sqlite_uniques(connection))
    finally:
        engine.dispose()


def _derived_tables(connection: sa.Connection, inspector: Inspector) -> dict[str, str]:
    """Tables the database derives (SQLite's full-text tables and their shadow tables): name ->
    the table whose search index it is."""
    if connection.dialect.name != "sqlite":
        return {}
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    )
    virtual = [row[0] for row in rows]
    derived = {}
    for table in inspector.get_table_names():
        for name in virtual:
            if table == name or table.startswith(f"{name}_"):
                derived[table] = name
    return derived


def _sqlite_uniques(connection: sa.Connection) -> dict[str, list[list[str]]]:
    """SQLite's UNIQUE constraints written on a column (`name TEXT UNIQUE`), which the inspector
    does not list: the indexes SQLite made for them (`PRAGMA index_list`, origin `u`)."""
    if connection.dialect.name != "sqlite":
        return {}
    found: dict[str, list[list[str]]] = {}
    tables = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in list(tables):
        quoted = table.replace('"', '""')
        for index in list(connection.exec_driver_sql(f'PRAGMA index_list("{quoted}")')):
            if index[2] and index[3] == "u":
                name = index[1].replace('"', '""')
                info = connection.exec_driver_sql(f'PRAGMA index_info("{name}")')
                found.setdefault(table, []).append([row[2] for row in info])
    return found


def _read(
    inspector: Inspector, derived: Mapping[str, str], uniques: Mapping[str, list[list[str]]]
) -> Imported:
    imported = Imported()
    notes = imported.notes
    tables = [t for t in inspector.get_table_names() if t not in derived]
    searchable = _searchable(inspector, derived)
    links, resources = [], {}
    for table in tables:
        if table in SKIPPED_TABLES:
            continue
        if table == ACCOUNT_TABLE:
            notes.append(
                f"table {table}: not imported: the built-in account model of every project "
                "(references to it become `ref user`)"
            )
            continue
        link = _link(inspector, table)
        if link:
            links.append(link)
            continue
        resource = _resource(
            inspector, table, searchable.get(table, set()), uniques.get(table, []), notes
        )
        if resource is not None:
            resources[table] = resource
    for owner, name, target, extra in links:
        where = f"link table {owner}_{name}" if name else "link table"
        if owner not in resources or target not in resources:
            missing = owner if owner not in resources else target
            notes.append(f"{where}: not imported: it links {missing}, which is not imported")
            continue
        for column in extra:
            notes.append(f"{where}: column {column}: not imported: a link holds only the two ids")
        fields = resources[owner]["fields"]
        field_name = name or pluralize(target)
        fields[field_name] = ImportedField(field_name, "refs", target=target)
    for table, resource in resources.items():
        _drop_dangling_refs(table, resource, resources, notes)
    imported.refers_to_accounts = any(
        r.get("owned") or any(f.kind == "ref" and f.target == "user" for f in r["fields"].values())
        for r in resources.values()
    )
    for table in _ordered(resources):
        resource = resources[table]
        resource["fields"] = {n: f.type_text() for n, f in resource["fields"].items()}
        imported.resources.append({k: resource[k] for k in RESOURCE_KEYS if k in resource})
    return imported


def _searchable(inspector: Inspector, derived: Mapping[str, str]) -> dict[str, set[str]]:
    """The searchable columns a rendered project's search index names: SQLite's
    `<table>_search` full-text table, PostgreSQL's `ix_<table>_<column>_trgm` indexes."""
    found: dict[str, set[str]] = {}
    for table, virtual in derived.items():
        if table == virtual and virtual.endswith("_search"):
            columns = {c["name"] for c in inspector.get_columns(virtual)}
            found[virtual.removesuffix("_search")] = columns
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            name = index.get("name") or ""
            if name.startswith(f"ix_{table}_") and name.endswith("_trgm"):
                found.setdefault(table, set()).add(name[len(f"ix_{table}_") : -len("_trgm")])
    return found


def _link(inspector: Inspector, table: str) -> tuple[str, str, str, list[str]] | None:
    """(owner, field, target, other columns) of a many-to-many link table: a primary key made
    of two foreign keys to two tables' ids."""
    primary = inspector.get_pk_constraint(table).get("constrained_columns") or []
    keys = [
        fk
        for fk in inspector.get_foreign_keys(table)
        if len(fk["constrained_columns"]) == 1 and fk["constrained_columns"][0] in primary
    ]
    if len(primary) != 2 or len(keys) != 2:
        return None
    first, second = (fk["referred_table"] for fk in keys)
    if first == second:
        return None  # a table linked to itself: reported as a table without an id
    extra = [c["name"] for c in inspector.get_columns(table) if c["name"] not in primary]
    for owner, target in ((first, second), (second, first)):
        if table.startswith(f"{owner}_") and IDENTIFIER.fullmatch(table[len(owner) + 1 :]):
            return owner, table[len(owner) + 1 :], target, extra
    # A link table named otherwise (SQLModel's tutorial: `heroteamlink`): the table named first
    # in its name owns the link; the field is the target's plural.
    owner, target = sorted((first, second), key=lambda t: (table.find(t) % 10_000, t))
    return owner, "", target, extra


def _resource(
    inspector: Inspector,
    table: str,
    searchable: set[str],
    uniques: list[list[str]],
    notes: list[str],
) -> dict[str, Any] | None:
    where = f"table {table}"
    if not IDENTIFIER.fullmatch(table):
        notes.append(f"{where}: not imported: its name is not snake_case, as a resource's must be")
        return None
    columns = inspector.get_columns(table)
    primary = inspector.get_pk_constraint(table).get("constrained_columns") or []
    by_name = {c["name"]: c for c in columns}
    if primary != ["id"] or not isinstance(by_name["id"]["type"], sa.Integer):
        notes.append(
            f"{where}: not imported: a resource's primary key is one integer column `id` "
            f"(this table's is {', '.join(primary) or 'missing'})"
        )
        return None
    resource: dict[str, Any] = {"name": table}
    fields: dict[str, ImportedField] = {}
    field_of_column: dict[str, str] = {}
    references = {
        fk["constrained_columns"][0]: fk
        for fk in inspector.get_foreign_keys(table)
        if len(fk["constrained_columns"]) == 1
    }
    for fk in inspector.get_foreign_keys(table):
        if len(fk["constrained_columns"]) != 1:
            notes.append(
                f"{where}: foreign key ({', '.join(fk['constrained_columns'])}): not imported: "
                "a reference is one column naming another table's id"
            )
    rules = _rules(inspector, table, notes)
    if {"created_at", "updated_at"} <= set(by_name) and all(
        isinstance(by_name[n]["type"], sa.DateTime) for n in ("created_at", "updated_at")
    ):
        resource["timestamps"] = True
    for column in columns:
        name = column["name"]
        if name == "id" or (resource.get("timestamps") and name in ("created_at", "updated_at")):
            continue
        reference = references.get(name)
        if name == "owner_id" and reference and reference["referred_table"] == ACCOUNT_TABLE:
            resource["owned"] = True
            continue
        if reference:
            made = reference_field(where, column, reference, notes)
        else:
            made = column_field(where, column, rules.pop(name, ColumnRules()), notes)
        if made is None:
            continue
        made.searchable = name in searchable and made.kind in ("str", "text", "email", "url")
        fields[made.name] = made
        field_of_column[name] = made.name
    for unknown in rules:
        notes.append(f"{where}: CHECK on {unknown}: not imported: no such column is imported")
    _uniques(inspector, table, uniques, resource, fields, field_of_column, notes)
    resource["fields"] = fields
    if not fields:
        notes.append(f"{where}: not imported: it has no column a field can hold")
        return None
    return resource


def _rules(inspector: Inspector, table: str, notes: list[str]) -> dict[str, ColumnRules]:
    rules: dict[str, ColumnRules] = {}
    for check in inspector.get_check_constraints(table):
        read = read_check(check["sqltext"])
        if read is None:
            notes.append(
                f"table {table}: CHECK {_named(check)}({check['sqltext']}): not "
                "imported: the design's rules are ranges, minimum lengths and lists of values"
            )
            continue
        for column, found in read.items():
            mine = rules.setdefault(column, ColumnRules())
            for attribute in ("lower", "upper", "min_length"):
                if getattr(found, attribute) is not None:
                    setattr(mine, attribute, getattr(found, attribute))
            mine.values = found.values or mine.values
    return rules


def _named(constraint: Mapping[str, Any]) -> str:
    return f"{constraint['name']} " if constraint.get("name") else ""


def _uniques(
    inspector: Inspector,
    table: str,
    column_uniques: list[list[str]],
    resource: dict[str, Any],
    fields: dict[str, ImportedField],
    field_of_column: Mapping[str, str],
    notes: list[str],
) -> None:
    combinations: list[list[str]] = []
    found: list[tuple[list[str], str | None]] = [
        (u["column_names"], u.get("name")) for u in inspector.get_unique_constraints(table)
    ]
    found += [
        ([str(c) for c in i["column_names"]], i.get("name"))
        for i in inspector.get_indexes(table)
        if i["unique"]
    ]
    found += [(columns, None) for columns in column_uniques]
    for columns, name in found:
        if any(c not in field_of_column for c in columns):
            notes.append(
                f"table {table}: UNIQUE {f'{name} ' if name else ''}({', '.join(map(str, columns))}): not "
                "imported: it names a column that is not imported"
            )
        elif len(columns) == 1:
            fields[field_of_column[columns[0]]].unique = True
        else:
            combination = [field_of_column[c] for c in columns]
            if combination not in combinations:
                combinations.append(combination)
    if combinations:
        resource["unique"] = combinations[0] if len(combinations) == 1 else combinations


def _drop_dangling_refs(
    table: str, resource: dict[str, Any], resources: Mapping[str, Any], notes: list[str]
) -> None:
    for name, made in list(resource["fields"].items()):
        if made.kind == "ref" and made.target not in resources and made.target != ACCOUNT_TABLE:
            notes.append(
                f"table {table}: column {name}_id: not imported: it names {made.target}, "
                "which is not imported"
            )
            del resource["fields"][name]


def _ordered(resources: Mapping[str, Any]) -> list[str]:
    """Tables after the tables their references name (a cycle keeps the catalogue's order)."""
    done: list[str] = []
    pending = list(resources)
    while pending:
        ready = [
            t
            for t in pending
            if all(
                f.target in done or f.target == t or f.target not in resources
                for f in resources[t]["fields"].values()
                if f.kind == "ref"
            )
        ] or pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return done
