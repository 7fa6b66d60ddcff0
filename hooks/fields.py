"""The field language — `str(200)?`, `enum(a, b) = a`, `ref author`, the mapping form — and the
facts each field implies: Python, JSON and SQL types, constraints, defaults and test values."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .literals import display, json_ready, py_json_literal, py_str
from .naming import enum_member, pascal, words

SCALAR_TYPES = (
    "str",
    "text",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
)
TYPE_LIST = (
    "str, str(N), text, int, float, decimal, bool, date, datetime, uuid, email, url, "
    "enum(a, b, ...), ref <resource>"
)
FILTERABLE_KINDS = frozenset({"bool", "enum", "ref"})
SORTABLE_KINDS = frozenset(
    {"str", "int", "float", "decimal", "bool", "date", "datetime", "email", "enum", "ref"}
)
DECIMAL_DIGITS, DECIMAL_PLACES = 12, 2
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
ENUM_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")

# The annotation each kind gets in the models (enums get their own class).
PYTHON_TYPES = {
    "str": "str",
    "text": "str",
    "int": "Int64",
    "float": "float",
    "decimal": "Decimal",
    "bool": "bool",
    "date": "date",
    "datetime": "AwareDatetime",
    "uuid": "UUID",
    "email": "EmailStr",
    "url": "HttpUrlStr",
    "ref": "Int64",
}
JSON_TYPES = {
    "str": "string",
    "text": "string",
    "int": "integer",
    "float": "number",
    "decimal": "decimal string",
    "bool": "boolean",
    "date": "date (YYYY-MM-DD)",
    "datetime": "date-time (ISO 8601, with offset; returned in UTC)",
    "uuid": "uuid",
    "email": "email",
    "url": "url",
    "enum": "enum",
    "ref": "integer",
}
# The column type SQLModel derives, as the first migration writes it (strings get a length).
MIGRATION_TYPES = {
    "text": "sa.Text()",
    "int": "sa.Integer()",
    "float": "sa.Float()",
    "decimal": f"sa.Numeric(precision={DECIMAL_DIGITS}, scale={DECIMAL_PLACES})",
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sqlmodel.sql.sqltypes.UTCDateTime()",
    "uuid": "sa.Uuid()",
    "ref": "sa.Integer()",
}
SQL_TYPES = {
    "text": "TEXT",
    "int": "INTEGER",
    "float": "FLOAT",
    "decimal": f"NUMERIC({DECIMAL_DIGITS},{DECIMAL_PLACES})",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "DATETIME",
    "uuid": "CHAR(32)",
    "ref": "INTEGER",
}
MERMAID_TYPES = {
    "str": "string",
    "text": "text",
    "int": "int",
    "float": "float",
    "decimal": "decimal",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "uuid": "uuid",
    "email": "string",
    "url": "string",
    "enum": "string",
    "ref": "int",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of a resource, fully resolved."""

    name: str
    kind: str  # one of SCALAR_TYPES, "enum" or "ref"
    optional: bool = False
    unique: bool = False
    max_length: int | None = None
    enum_values: tuple[str, ...] = ()
    ref: str | None = None  # the referenced resource's name
    default: Any = None
    has_default: bool = False
    description: str = ""
    example: Any = None
    has_example: bool = False
    resource: str = ""  # the owning resource's name
    ref_class: str = ""  # filled in once every resource is known

    @property
    def column(self) -> str:
        """The attribute and column name: `author` (ref) -> `author_id`."""
        return f"{self.name}_id" if self.kind == "ref" else self.name

    @property
    def ref_table(self) -> str:
        return self.ref or ""

    @property
    def label(self) -> str:
        return words(self.name)

    @property
    def enum_class(self) -> str:
        return pascal(self.resource) + pascal(self.name)

    @property
    def enum_members(self) -> list[tuple[str, str]]:
        return [(enum_member(v), v) for v in self.enum_values]

    @property
    def base_type(self) -> str:
        """The annotation without `| None`."""
        return self.enum_class if self.kind == "enum" else PYTHON_TYPES[self.kind]

    @property
    def annotation(self) -> str:
        return f"{self.base_type} | None" if self.optional else self.base_type

    @property
    def json_type(self) -> str:
        return JSON_TYPES[self.kind]

    @property
    def mermaid_type(self) -> str:
        return MERMAID_TYPES[self.kind]

    @property
    def sql_type(self) -> str:
        """The column type SQLAlchemy creates in SQLite, for the spec."""
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
            return f"sa.Enum({members}, name={py_str(self.enum_class.lower())})"
        return MIGRATION_TYPES[self.kind]

    @property
    def design_type(self) -> str:
        """The field's type as the design language writes it."""
        if self.kind == "str" and self.max_length:
            return f"str({self.max_length})"
        if self.kind == "enum":
            return f"enum({', '.join(self.enum_values)})"
        if self.kind == "ref":
            return f"ref {self.ref}"
        return self.kind

    @property
    def is_decimal(self) -> bool:
        return self.kind == "decimal"

    @property
    def filterable(self) -> bool:
        return self.kind in FILTERABLE_KINDS

    @property
    def sortable(self) -> bool:
        return self.kind in SORTABLE_KINDS

    @property
    def default_source(self) -> str:
        """The default as a Python literal (`Decimal("9.99")`, `BookGenre.fiction`)."""
        return literal_source(self, self.default)

    @property
    def example_source(self) -> str:
        """The example as the JSON-ready Python literal OpenAPI shows."""
        return py_json_literal(self.example)

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

    @property
    def constraints(self) -> list[str]:
        """Plain-language constraints, for the spec."""
        notes = ["optional (null allowed)" if self.optional else "required"]
        if self.max_length:
            notes.append(f"max {self.max_length} characters")
        if self.kind == "decimal":
            notes.append(f"{DECIMAL_DIGITS} digits, {DECIMAL_PLACES} decimal places")
        if self.unique:
            notes.append("unique")
        if self.kind == "enum":
            notes.append("one of " + ", ".join(f"`{v}`" for v in self.enum_values))
        if self.kind == "ref":
            notes.append(f"foreign key to `{self.ref_table}.id`")
        if self.has_default:
            notes.append(f"default `{display(self.default)}`")
        return notes

    @property
    def test_value(self) -> str:
        """A Python expression of a valid value for the generated tests, distinct for each `n`."""
        stem = self.name.replace("_", "-")
        if self.kind == "str":
            room = (self.max_length or 60) - 4
            return f'f"{stem[:room]}-{{n}}"' if room > 0 else "str(n % 10)"
        if self.kind == "enum":
            if len(self.enum_values) == 1:
                return py_str(self.enum_values[0])
            return f"{json.dumps(list(self.enum_values))}[n % {len(self.enum_values)}]"
        return {
            "text": f'f"Some {self.label} text {{n}}."',
            "int": "10 + n",
            "float": "1.5 + n",
            "decimal": 'f"{12 + n}.50"',
            "bool": "n % 2 == 0",
            "date": 'f"2025-01-{1 + n % 28:02d}"',
            "datetime": 'f"2025-01-{1 + n % 28:02d}T09:30:00Z"',
            "uuid": 'f"00000000-0000-4000-8000-{n:012d}"',
            "email": f'f"{stem[:20]}{{n}}@example.com"',
            "url": f'f"https://example.com/{stem}/{{n}}"',
        }[self.kind]

    @property
    def changed_value(self) -> str:
        """A Python literal of a valid value that `test_value` gives for no small `n`."""
        stem = self.name.replace("_", "-")
        if self.kind == "str":
            room = (self.max_length or 60) - 4
            return py_str(f"{stem[:room]}-99" if room > 0 else "x")
        if self.kind == "enum":
            return py_str(self.enum_values[-1])
        return {
            "text": py_str(f"Some {self.label} text 99."),
            "int": "109",
            "float": "100.5",
            "decimal": py_str("111.50"),
            "bool": "False",
            "date": py_str("2024-12-31"),
            "datetime": py_str("2024-12-31T09:30:00Z"),
            "uuid": py_str("00000000-0000-4000-8000-000000000099"),
            "email": py_str(f"{stem[:20]}99@example.com"),
            "url": py_str(f"https://example.com/{stem}/99"),
        }[self.kind]


