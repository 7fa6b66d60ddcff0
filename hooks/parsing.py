"""The field language: `str(200)?`, `enum(a, b) = a`, `ref author`, the mapping form with
`description` and `example`; each field parsed into a `FieldSpec`, or the problems found."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from pydantic_core import SchemaError

from .column_types import DECIMAL_DIGITS, DECIMAL_PLACES
from .fields import FieldSpec
from .kinds import (
    BOUNDED_KINDS,
    ENUM_VALUE,
    LENGTH_KINDS,
    MAX_SAFE_INTEGER,
    SCALAR_TYPES,
    SEARCHABLE_KINDS,
    TYPE_LIST,
    Bound,
)
from .naming import enum_member
from .samples import ROWS_PER_TEST
from .suggestions import type_suggestion

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_TYPE_RE = re.compile(
    rf"""^\s*
    (?P<type>(?P<text>str|text)\s*\(\s*(?P<lengths>[^)]*)\)|enum\s*\((?P<values>[^)]*)\)|ref\s+(?P<ref>\S+?)|[A-Za-z_][A-Za-z0-9_]*)
    \s*(?P<optional>\?)?
    (?P<bounds>(?:\s*(?:>=|<=|>|<)\s*{_NUMBER}|\s+{_NUMBER}\s*\.\.\s*{_NUMBER})*)
    \s*(?P<optional_after_bounds>\?)?
    (?P<mods>(\s+[A-Za-z_]+)*)
    \s*$""",
    re.VERBOSE,
)
_BOUND_RE = re.compile(rf"(>=|<=|>|<)\s*({_NUMBER})|({_NUMBER})\s*\.\.\s*({_NUMBER})")
_LENGTHS_RE = re.compile(r"\s*(-?\d+)\s*(?:(\.\.)\s*(-?\d+)?)?\s*")
_TYPE_WORDS = (*SCALAR_TYPES, "enum", "ref")  # what a type starts with
FIELD_KEYS = ("type", "description", "example", "pattern", "write")


def parse_field(resource: str, name: str, raw: object) -> tuple[FieldSpec | None, list[str]]:
    """Parse one field of the design language; return the field or the problems found."""
    where = f"resource '{resource}', field '{name}'"
    problems: list[str] = []
    description, example, has_example, pattern = "", None, False, None
    writers: tuple[str, ...] = ()
    if isinstance(raw, Mapping):
        unknown = sorted(set(map(str, raw)) - set(FIELD_KEYS))
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a field mapping takes "
                + ", ".join(FIELD_KEYS)
            )
        if "pattern" in raw:
            pattern = raw["pattern"]
            problems += _pattern_problems(where, pattern, "example" in raw)
        if "type" not in raw:
            return None, [
                *problems,
                f'{where}: a field mapping needs a `type:` (e.g. type: "str(200)")',
            ]
        description = str(raw.get("description") or "").strip()
        if "write" in raw:
            written = raw["write"]
            written = [written] if isinstance(written, str) else written
            if isinstance(written, list) and written and all(isinstance(w, str) for w in written):
                writers = tuple(dict.fromkeys(written))
            else:
                problems.append(
                    f"{where}: `write:` lists the roles that may set the field, e.g. [agent]"
                )
        has_example = "example" in raw
        example = raw.get("example")
        raw = raw["type"]
    if not isinstance(raw, str):
        return None, [
            *problems,
            f"{where}: the type must be a string like 'str(200)' or 'int?', not {raw!r}",
        ]
    text, *default = re.split(r"(?<![<>])=", raw, maxsplit=1)  # `>=` and `<=` are bounds
    equals, default_text = bool(default), "".join(default)
    match = _TYPE_RE.match(text)
    if not match or (match["optional"] and match["optional_after_bounds"]):  # `int??`
        return None, [
            *problems,
            f"{where}: cannot read the type {raw!r}{type_suggestion(text, _TYPE_WORDS)}; "
            f"valid types: {TYPE_LIST}",
        ]
    mods = match["mods"].split()
    unique, searchable = "unique" in mods, "searchable" in mods
    for mod in sorted(set(mods) - {"unique", "searchable"}):
        problems.append(
            f"{where}: unknown modifier {mod!r}; the modifiers are `?` (optional), `unique`, "
            "`searchable` and `= default`"
        )
    max_length: int | None = None
    min_length: int | None = None
    enum_values: tuple[str, ...] = ()
    ref: str | None = None
    if match["text"] is not None:
        kind = match["text"]
        min_length, max_length = _lengths(where, kind, match["lengths"], problems)
    elif match["values"] is not None:
        kind = "enum"
        enum_values = tuple(v.strip() for v in match["values"].split(",") if v.strip())
        problems += _enum_problems(where, enum_values)
    elif match["ref"] is not None:
        kind, ref = "ref", match["ref"]
    else:
        kind = match["type"]
        if kind not in SCALAR_TYPES:
            return None, [
                *problems,
                f"{where}: unknown type {kind!r}{type_suggestion(kind, _TYPE_WORDS)}; "
                f"valid types: {TYPE_LIST}",
            ]
    minimum, maximum = _bounds(where, kind, match["bounds"], problems)
    if pattern is not None and kind not in LENGTH_KINDS:
        problems.append(f"{where}: only str and text take a pattern, not {kind}; drop `pattern:`")
    spec = FieldSpec(
        name=name,
        kind=kind,
        optional=bool(match["optional"] or match["optional_after_bounds"]),
        unique=unique,
        searchable=searchable,
        max_length=max_length,
        min_length=min_length,
        minimum=minimum,
        maximum=maximum,
        pattern=pattern if isinstance(pattern, str) else None,
        enum_values=enum_values,
        ref=ref,
        description=description,
        resource=resource,
        writers=writers,
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
    if unique and not problems and spec.distinct_test_values < ROWS_PER_TEST:
        problems.append(f"{where}: {_too_few_values(spec)}")
    if searchable and kind not in SEARCHABLE_KINDS:
        problems.append(
            f"{where}: only text is searchable (str, text, email, url), not {kind}; drop `searchable`"
        )
    return (None if problems else spec), problems


def _too_few_values(spec: FieldSpec) -> str:
    """Why a unique field cannot give the generated tests' rows values that differ."""
    if spec.pattern is not None:
        return (
            "a unique field with a pattern needs an example whose last digits can count up and "
            "still match (e.g. SKU-0001): the generated tests make rows with different values"
        )
    what = "enum" if spec.kind == "enum" else "field's range"
    return (
        f"a unique {what} must hold at least {ROWS_PER_TEST} values: the generated tests make "
        "that many rows; drop `unique` or widen it"
    )


