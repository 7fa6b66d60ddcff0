"""One field of a resource and the facts it implies: Python, JSON and SQL types, constraints,
defaults and the values the generated tests send."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import samples
from .access import AccessFacts, ReadAccess
from .column_types import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    JSON_TYPES,
    MERMAID_TYPES,
    MIGRATION_TYPES,
    SQL_TYPES,
)
from .literals import display, md_code, py_json_literal, py_str
from .naming import enum_member, pascal, words
from .sql_keywords import SQL_KEYWORDS

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
    "str, str(N), str(M..N), text, text(M..), int, float, decimal (a number may take a range: "
    "`int >= 1`, `float 0..1`, `decimal > 0 <= 100`), bool, date, datetime, uuid, email, url, "
    "enum(a, b, ...), ref <resource>"
)
FILTERABLE_KINDS = frozenset({"bool", "enum", "ref"})
SEARCHABLE_KINDS = frozenset({"str", "text", "email", "url"})
# Filtered by `<column>_min` and `<column>_max`, both inclusive.
RANGE_TYPES = {
    "int": "SafeIntParam",
    "float": "FloatParam",
    "decimal": "DecimalParam",
    "date": "IsoDate",
    "datetime": "UtcDatetime",
}
SORTABLE_KINDS = frozenset(
    {"str", "int", "float", "decimal", "bool", "date", "datetime", "email", "enum", "ref"}
)
# Integers the API takes: what every JSON client holds exactly (JavaScript's
# Number.MAX_SAFE_INTEGER), well inside a 64-bit column; app/models/types.py is rendered from it.
MAX_SAFE_INTEGER = 2**53 - 1
# The longest value the API accepts where the design gives no length: `str` and `text` columns
# have no length of their own, but an unbounded field lets one request store megabytes.
# E-mail addresses and URLs get the limits their validators apply (RFC 5321; browsers' 2,083).
DEFAULT_MAX_LENGTHS = {"str": 1_000, "text": 100_000, "email": 254, "url": 2_083}


def default_length_limits() -> str:
    """`1,000 characters for `str`, 100,000 for `text`, ...`: the defaults as the spec writes them."""
    limits = [f"{length:,} for `{kind}`" for kind, length in DEFAULT_MAX_LENGTHS.items()]
    return limits[0].replace(" for", " characters for", 1) + ", " + ", ".join(limits[1:])


ENUM_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")
# Kinds that take a range (`int >= 1`, `float 0..1`), a minimum length (`str(3..200)`, `text(10..)`)
# or a pattern (the mapping form's `pattern:`).
BOUNDED_KINDS = ("int", "float", "decimal")
LENGTH_KINDS = ("str", "text")

# The annotation each kind gets in the models (enums get their own class). JSON bodies are read
# strictly: `"12"` is not an integer, `0` not a boolean or a date.
PYTHON_TYPES = {
    "str": "StorableStr",
    "text": "StorableStr",
    "int": "SafeInt",
    "float": "Float",
    "decimal": "Decimal",
    "bool": "StrictBool",
    "date": "IsoDate",
    "datetime": "UtcDatetime",
    "uuid": "UUID",
    "email": "EmailStr",
    "url": "HttpUrlStr",
    "ref": "SafeInt",
}
# Where each annotation and column type the models name comes from (the others are built in, or
# imported by the template from the standard library).
IMPORTED_FROM = {
    "EmailStr": "pydantic",
    "StrictBool": "pydantic",
    "StrictInt": "pydantic",
    "UniqueConstraint": "sqlmodel",
    "Field": "sqlmodel",
    "SQLModel": "sqlmodel",
    "func": "sqlmodel",
    "Relationship": "sqlmodel",
    "AutoString": "sqlmodel",
    "CheckConstraint": "sqlmodel",
    "Text": "sqlmodel",
    **dict.fromkeys(
        (
            "DecimalParam",
            "Float",
            "FloatParam",
            "HttpUrlStr",
            "Int64",
            "IsoDate",
            "LinkIds",
            "MAX_SAFE_INTEGER",
            "SafeInt",
            "SafeIntParam",
            "StorableStr",
            "UtcDatetime",
            "enum_column",
        ),
        "app.models.types",
    ),
}


@dataclass(frozen=True)
class Bound:
    """One end of a number's range: `>= 1` is Bound(Decimal(1), inclusive=True)."""

    value: Decimal
    inclusive: bool

    def admits(self, number: Decimal, *, lower: bool) -> bool:
        if lower:
            return number >= self.value if self.inclusive else number > self.value
        return number <= self.value if self.inclusive else number < self.value