def literal_source(spec: FieldSpec, value: Any) -> str:
    """A value of the field's type as a Python literal."""
    if value is None:
        return "None"
    if spec.kind == "enum":
        return f"{spec.enum_class}.{enum_member(value)}"
    if isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f"Decimal({py_str(value)})"
    if isinstance(value, dt.datetime):
        return f"datetime.fromisoformat({py_str(value.isoformat())})"
    if isinstance(value, dt.date):
        return f"date.fromisoformat({py_str(value.isoformat())})"
    if isinstance(value, uuid.UUID):
        return f"UUID({py_str(value)})"
    return py_str(value)


_TYPE_RE = re.compile(
    r"""^\s*
    (?P<type>str\s*\(\s*(?P<len>-?\d+)\s*\)|enum\s*\((?P<values>[^)]*)\)|ref\s+(?P<ref>\S+?)|[A-Za-z_][A-Za-z0-9_]*)
    \s*(?P<optional>\?)?
    (?P<mods>(\s+[A-Za-z_]+)*)
    \s*$""",
    re.VERBOSE,
)


def parse_field(resource: str, name: str, raw: object) -> tuple[FieldSpec | None, list[str]]:
    """Parse one field of the design language; return the field or the problems found."""
    where = f"resource '{resource}', field '{name}'"
    problems: list[str] = []
    description, example, has_example = "", None, False
    if isinstance(raw, Mapping):
        unknown = sorted(set(map(str, raw)) - {"type", "description", "example"})
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a field mapping takes type, description, example"
            )
        if "type" not in raw:
            return None, [
                *problems,
                f'{where}: a field mapping needs a `type:` (e.g. type: "str(200)")',
            ]
        description = str(raw.get("description") or "").strip()
        has_example = "example" in raw
        example = raw.get("example")
        raw = raw["type"]
    if not isinstance(raw, str):
        return None, [
            *problems,
            f"{where}: the type must be a string like 'str(200)' or 'int?', not {raw!r}",
        ]
    text, equals, default_text = raw.partition("=")
    match = _TYPE_RE.match(text)
    if not match:
        return None, [*problems, f"{where}: cannot read the type {raw!r}; valid types: {TYPE_LIST}"]
    unique = False
    for mod in match["mods"].split():
        if mod == "unique":
            unique = True
        else:
            problems.append(
                f"{where}: unknown modifier {mod!r}; the modifiers are `?` (optional), `unique` and `= default`"
            )
    max_length: int | None = None
    enum_values: tuple[str, ...] = ()
    ref: str | None = None
    if match["len"] is not None:
        kind = "str"
        max_length = int(match["len"])
        if max_length < 1:
            problems.append(
                f"{where}: str({max_length}) allows no text; give a length of 1 or more, e.g. str(200)"
            )
    elif match["values"] is not None:
        kind = "enum"
        enum_values = tuple(v.strip() for v in match["values"].split(",") if v.strip())
        problems += _enum_problems(where, enum_values)
    elif match["ref"] is not None:
        kind, ref = "ref", match["ref"]
    else:
        kind = match["type"]
        if kind not in SCALAR_TYPES:
            return None, [*problems, f"{where}: unknown type {kind!r}; valid types: {TYPE_LIST}"]
    spec = FieldSpec(
        name=name,
        kind=kind,
        optional=bool(match["optional"]),
        unique=unique,
        max_length=max_length,
        enum_values=enum_values,
        ref=ref,
        description=description,
        resource=resource,
    )
    if equals:
        if kind == "ref":
            problems.append(
                f"{where}: a ref cannot have a default; make it optional with `?` instead"
            )
        elif not problems:
            value, problem = _coerce(spec, default_text.strip(), "default")
            if problem:
                problems.append(f"{where}: {problem}")
            else:
                spec = replace(spec, default=value, has_default=True)
    if has_example and not problems:
        value, problem = _coerce(spec, example, "example")
        if problem:
            problems.append(f"{where}: {problem}")
        else:
            spec = replace(spec, example=value, has_example=True)
    if unique and kind in ("bool", "text"):
        problems.append(f"{where}: a {kind} field cannot be unique; drop `unique`")
    return (None if problems else spec), problems


