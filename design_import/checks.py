"""CHECK constraints read as the design's rules: `price >= 0 AND price < 1000` (a range),
`length(title) >= 3` (a minimum length), `status IN ('a', 'b')` (an enum's values), as SQLite keeps
them and as PostgreSQL writes them back (`((price >= (0)::numeric))`, `= ANY (ARRAY[...])`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

CAST = re.compile(
    r"::\s*(?:double precision|character varying|timestamp with(?:out)? time zone|[a-z_]+)"
    r"(?:\(\d+(?:\s*,\s*\d+)?\))?(?:\[\])?",
    re.I,
)
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_NAME = r'"?([A-Za-z_][A-Za-z0-9_]*)"?'
_COMPARE = re.compile(rf"^{_NAME}\s*(>=|<=|>|<)\s*({_NUMBER})$")
_COMPARE_FLIPPED = re.compile(rf"^({_NUMBER})\s*(>=|<=|>|<)\s*{_NAME}$")
_BETWEEN = re.compile(rf"^{_NAME}\s+BETWEEN\s+({_NUMBER})\s+AND\s+({_NUMBER})$", re.I)
_LENGTH = re.compile(rf"^(?:length|char_length)\s*\(\s*{_NAME}\s*\)\s*>=\s*(\d+)$", re.I)
_IN = re.compile(rf"^{_NAME}\s+IN\s*\((.*)\)$", re.I | re.S)
_ANY = re.compile(rf"^{_NAME}\s*=\s*ANY\s*\(\s*ARRAY\s*\[(.*)\]\s*\)$", re.I | re.S)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}


@dataclass
class ColumnRules:
    """What the CHECK constraints say of one column."""

    lower: tuple[Decimal, bool] | None = None  # (value, inclusive)
    upper: tuple[Decimal, bool] | None = None
    min_length: int | None = None
    values: tuple[str, ...] = ()
    sources: list[str] = field(default_factory=list)  # the constraints' names


def normalized(sql: str) -> str:
    """The condition without PostgreSQL's casts and redundant parentheses."""
    text = CAST.sub("", sql).strip()
    previous = None
    while previous != text:
        previous = text
        text = re.sub(
            rf"(?<![A-Za-z0-9_])\(\s*({_NUMBER}|\"?[A-Za-z_][A-Za-z0-9_]*\"?)\s*\)", r"\1", text
        )
        text = re.sub(r"\(\s*(\(.*\))\s*\)$", r"\1", text)  # ((...)) -> (...)
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()
        text = re.sub(r"(?<![A-Za-z_])\(\s*('(?:[^']|'')*')\s*\)", r"\1", text)
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _conjuncts(text: str) -> list[str]:
    """`a AND b AND c`, split at the top level (a BETWEEN's AND kept)."""
    parts, depth, start, i = [], 0, 0, 0
    upper = text.upper()
    while i < len(text):
        char = text[i]
        if char == "'":
            i = text.index("'", i + 1) + 1 if "'" in text[i + 1 :] else len(text)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and upper.startswith(" AND ", i):
            head = text[start:i]
            if re.search(r"\bBETWEEN\s+\S+$", head, re.I):
                i += 5
                continue
            parts.append(head)
            start = i = i + 5
            continue
        i += 1
    parts.append(text[start:])
    return [normalized(part) for part in parts]


def read_check(sql: str) -> dict[str, ColumnRules] | None:
    """The rules a CHECK condition states, per column; None when any part of it is not a rule
    the design language has (such a constraint is reported, never half-read)."""
    found: dict[str, ColumnRules] = {}
    for part in _conjuncts(normalized(sql)):
        if not _read_part(part, found):
            return None
    return found


def _read_part(part: str, found: dict[str, ColumnRules]) -> bool:
    if match := _COMPARE.match(part):
        column, operator, number = match.groups()
    elif match := _COMPARE_FLIPPED.match(part):
        number, operator, column = match.groups()
        operator = _FLIP[operator]
    elif match := _BETWEEN.match(part):
        column, low, high = match.groups()
        rules = found.setdefault(column, ColumnRules())
        return _bound(rules, ">=", Decimal(low)) and _bound(rules, "<=", Decimal(high))
    elif match := _LENGTH.match(part):
        rules = found.setdefault(match[1], ColumnRules())
        if rules.min_length is not None:
            return False
        rules.min_length = int(match[2])
        return True
    elif match := _IN.match(part) or _ANY.match(part):
        listed = match[2]
        values = tuple(v.replace("''", "'") for v in _QUOTED.findall(listed))
        if not values or _QUOTED.sub("", listed).replace(",", "").strip():
            return False
        rules = found.setdefault(match[1], ColumnRules())
        rules.values = values
        return True
    else:
        return False
    return _bound(found.setdefault(column, ColumnRules()), operator, Decimal(number))


def _bound(rules: ColumnRules, operator: str, number: Decimal) -> bool:
    bound = (number, "=" in operator)
    if operator.startswith(">"):
        if rules.lower is not None:
            return False
        rules.lower = bound
    else:
        if rules.upper is not None:
            return False
        rules.upper = bound
    return True
