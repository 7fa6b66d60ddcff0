"""The field language: `str(200)?`, `enum(a, b) = a`, `ref author`, the mapping form with
`description` and `example`; each field parsed into a `FieldSpec`, or the problems found."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .fields import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    ENUM_VALUE,
    MAX_SAFE_INTEGER,
    SCALAR_TYPES,
    SEARCHABLE_KINDS,
    TYPE_LIST,
    FieldSpec,
)
from .naming import enum_member

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
    mods = match["mods"].split()
    unique, searchable = "unique" in mods, "searchable" in mods
    for mod in sorted(set(mods) - {"unique", "searchable"}):
        problems.append(
            f"{where}: unknown modifier {mod!r}; the modifiers are `?` (optional), `unique`, "
            "`searchable` and `= default`"
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
        searchable=searchable,
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
    if searchable and kind not in SEARCHABLE_KINDS:
        problems.append(
            f"{where}: only text is searchable (str, text, email, url), not {kind}; drop `searchable`"
        )
    return (None if problems else spec), problems


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
