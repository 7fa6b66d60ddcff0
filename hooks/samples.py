"""The values the generated tests send for a field: valid ones that differ from row to row (and
keep the design's ranges, lengths and patterns), a changed one, and ones just outside the rules."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Protocol

from .enum_checks import unlisted_value
from .literals import py_str


class Bounded(Protocol):
    """One end of a number's range (`fields.Bound`)."""

    @property
    def value(self) -> Decimal: ...

    @property
    def inclusive(self) -> bool: ...

    def admits(self, number: Decimal, *, lower: bool) -> bool: ...


class Sampled(Protocol):
    """What the values are chosen from: a field's kind and rules (`fields.FieldSpec` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def enum_values(self) -> tuple[str, ...]: ...

    @property
    def example(self) -> Any: ...

    @property
    def max_length(self) -> int | None: ...

    @property
    def min_length(self) -> int | None: ...

    @property
    def minimum(self) -> Bounded | None: ...

    @property
    def maximum(self) -> Bounded | None: ...

    @property
    def pattern(self) -> str | None: ...


def test_value(spec: Sampled) -> str:
    """A Python expression of a valid value for the generated tests, distinct for each `n`
    (for `n` below `distinct_test_values`), in the order of `n`."""
    ruled = _ruled(spec)
    if ruled:
        return ruled[0]
    stem = spec.name.replace("_", "-")
    if spec.kind == "str":
        room = (spec.max_length or 60) - 4
        return f'f"{stem[:room]}-{{n}}"' if room > 0 else "str(n % 10)"
    if spec.kind == "enum":
        if len(spec.enum_values) == 1:
            return py_str(spec.enum_values[0])
        return f"{json.dumps(list(spec.enum_values))}[n % {len(spec.enum_values)}]"
    return {
        "text": f'f"Some {spec.label} text {{n}}."',
        "int": "10 + n",
        "float": "1.5 + n",
        "decimal": 'f"{12 + n}.50"',
        "bool": "n % 2 == 0",
        "date": 'f"2025-01-{1 + n % 28:02d}"',
        "datetime": 'f"2025-01-{1 + n % 28:02d}T09:30:00Z"',
        "uuid": 'f"00000000-0000-4000-8000-{n:012d}"',
        "email": f'f"{stem[:20]}{{n}}@example.com"',
        "url": f'f"https://example.com/{stem}/{{n}}"',
    }[spec.kind]


def refused_values(spec: Sampled) -> list[tuple[str, bool]]:
    """(Python literal, whether the CHECK constraint refuses it too) of values just outside
    the design's range, minimum length, pattern or enum, for the generated tests."""
    refused: list[tuple[str, bool]] = []
    if spec.kind == "enum":
        unlisted = unlisted_value(spec.enum_values)
        if unlisted is not None:
            refused.append((py_str(unlisted), True))
    for bound, sign in ((spec.minimum, -1), (spec.maximum, 1)):
        if bound:
            value = bound.value + sign if bound.inclusive else bound.value
            if spec.kind == "int":
                refused.append((str(int(value)), True))
            elif spec.kind == "float":
                refused.append((repr(float(value)), True))
            else:
                refused.append((py_str(format(value, "f")), True))
    if spec.min_length:
        refused.append((py_str("x" * (spec.min_length - 1)), True))
    if spec.pattern is not None:
        stranger = next(
            (text for text in ("!", " ", "x", "0", "~" * 3) if not re.search(spec.pattern, text)),
            None,
        )
        if stranger is not None:
            refused.append((py_str(stranger), False))
    return refused


def distinct_test_values(spec: Sampled) -> int:
    """How many rows the generated tests can make with values that differ, and ascend."""
    ruled = _ruled(spec)
    if ruled:
        return ruled[2]
    if spec.kind == "bool":
        return 2
    if spec.kind == "enum":
        return len(spec.enum_values)
    return TEST_ROWS


def changed_value(spec: Sampled) -> str:
    """A Python literal of a valid value that `test_value` gives for no small `n`."""
    value = changed_json(spec)
    return py_str(value) if isinstance(value, str) else repr(value)


def changed_json(spec: Sampled) -> Any:
    """That value itself, as JSON holds it (decimals, dates and ids as strings)."""
    ruled = _ruled(spec)
    if ruled:
        return ruled[1]
    stem = spec.name.replace("_", "-")
    if spec.kind == "str":
        room = (spec.max_length or 60) - 4
        return f"{stem[:room]}-99" if room > 0 else "x"
    if spec.kind == "enum":
        return spec.enum_values[-1]
    return {
        "text": f"Some {spec.label} text 99.",
        "int": 109,
        "float": 100.5,
        "decimal": "111.50",
        "bool": False,
        "date": "2024-12-31",
        "datetime": "2024-12-31T09:30:00Z",
        "uuid": "00000000-0000-4000-8000-000000000099",
        "email": f"{stem[:20]}99@example.com",
        "url": f"https://example.com/{stem}/99",
    }[spec.kind]


