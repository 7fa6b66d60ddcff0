"""An import merged into the design file it re-imports: the database gives the structure (tables,
columns, types, `?`, rules, references, `unique`, `owned`, `timestamps`); the design file keeps
what a database cannot hold (the project's answers, roles, permissions, descriptions, plurals,
`searchable`, patterns, examples, `write:`) and what the catalogue cannot tell apart (an `email`
or `url` kept as a plain string, an enum kept without a CHECK of its values)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hooks.links import is_link
from hooks.naming import enum_member
from hooks.parsing import parse_field
from hooks.validate import RESOURCE_KEYS

# What a resource keeps from the design file: what no database holds (its jobs included).
EDITORIAL_KEYS = ("plural", "description", "permissions", "jobs")
# What a field's mapping form keeps (its `type` comes from the import).
EDITORIAL_FIELD_KEYS = ("description", "example", "pattern", "write")


def _type_of(raw: object) -> str:
    value = raw.get("type") if isinstance(raw, Mapping) else raw
    return str(value or "")


def _spec(resource: str, name: str, text: str) -> Any:
    spec, _ = parse_field(resource, name, text)
    return spec


def merge(
    existing: Mapping[str, Any], imported: Mapping[str, Any], notes: list[str]
) -> dict[str, Any]:
    """`existing` with its resources' structure replaced by `imported`'s."""
    merged = {k: v for k, v in existing.items() if k != "resources"}  # the project's answers
    old = {r["name"]: r for r in existing.get("resources") or [] if isinstance(r, Mapping)}
    new = {r["name"]: r for r in imported.get("resources") or []}
    accounts = existing.get("auth", "jwt") != "none"
    resources = []
    for name, resource in old.items():
        if name in new:
            resources.append(_resource(resource, new[name], accounts=accounts))
        else:
            notes.append(f"resource {name}: left out: the source has no table {name}")
    resources += [r for name, r in new.items() if name not in old]
    merged["resources"] = resources
    return merged


def _combinations(value: object) -> set[tuple[str, ...]]:
    if not isinstance(value, list) or not value:
        return set()
    combinations = value if isinstance(value[0], list) else [value]
    return {tuple(c) for c in combinations if isinstance(c, list)}


def _resource(old: Mapping[str, Any], new: Mapping[str, Any], *, accounts: bool) -> dict[str, Any]:
    merged = {**new, **{k: old[k] for k in EDITORIAL_KEYS if k in old}}
    for flag in ("owned", "timestamps"):
        # Without accounts (`auth: none`) the database has no owner column to read.
        found = bool(old.get(flag)) if flag == "owned" and not accounts else bool(new.get(flag))
        if flag in old and bool(old[flag]) == found:
            merged[flag] = old[flag]  # as written, `owned: false` included
        elif found:
            merged[flag] = True
        else:
            merged.pop(flag, None)
    if "unique" in old and _combinations(old["unique"]) == _combinations(new.get("unique")):
        merged["unique"] = old["unique"]  # as written: `[a, b]` or `[[a, b]]`, in its order
    old_fields: Mapping[str, Any] = old.get("fields") or {}
    if not accounts:  # nor the references to accounts
        account_refs = {n: f for n, f in old_fields.items() if _is_account_ref(old["name"], n, f)}
        new = {**new, "fields": {**account_refs, **new["fields"]}}
    fields = {}
    order = [n for n in old_fields if n in new["fields"]]
    order += [n for n in new["fields"] if n not in old_fields]
    for name in order:
        fields[name] = (
            _field(old["name"], name, old_fields[name], new["fields"][name])
            if name in old_fields
            else new["fields"][name]
        )
    merged["fields"] = fields
    order = [k for k in old if k in merged] + [k for k in RESOURCE_KEYS if k not in old]
    return {k: merged[k] for k in order if k in merged}  # the keys in the order they were


def _is_account_ref(resource: str, name: str, raw: object) -> bool:
    spec = _spec(resource, name, _type_of(raw))
    return spec is not None and spec.kind == "ref" and spec.ref == "user"


def _field(resource: str, name: str, old: object, imported: str) -> object:
    """The imported type, refined by the old one where the database cannot tell; the old text
    kept as written when it says the same; the old mapping's other keys kept."""
    old_text = _type_of(old)
    text = imported if is_link(imported) else _refined(resource, name, old_text, imported)
    same = _spec(resource, name, old_text)
    if same is not None and same == _spec(resource, name, text):
        text = old_text
    if not isinstance(old, Mapping):
        return text
    return {k: text if k == "type" else old[k] for k in old if k in ("type", *EDITORIAL_FIELD_KEYS)}


def _refined(resource: str, name: str, old_text: str, text: str) -> str:
    old = _spec(resource, name, old_text)
    new = _spec(resource, name, text)
    if old is None or new is None:
        return text
    if old.kind in ("email", "url") and new.kind == "str" and not new.max_length:
        text = re.sub(r"^str\b", old.kind, text)
    elif old.kind == "enum" and new.kind in ("str", "enum"):
        text = _as_enum(old, new, text)
    if old.searchable and not new.searchable and " searchable" not in text:
        text = _with_modifier(text, "searchable")
    if old.has_default and old.default is None and new.optional and not new.has_default:
        text += " = null"  # the column's default is NULL either way
    return text


def _as_enum(old: Any, new: Any, text: str) -> str:
    """A text column holding the old enum's members (by name, as SQLAlchemy stores them) is
    the old enum: its CHECK, if any, lists the same members; its length is the longest's."""
    members = {enum_member(v): v for v in old.enum_values}
    if new.kind == "enum":
        if set(new.enum_values) != set(members):
            return text
    elif new.max_length != max(len(m) for m in members) or new.min_length:
        return text
    values = f"enum({', '.join(old.enum_values)})"
    text = re.sub(r"^(str\(\d+\)|enum\([^)]*\))", values, text)
    default = re.search(r"= (.*)$", text)
    if default and default[1] in members:
        text = text[: default.start(1)] + members[default[1]]
    return text


def _with_modifier(text: str, modifier: str) -> str:
    head, equals, default = text.partition(" = ")
    return f"{head} {modifier}{equals}{default}"
