"""Did you mean: the names a design may use that lie nearest a misspelt type, role, permission word
or resource, for the problem that names it to end with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches

# Types other languages and databases spell differently, and what the design language calls them.
TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "string": ("str", "text"),
    "varchar": ("str",),
    "char": ("str",),
    "textarea": ("text",),
    "integer": ("int",),
    "long": ("int",),
    "bigint": ("int",),
    "smallint": ("int",),
    "number": ("int", "float", "decimal"),
    "double": ("float",),
    "real": ("float",),
    "numeric": ("decimal",),
    "money": ("decimal",),
    "boolean": ("bool",),
    "timestamp": ("datetime",),
    "timestamptz": ("datetime",),
    "time": ("datetime",),
    "guid": ("uuid",),
    "uri": ("url",),
    "link": ("url",),
    "mail": ("email",),
    "e_mail": ("email",),
    "choice": ("enum(a, b)",),
    "select": ("enum(a, b)",),
    "reference": ("ref <resource>",),
    "foreign_key": ("ref <resource>",),
    "fk": ("ref <resource>",),
}
_LEADING_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def close_names(word: str, candidates: Iterable[str], limit: int = 2) -> tuple[str, ...]:
    """The candidates nearest `word`: its singular or plural first, then the closest spellings."""
    names = list(dict.fromkeys(candidates))
    lowered = word.strip().lower()
    exact = [n for n in names if n.lower() in (lowered, lowered.removesuffix("s"), lowered + "s")]
    close = get_close_matches(lowered, names, n=limit, cutoff=0.6)
    return tuple(dict.fromkeys([*exact, *close]))[:limit]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`" (did you mean 'agent'?)"` for a near miss, or empty when nothing is near."""
    return _phrase(close_names(word, candidates))


def type_suggestion(written: str, type_words: Iterable[str]) -> str:
    """`" (did you mean 'str' or 'text'?)"` for `string`, `string(200)` or `timestamp?`, given the
    words a type may start with (for a near miss that is no alias: `intger`, `bol`)."""
    match = _LEADING_WORD.match(written)
    words = tuple(type_words)
    if not match or match[1].lower() in words:
        return ""
    word = match[1].lower()
    return _phrase(TYPE_ALIASES.get(word) or close_names(word, words))


def _phrase(names: tuple[str, ...]) -> str:
    if not names:
        return ""
    return f" (did you mean {' or '.join(repr(n) for n in names)}?)"