def _enum_problems(where: str, values: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    if not values:
        problems.append(f"{where}: enum() has no values; list them, e.g. enum(draft, published)")
    bad = [v for v in values if not ENUM_VALUE.fullmatch(v)]
    if bad:
        problems.append(
            f"{where}: enum value(s) {', '.join(map(repr, bad))} are not plain words; use letters, digits, '_' and '-'"
        )
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        problems.append(
            f"{where}: enum value(s) {', '.join(map(repr, dupes))} are listed twice; list each once"
        )
    members = [enum_member(v) for v in values if ENUM_VALUE.fullmatch(v)]
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
    broken = _broken_constraint(spec, value)
    if broken:
        return None, f"{what} {raw!r} {broken}"
    return value, None


def _broken_constraint(spec: FieldSpec, value: Any) -> str | None:
    """How a value of the field's type breaks the design's range, minimum length or pattern."""
    if spec.minimum and not spec.minimum.admits(decimal.Decimal(str(value)), lower=True):
        return f"is below the field's range ({spec.design_type}); pick a value inside it"
    if spec.maximum and not spec.maximum.admits(decimal.Decimal(str(value)), lower=False):
        return f"is above the field's range ({spec.design_type}); pick a value inside it"
    if spec.min_length and len(str(value)) < spec.min_length:
        return f"is shorter than the field's {spec.min_length} characters minimum"
    if spec.pattern is not None and not re.search(spec.pattern, str(value)):
        return f"does not match the field's pattern {spec.pattern!r}"
    return None


def _lengths(
    where: str, kind: str, text: str, problems: list[str]
) -> tuple[int | None, int | None]:
    """`str(200)`: at most 200 characters; `str(3..200)`: 3 to 200; `text(10..)`: 10 or more."""
    match = _LENGTHS_RE.fullmatch(text)
    if not match:
        problems.append(
            f"{where}: cannot read the length {kind}({text}); write {kind}(N) for at most N "
            f"characters, {kind}(M..N) for M to N, or {kind}(M..) for at least M"
        )
        return None, None
    first, has_range, second = match.groups()
    low, high = (int(first), int(second) if second else None) if has_range else (None, int(first))
    if high is not None and high < 1:
        problems.append(
            f"{where}: {kind}({text}) allows no text; give a length of 1 or more, e.g. {kind}(200)"
        )
    if low is not None and low < 1:
        problems.append(
            f"{where}: a minimum length of {low} is no rule; drop it ({kind}({high or ''})) or give 1 or more"
        )
    if low is not None and high is not None and low > high:
        problems.append(
            f"{where}: {kind}({text}) asks for at least {low} and at most {high} characters; swap them"
        )
    if kind == "text" and has_range is None and high is not None:
        return None, high
    return low, high


def _bounds(
    where: str, kind: str, text: str, problems: list[str]
) -> tuple[Bound | None, Bound | None]:
    """`>= 1`, `> 0 <= 100`, `0..1` (both ends included): a number's range."""
    if not text.strip():
        return None, None
    if kind not in BOUNDED_KINDS:
        problems.append(
            f"{where}: a range ({text.strip()}) is for numbers (int, float, decimal), not {kind}"
            + ("; for a length, write str(M..N)" if kind in LENGTH_KINDS else "")
        )
        return None, None
    lows: list[Bound] = []
    highs: list[Bound] = []
    for operator, number, start, end in _BOUND_RE.findall(text):
        if start:
            lows.append(Bound(decimal.Decimal(start), inclusive=True))
            highs.append(Bound(decimal.Decimal(end), inclusive=True))
        elif operator.startswith(">"):
            lows.append(Bound(decimal.Decimal(number), inclusive=operator == ">="))
        else:
            highs.append(Bound(decimal.Decimal(number), inclusive=operator == "<="))
    if len(lows) > 1 or len(highs) > 1:
        problems.append(
            f"{where}: the range {text.strip()!r} gives two lower or two upper bounds; give at "
            "most one of each, e.g. `>= 1 <= 10` or `1..10`"
        )
        return None, None
    low = lows[0] if lows else None
    high = highs[0] if highs else None
    for bound in (low, high):
        if bound is None:
            continue
        if kind == "int" and bound.value != bound.value.to_integral_value():
            problems.append(f"{where}: an int's bound must be a whole number, not {bound.value}")
        elif kind == "int" and abs(bound.value) > MAX_SAFE_INTEGER:
            problems.append(f"{where}: the bound {bound.value} is outside ±{MAX_SAFE_INTEGER:,}")
        elif kind == "decimal":
            try:
                _decimal(bound.value)
            except ValueError as exc:
                problems.append(f"{where}: the bound {bound.value} does not fit a decimal: {exc}")
    if low and high:
        empty = low.value > high.value or (
            low.value == high.value and not (low.inclusive and high.inclusive)
        )
        if empty:
            problems.append(f"{where}: the range {text.strip()!r} holds no value; check the bounds")
    return low, high


def _pattern_problems(where: str, pattern: object, has_example: bool) -> list[str]:
    """A pattern must compile where the API checks it (pydantic's Rust regex engine, which has no
    look-arounds or back-references), and the generated tests need an example that matches."""
    if not isinstance(pattern, str) or not pattern:
        return [
            f"{where}: pattern must be a regular expression in quotes, e.g. '^[A-Z]{{3}}-[0-9]{{4}}$'"
        ]
    problems: list[str] = []
    try:
        TypeAdapter(Annotated[str, Field(pattern=pattern)])
        re.compile(pattern)
    except (SchemaError, re.error) as exc:
        reason = str(exc).strip().splitlines()[-1].removeprefix("error: ")
        problems.append(
            f"{where}: the pattern {pattern!r} is not a regular expression the API can use: {reason}"
        )
    if not has_example:
        problems.append(
            f"{where}: a field with a pattern needs an `example:` that matches it; the generated "
            "tests send values like it"
        )
    return problems


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
        if not -MAX_SAFE_INTEGER <= whole <= MAX_SAFE_INTEGER:
            raise ValueError(
                f"outside ±{MAX_SAFE_INTEGER:,}, the integers every JSON client holds exactly"
            )
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
        if moment.tzinfo is None:
            raise ValueError(
                "no UTC offset; the API takes moments with one, so write it, e.g. "
                f"{moment.replace(tzinfo=dt.UTC).isoformat().replace('+00:00', 'Z')} for UTC"
            )
        moment.astimezone(dt.UTC)  # OverflowError: not a moment UTC can hold
        return moment
    if kind == "uuid":
        return uuid.UUID(str(raw))
    if kind == "ref":
        if isinstance(raw, bool) or int(str(raw)) < 1:
            raise ValueError("expected the id of a row, a whole number from 1")
        return int(str(raw))
    if kind == "enum":
        if str(raw) not in spec.enum_values:
            raise ValueError(f"expected one of {', '.join(spec.enum_values)}")
        return str(raw)
    if not isinstance(raw, str):
        raise ValueError("expected text")
    if kind == "str" and spec.max_length and len(raw) > spec.max_length:
        raise ValueError(f"longer than {spec.max_length} characters")
    if kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw):
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