TEST_ROWS = 10  # the values the generated tests cycle through for a constrained field
# The rows a generated test makes of one resource at most: a unique or sorted field needs as
# many different values.
ROWS_PER_TEST = 3


def _ruled(spec: Sampled) -> tuple[str, Any, int] | None:
    """(expression in `n`, changed value, distinct count) for a field with a pattern, a range
    or a minimum length; None for the others."""
    if spec.pattern is not None:
        return _pattern_values(spec.pattern, spec.example)
    if spec.minimum or spec.maximum:
        return _bounded_values(spec)
    if spec.min_length:
        return _long_enough_values(spec)
    return None


def _bounded_values(spec: Sampled) -> tuple[str, Any, int]:
    """(expression in `n`, changed value, distinct count) within a number's range: ten
    ascending values, one step apart, from 10 (or the lower bound) where the range has room."""
    low, high = spec.minimum, spec.maximum
    places = 0 if spec.kind == "int" else 2
    unit = Decimal(1).scaleb(-places)
    step = Decimal(1)
    if low and high:
        room = high.value - low.value
        while step > unit and step * (TEST_ROWS - 1) > room:
            step /= 10
    start = Decimal(10) if spec.kind == "int" else Decimal("1.5")
    lowest = (low.value if low.inclusive else low.value + step) if low else None
    if lowest is not None and start < lowest:
        start = lowest
    if high and not high.admits(start + step * (TEST_ROWS - 1), lower=False):
        top = high.value if high.inclusive else high.value - step
        start = top - step * (TEST_ROWS - 1)
        if lowest is not None and start < lowest:
            start = lowest
    values = [start + step * i for i in range(TEST_ROWS)]
    valid = [
        v
        for v in values
        if (not low or low.admits(v, lower=True)) and (not high or high.admits(v, lower=False))
    ]
    count = len(valid) or 1
    first = valid[0] if valid else start
    offset = f"n % {count}" if count < TEST_ROWS or high else "n"
    if step != 1:
        offset = f"{step} * ({offset})" if " " in offset else f"{step} * {offset}"
    if spec.kind == "int":
        return f"{int(first)} + {offset}", int(valid[-1] if valid else first), count
    if spec.kind == "float":
        expression = f"{float(first)!r} + {offset}"
        if step != 1:  # 0.1 * 9 is 0.9000000000000001 in binary floating point
            expression = f"round({expression}, {places})"
        return expression, float(valid[-1] if valid else first), count
    changed = format((valid[-1] if valid else first).quantize(unit), "f")
    return f'f"{{{first.quantize(unit)} + {offset}:.2f}}"', changed, count


def _long_enough_values(spec: Sampled) -> tuple[str, str, int]:
    """(expression, changed value, distinct count) of text at least `min_length` long: the
    field's name, padded with dots, then a two-digit row number."""
    width = max(spec.min_length or 0, len(spec.name) + 3)
    if spec.max_length:
        width = min(width, spec.max_length)
    if width < 2:
        return "str(n % 10)", "9", TEST_ROWS
    stem = spec.name.replace("_", "-")[: max(width - 2, 0)].ljust(width - 2, ".")
    return f'f"{stem}{{n:02d}}"', f"{stem}99", TEST_ROWS


def _pattern_values(pattern: str, example: Any) -> tuple[str, str, int]:
    """(expression, changed value, distinct count) of text that matches the pattern: the
    example, its last run of digits counting up (`SKU-0001`, `SKU-0002`, ...) where the pattern
    allows it; else the example itself, for every row."""
    text = str(example)
    runs = list(re.finditer(r"\d+", text))
    if runs:
        run = runs[-1]
        width = len(run.group())
        head, tail = text[: run.start()], text[run.end() :]
        values = [f"{head}{n:0{width}d}{tail}" for n in range(TEST_ROWS)]
        changed = f"{head}{'9' * width}{tail}"
        if all(re.search(pattern, v) for v in [*values, changed]) and changed != values[0]:

            def literal(part: str) -> str:
                return py_str(part)[1:-1].replace("{", "{{").replace("}", "}}")

            return f'f"{literal(head)}{{n:0{width}d}}{literal(tail)}"', changed, TEST_ROWS
    return py_str(text), text, 1
