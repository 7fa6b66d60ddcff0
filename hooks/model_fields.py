"""Each field's `Field(...)` in a resource's model module, as (keyword, value) facts.

The model template writes them out in one loop (`Field(ge=1, max_length=200, ...)`), so the
keywords a field gets are decided here, in one place, and nowhere in the template. Each value is
a Python expression already escaped for its place (a string through `py_str`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .column_types import DECIMAL_DIGITS, DECIMAL_PLACES
from .literals import py_regex, py_str

if TYPE_CHECKING:
    from .fields import FieldSpec

Keyword = tuple[str, str]


@dataclass(frozen=True)
class FieldCall:
    """What follows a field's annotation: `= Field(<keywords>)`, `= None`, or nothing."""

    keywords: tuple[Keyword, ...]
    admits_none: bool  # whether the annotation ends in `| None`

    @property
    def bare_none(self) -> bool:
        """Only `default=None`, and the annotation admits None: `= None` says it all (an
        annotation without `| None` needs `Field(default=None)` to type-check)."""
        return self.admits_none and self.keywords == (("default", "None"),)


def table_field(spec: FieldSpec) -> FieldCall:
    """The field in `<Class>Base`, shared by the table, the create body and the response."""
    keywords: list[Keyword] = []
    if spec.has_default:
        keywords.append(("default", spec.default_source))
    elif spec.optional:
        keywords.append(("default", "None"))
    keywords += validation_keywords(spec)
    if spec.kind == "ref":
        keywords += [("foreign_key", py_str(f"{spec.ref_table}.id")), ("index", "True")]
    if spec.on_delete:
        keywords.append(("ondelete", py_str(spec.on_delete)))
    if spec.unique:
        keywords.append(("unique", "True"))
    if spec.column_type_override:
        keywords.append(("sa_type", spec.column_type_override))
    if spec.kind == "enum":
        keywords.append(("sa_type", f"enum_column({spec.enum_class})"))
    if spec.server_default is not None:
        keywords.append(
            ("sa_column_kwargs", f'{{"server_default": {py_str(spec.server_default)}}}')
        )
    if spec.api_description:
        keywords.append(("description", py_str(spec.api_description)))
    extra = schema_extra(spec, examples=True)
    if extra:
        keywords.append(("schema_extra", extra))
    return FieldCall(tuple(keywords), admits_none=spec.optional)


def update_field(spec: FieldSpec) -> FieldCall:
    """The field in `<Class>Update`: it may be left out (`default=None`), validated as in the
    create body; an optional one may be set to null."""
    keywords: list[Keyword] = [("default", "None"), *validation_keywords(spec)]
    extra = schema_extra(spec, examples=False)
    if extra:
        keywords.append(("schema_extra", extra))
    return FieldCall(tuple(keywords), admits_none=spec.optional)


def validation_keywords(spec: FieldSpec) -> list[Keyword]:
    """The design's ranges, lengths and a decimal's digits: `ge=1`, `min_length=3`,
    `max_length=200`, `max_digits=12`."""
    keywords: list[Keyword] = []
    if spec.minimum:
        keyword = "ge" if spec.minimum.inclusive else "gt"
        keywords.append((keyword, number_source(spec, spec.minimum.value)))
    elif spec.bounded_by_safe_integers:
        keywords.append(("ge", "-MAX_SAFE_INTEGER"))
    if spec.maximum:
        keyword = "le" if spec.maximum.inclusive else "lt"
        keywords.append((keyword, number_source(spec, spec.maximum.value)))
    elif spec.bounded_by_safe_integers:
        keywords.append(("le", "MAX_SAFE_INTEGER"))
    if spec.min_length:
        keywords.append(("min_length", str(spec.min_length)))
    if spec.length_limit:
        keywords.append(("max_length", str(spec.length_limit)))
    if spec.kind == "decimal":
        keywords += [("max_digits", str(DECIMAL_DIGITS)), ("decimal_places", str(DECIMAL_PLACES))]
    return keywords


def schema_extra(spec: FieldSpec, *, examples: bool) -> str | None:
    """The `schema_extra=` of the field: pydantic's `pattern` (SQLModel's own `regex=` is not
    applied under pydantic 2) and the design's example. Under `| None` pydantic checks a pattern
    and a length, but its schema keeps only one of them, so `json_schema_extra` states both
    beside the `anyOf`."""
    extra = []
    if spec.pattern is not None:
        extra.append(f'"pattern": {py_regex(spec.pattern)}')
    if spec.pattern is not None and spec.optional:
        both = f'"pattern": {py_regex(spec.pattern)}, "maxLength": {spec.length_limit}'
        extra.append(f'"json_schema_extra": {{{both}}}')
    if examples and spec.has_example:
        extra.append(f'"examples": [{spec.example_source}]')
    return "{" + ", ".join(extra) + "}" if extra else None


def number_source(spec: FieldSpec, value: Decimal) -> str:
    """A bound as a Python literal: `1`, `0.5`. A decimal's bound too is written as a float
    (SQLModel's `Field` types bounds so), which pydantic compares exactly: `ge=0.01` takes
    `Decimal("0.01")`."""
    if spec.kind == "float":
        return repr(float(value))
    if value == value.to_integral_value():
        return str(int(value))
    return repr(float(value))
