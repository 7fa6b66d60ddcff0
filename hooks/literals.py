"""Values written into the rendered files, escaped for the language of each file.

Templates place design text (descriptions, examples, defaults, names) with these filters, so a
quote, a backslash, a newline or `{{ }}` in the design lands as the same text in Python, TOML,
YAML and Markdown alike.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

# ruff's line-length in the rendered pyproject.toml (rendered from here): the longest line the
# rendered Python may have.
LINE_LENGTH = 100
_PY_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_str(text: object) -> str:
    """A double-quoted Python string literal, as ruff format writes it."""
    out = []
    for char in str(text):
        if char in _PY_ESCAPES:
            out.append(_PY_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_str(text: object) -> str:
    """A TOML basic string (double quotes): JSON's escapes are valid TOML escapes."""
    return json.dumps(str(text), ensure_ascii=False)


def md_cell(text: object) -> str:
    """Text that stays inside one cell of a Markdown table and renders as written."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r\n", " ")
        .replace("\n", " ")
        .replace("<", "&lt;")
    )


def md_text(text: object) -> str:
    """A paragraph of design text in Markdown: one line, HTML left inert."""
    return " ".join(str(text).split()).replace("<", "&lt;")


def md_code(text: object) -> str:
    """A Markdown code span that holds any text, backticks included."""
    value = str(text)
    fence = "`"
    while fence in value:
        fence += "`"
    # CommonMark takes a space off each end of a span that has one at both (and is not all spaces).
    spaced = value.startswith(" ") and value.endswith(" ") and value.strip(" ")
    pad = " " if value.startswith("`") or value.endswith("`") or spaced else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def json_ready(value: Any) -> Any:
    """A default or example as JSON shows it: dates and decimals as strings."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    return value


def py_json_literal(value: Any) -> str:
    """A JSON-ready value as Python source (for OpenAPI examples)."""
    value = json_ready(value)
    if isinstance(value, str):
        return py_str(value)
    return repr(value)


def display(value: Any) -> str:
    """A value as the spec's prose shows it: `true`, `null`, `9.99`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(json_ready(value))


def py_regex(pattern: str) -> str:
    """A regular expression as Python source: a raw string where one can hold it, as people write them."""
    if '"' in pattern or "\n" in pattern or pattern.endswith("\\") or not pattern.isprintable():
        return py_str(pattern)
    return f'r"{pattern}"'
