"""One field of a resource and the facts it implies: Python, JSON and SQL types, constraints,
defaults and the values the generated tests send."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from . import samples
from .access import AccessFacts, ReadAccess
from .column_types import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
)
from .columns import ColumnFacts
from .kinds import (
    DEFAULT_MAX_LENGTHS,
    FILTERABLE_KINDS,
    LENGTH_KINDS,
    PYTHON_TYPES,
    RANGE_TYPES,
    SORTABLE_KINDS,
    Bound,
)
from .literals import display, md_code, py_json_literal, py_str
from .naming import enum_member, pascal, words


@dataclass(frozen=True)
class FieldSpec(ColumnFacts, AccessFacts):
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
    def length_limit(self) -> int | None:
        """The longest value the API accepts: the design's `str(N)`, else the kind's default."""
        return self.max_length or DEFAULT_MAX_LENGTHS.get(self.kind)

    @property
    def bounded_by_safe_integers(self) -> bool:
        """A ranged int open at one end: the safe-integer limit closes it (`SafeInt`'s own
        bounds give way to the field's)."""
        return self.kind == "int" and (self.minimum is None) != (self.maximum is None)

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