def _enum_problems(where: str, values: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    if not values:
        problems.append(f"{where}: enum() has no values; list them, e.g. enum(draft, published)")
    bad = [v for v in values if not ENUM_VALUE.match(v)]
    if bad:
        problems.append(
            f"{where}: enum value(s) {', '.join(map(repr, bad))} are not plain words; use letters, digits, '_' and '-'"
        )
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        problems.append(
            f"{where}: enum value(s) {', '.join(map(repr, dupes))} are listed twice; list each once"
        )
    members = [enum_member(v) for v in values if ENUM_VALUE.match(v)]
    if len(set(members)) != len(members) and not dupes:
        problems.append(
            f"{where}: enum values {list(values)} differ only in '-' and '_'; make them distinct"
        )
    return problems


def _coerce(spec: FieldSpec, raw: Any, what: str) -> tuple[Any, str | None]:
    """Turn a default or example into a value of the field's type, or say why it does not fit."""
    text = raw.strip() if isinstance(raw, str) else None
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if raw is None or (text is not None and text.lower() in ("null", "none", "~")):
        if spec.optional:
            return None, None
        return (
            None,
            f"{what} null does not fit a required field; mark the field optional with `?` or give a value",
        )
    try:
        value = _convert(spec, raw if text is None else text)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return None, f"{what} {raw!r} does not fit type {spec.design_type}: {exc}"
    return value, None


def _convert(spec: FieldSpec, raw: Any) -> Any:
    kind = spec.kind
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "false"):
            return str(raw).lower() == "true"
        raise ValueError("write true or false")
    if kind == "int":
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError("expected a whole number")
        whole = int(raw) if isinstance(raw, float) else int(str(raw))
        if not INT64_MIN <= whole <= INT64_MAX:
            raise ValueError("outside the 64-bit range a column stores")
        return whole
    if kind == "float":
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        number = float(raw)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return number
    if kind == "decimal":
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        return _decimal(raw)
    if kind == "date":
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        return dt.date.fromisoformat(str(raw))
    if kind == "datetime":
        moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if kind == "uuid":
        return uuid.UUID(str(raw))
    if kind == "enum":
        if str(raw) not in spec.enum_values:
            raise ValueError(f"expected one of {', '.join(spec.enum_values)}")
        return str(raw)
    if not isinstance(raw, str):
        raise ValueError("expected text")
    if kind == "str" and spec.max_length and len(raw) > spec.max_length:
        raise ValueError(f"longer than {spec.max_length} characters")
    if kind == "email" and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", raw):
        raise ValueError("not an email address")
    if kind == "url" and not re.match(r"^https?://[^\s/]+", raw):
        raise ValueError("not an http(s) URL")
    return raw


def _decimal(raw: Any) -> decimal.Decimal:
    number = decimal.Decimal(str(raw))
    if not number.is_finite():
        raise ValueError("expected a finite number")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMAL_PLACES:
        raise ValueError(f"at most {DECIMAL_PLACES} decimal places")
    if number.adjusted() + 1 > DECIMAL_DIGITS - DECIMAL_PLACES:
        raise ValueError(f"at most {DECIMAL_DIGITS - DECIMAL_PLACES} digits before the point")
    return number


__all__ = ["FieldSpec", "json_ready", "parse_field"]
