"""One column of a database's catalogue as a field of the design language: its kind, `?`,
length, rules, default, or why it cannot be one."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hooks.column_types import DECIMAL_DIGITS, DECIMAL_PLACES
from hooks.kinds import ENUM_VALUE

from .checks import CAST, ColumnRules

DECIMAL_PRECISION = (DECIMAL_DIGITS, DECIMAL_PLACES)


@dataclass
class ImportedField:
    name: str
    kind: str
    optional: bool = False
    length: int | None = None
    rules: ColumnRules = field(default_factory=ColumnRules)
    unique: bool = False
    searchable: bool = False
    default: str | None = None
    target: str | None = None  # ref / refs

    def type_text(self) -> str:
        """The field in the design language: `str(3..120)? unique = x`."""
        if self.kind == "refs":
            return f"refs {self.target}"
        if self.kind == "ref":
            return f"ref {self.target}{'?' if self.optional else ''}" + (
                " unique" if self.unique else ""
            )
        text = self.kind
        if self.kind == "enum":
            text = f"enum({', '.join(self.rules.values)})"
        elif self.kind in ("str", "text") and (self.length or self.rules.min_length):
            low = f"{self.rules.min_length}.." if self.rules.min_length else ""
            text = f"{self.kind}({low}{self.length or ''})"
        text += "?" if self.optional else ""
        lower, upper = self.rules.lower, self.rules.upper
        if lower and upper and lower[1] and upper[1]:
            text += f" {_number(lower[0])}..{_number(upper[0])}"
        else:
            if lower:
                text += f" {'>=' if lower[1] else '>'} {_number(lower[0])}"
            if upper:
                text += f" {'<=' if upper[1] else '<'} {_number(upper[0])}"
        text += " unique" if self.unique else ""
        text += " searchable" if self.searchable else ""
        if self.default is not None:
            text += f" = {self.default}"
        return text


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def reference_field(
    where: str, column: Mapping[str, Any], fk: Mapping[str, Any], notes: list[str]
) -> ImportedField | None:
    name = column["name"]
    if fk["referred_columns"] != ["id"] or not name.endswith("_id"):
        notes.append(
            f"{where}: column {name}: not imported: a reference is a column `<name>_id` naming "
            f"another table's id (it names {fk['referred_table']}.{', '.join(fk['referred_columns'])})"
        )
        return None
    return ImportedField(
        name.removesuffix("_id"),
        "ref",
        optional=bool(column["nullable"]),
        target=fk["referred_table"],
    )


def column_field(
    where: str, column: Mapping[str, Any], rules: ColumnRules, notes: list[str]
) -> ImportedField | None:
    name, kind_or_reason, length = column["name"], *_kind(column["name"], column["type"])
    if kind_or_reason.startswith("!"):
        notes.append(f"{where}: column {name}: not imported: {kind_or_reason[1:]}")
        return None
    made = ImportedField(name, kind_or_reason, optional=bool(column["nullable"]), length=length)
    if made.kind == "decimal" and _precision(column["type"]) not in (
        DECIMAL_PRECISION,
        (None, None),
    ):
        digits, places = _precision(column["type"])
        notes.append(
            f"{where}: column {name}: imported as decimal, whose column is NUMERIC"
            f"{DECIMAL_PRECISION}, not NUMERIC({digits}, {places}): a later migration changes it"
        )
    if rules.values:
        if made.kind != "str":
            notes.append(
                f"{where}: column {name}: its list of values is left out: not a text column"
            )
        elif not all(ENUM_VALUE.fullmatch(v) for v in rules.values):
            notes.append(
                f"{where}: column {name}: kept as str: its values {list(rules.values)} are not "
                "all plain words, as enum values must be"
            )
            rules.values = ()
        else:
            made.kind, made.length = "enum", None
    if (rules.lower or rules.upper) and made.kind not in ("int", "float", "decimal"):
        notes.append(f"{where}: column {name}: its range is left out: only numbers take one")
        rules.lower = rules.upper = None
    if rules.min_length and made.kind not in ("str", "text"):
        notes.append(f"{where}: column {name}: its minimum length is left out (a {made.kind})")
        rules.min_length = None
    made.rules = rules
    made.default = _default(column.get("default"), made, where, notes)
    return made


def _precision(column_type: Any) -> tuple[int | None, int | None]:
    return getattr(column_type, "precision", None), getattr(column_type, "scale", None)


def _kind(name: str, column_type: Any) -> tuple[str, int | None]:
    """The design's kind of a column type (and a string's length), or `!why not`."""
    if isinstance(column_type, sa.Enum):
        return "str", None  # its values come from the CHECK, or are read below
    if isinstance(column_type, sa.Boolean):
        return "bool", None
    if isinstance(column_type, sa.Integer):
        return "int", None
    if isinstance(column_type, sa.Float):
        return "float", None
    if isinstance(column_type, sa.Numeric):
        return "decimal", None
    if isinstance(column_type, sa.DateTime):
        return "datetime", None
    if isinstance(column_type, sa.Date):
        return "date", None
    if isinstance(column_type, sa.Uuid):
        return "uuid", None
    if isinstance(column_type, sa.Text):
        return "text", None
    if isinstance(column_type, sa.String):
        length = column_type.length
        if isinstance(column_type, sa.CHAR) and length == 32:
            return "uuid", None  # how SQLAlchemy keeps a UUID where there is no UUID type
        if length is None and (name in ("email", "url") or name.endswith(("_email", "_url"))):
            return name.rpartition("_")[2], None
        return "str", length
    return f"!its type {column_type} has no counterpart in the design language", None


def _default(raw: str | None, made: ImportedField, where: str, notes: list[str]) -> str | None:
    """The design's `= value` of a column's SQL default, if it is a plain value."""
    if raw is None:
        return None
    text = CAST.sub("", str(raw)).strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    elif not re.fullmatch(r"[-+]?\d+(\.\d+)?|true|false", text, re.I):
        notes.append(
            f"{where}: column {made.name}: its default {raw} is left out: not a plain value"
        )
        return None
    if made.kind == "bool":
        return {"1": "true", "0": "false"}.get(text, text.lower())
    written = _written(made.kind, text)
    if written is None or written != written.strip():
        notes.append(
            f"{where}: column {made.name}: its default {raw} is left out: the design cannot "
            f"write it as a {made.kind}"
        )
        return None
    return written


def _written(kind: str, text: str) -> str | None:
    """A stored default as the design writes it: moments in UTC with their offset, UUIDs with
    their dashes (how the project stores them: `%Y-%m-%d %H:%M:%S.%f`, 32 hex digits)."""
    try:
        if kind == "datetime":
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.isoformat().replace("+00:00", "Z")
        if kind == "uuid":
            return str(uuid.UUID(text))
    except ValueError:
        return None
    return text