@dataclass(frozen=True)
class FieldSpec(AccessFacts):
    """One field of a resource, fully resolved."""

    name: str
    kind: str  # one of SCALAR_TYPES, "enum" or "ref"
    optional: bool = False
    unique: bool = False
    searchable: bool = False  # found by the list's `q`
    max_length: int | None = None
    min_length: int | None = None
    minimum: Bound | None = None
    maximum: Bound | None = None
    pattern: str | None = None  # a regular expression the value must contain a match of
    enum_values: tuple[str, ...] = ()
    ref: str | None = None  # the referenced resource's name
    default: Any = None
    has_default: bool = False
    description: str = ""
    example: Any = None
    has_example: bool = False
    resource: str = ""  # the owning resource's name
    ref_class: str = ""  # filled in once every resource is known
    target_access: ReadAccess | None = None  # who reads the referenced rows, likewise
    # the roles that may set the field (`write: [agent]`), the administrator first; () for all
    writers: tuple[str, ...] = ()

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
        """The annotation without `| None`. A ranged int is a plain `StrictInt` with all of its
        bounds in `Field(...)`: `SafeInt`'s own bounds would win over the field's."""
        if self.kind == "int" and (self.minimum or self.maximum):
            return "StrictInt"
        return self.enum_class if self.kind == "enum" else PYTHON_TYPES[self.kind]

    @property
    def filter_type(self) -> str:
        """The annotation of the list endpoint's filter: query strings are text, read leniently."""
        return {"bool": "bool", "ref": "SafeIntParam"}.get(self.kind, self.base_type)

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
    def length_limit(self) -> int | None:
        """The longest value the API accepts: the design's `str(N)`, else the kind's default."""
        return self.max_length or DEFAULT_MAX_LENGTHS.get(self.kind)

    @property
    def bounded_by_safe_integers(self) -> bool:
        """A ranged int open at one end: the safe-integer limit closes it (`SafeInt`'s own
        bounds give way to the field's)."""
        return self.kind == "int" and (self.minimum is None) != (self.maximum is None)

    @property
    def check(self) -> tuple[str, str] | None:
        """(name, SQL condition) of the column's CHECK constraint, the database's copy of the
        design's ranges and minimum length; the name states the rule, so a changed rule is a new
        constraint to the migrations (Alembic compares CHECK constraints by name only)."""
        column = f'"{self.column}"' if self.column in SQL_KEYWORDS else self.column
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
    def design_type(self) -> str:
        """The field's type as the design language writes it."""
        if self.kind in LENGTH_KINDS and self.min_length:
            return f"{self.kind}({self.min_length}..{self.max_length or ''})"
        if self.kind in LENGTH_KINDS and self.max_length:
            return f"{self.kind}({self.max_length})"
        if self.kind == "enum":
            return f"enum({', '.join(self.enum_values)})"
        if self.kind == "ref":
            return f"ref {self.ref}"
        low, high = self.minimum, self.maximum
        if low and high and low.inclusive and high.inclusive:
            return f"{self.kind} {format(low.value, 'f')}..{format(high.value, 'f')}"
        bounds = [
            f"{sign}{'=' if bound.inclusive else ''} {format(bound.value, 'f')}"
            for bound, sign in ((low, ">"), (high, "<"))
            if bound
        ]
        return " ".join([self.kind, *bounds])

    @property
    def filterable(self) -> bool:
        return self.kind in FILTERABLE_KINDS

    @property
    def multi_valued(self) -> bool:
        """Whether the list's filter takes several values (`?genre=a&genre=b`: either)."""
        return self.kind in ("enum", "ref")

    @property
    def ranged(self) -> bool:
        return self.kind in RANGE_TYPES

    @property
    def range_type(self) -> str:
        """The annotation of the list's `_min` and `_max` parameters (query strings are text)."""
        return RANGE_TYPES[self.kind]

    @property
    def range_params(self) -> tuple[str, str]:
        return (f"{self.column}_min", f"{self.column}_max")

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
        if self.min_length:
            notes.append(f"min {self.min_length:,} characters")
        if self.length_limit:
            notes.append(f"max {self.length_limit:,} characters")
        if self.pattern is not None:
            notes.append("contains a match of " + md_code(self.pattern).replace("|", "\\|"))
        for bound, signs in ((self.minimum, ("≥", ">")), (self.maximum, ("≤", "<"))):
            if bound:
                sign = signs[0] if bound.inclusive else signs[1]
                notes.append(f"{sign} {format(bound.value, 'f')}")
        if self.kind == "decimal":
            notes.append(f"{DECIMAL_DIGITS} digits, {DECIMAL_PLACES} decimal places")
        if self.unique:
            notes.append("unique")
        if self.searchable:
            notes.append("searchable (`q`)")
        if self.kind == "enum":
            notes.append("one of " + ", ".join(f"`{v}`" for v in self.enum_values))
        if self.kind == "ref":
            notes.append(f"foreign key to `{self.ref_table}.id`")
        if self.has_default:
            notes.append(f"default `{display(self.default)}`")
        if self.writers:
            notes.append("set only by " + ", ".join(f"`{role}`" for role in self.writers))
        return notes

    # -- what the generated tests send: hooks/samples.py --------------------------------
    @property
    def test_value(self) -> str:
        return samples.test_value(self)

    @property
    def changed_value(self) -> str:
        return samples.changed_value(self)

    @property
    def distinct_test_values(self) -> int:
        return samples.distinct_test_values(self)

    @property
    def refused_values(self) -> list[tuple[str, bool]]:
        return samples.refused_values(self)


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
