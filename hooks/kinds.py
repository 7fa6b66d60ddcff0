"""The kinds of field the design language knows, and what each kind implies: its annotation in
the models, whether it filters, sorts, searches or takes a range, its default length limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

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
