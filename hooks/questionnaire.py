"""The questionnaire as a person meets it: the starting designs offered first, a roles answer
written as a plain line, YAML slips named by line and column, and every problem of an answer shown
in full, wrapped to the terminal.

These are plain functions, unit-tested; Copier's prompt (questionary over prompt_toolkit) has no
setting for any of this, and hooks/copier_patches.py (`adapt_the_questionnaire`) applies them to it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_START = "library"  # the design written in copier.yml: what --defaults renders
MINIMAL_START = "minimal"
# One resource, nothing to delete: where a design of one's own begins.
MINIMAL_DESIGN: dict[str, Any] = {
    "roles": ["admin", "member"],
    "resources": [
        {
            "name": "item",
            "description": "Rename me, and give me the fields you need.",
            "fields": {"name": "str(120)"},
            "permissions": {"read": ["public"], "create": ["admin"], "update": ["admin"]},
        }
    ],
}
_ROLE_SEPARATORS = re.compile(r"[,\s]+")
_MODELINE = "# yaml-language-server:"


def starting_designs() -> list[tuple[str, str]]:
    """The designs the first question offers, in order: each one's label and value (short: a
    choice longer than the terminal is cut)."""
    choices = [("A lending library: authors, books, loans (the default)", DEFAULT_START)]
    for path in sorted(EXAMPLES.glob("*.yml")):
        # Its first comment says what it is (after the modeline naming the schema for editors).
        first = next(
            (
                line.lstrip("# ")
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("#") and not line.startswith(_MODELINE)
            ),
            path.stem,
        )
        summary = re.split(r"[:;(]", first)[0].strip()
        choices.append((f"{summary} (examples/{path.name})", path.stem))
    choices.append(("Minimal: one resource to rename and grow", MINIMAL_START))
    return choices


def starting_answers(start: str) -> dict[str, Any]:
    """The answers a starting design gives the questions after it; empty for the default design,
    whose answers copier.yml writes out."""
    if start == MINIMAL_START:
        return MINIMAL_DESIGN
    path = EXAMPLES / f"{start}.yml"
    if start == DEFAULT_START or not path.is_file():
        return {}
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    return answers if isinstance(answers, dict) else {}


def starting_resources(start: str) -> str:
    """The resources of a starting design, as YAML text for the resources question's editor."""
    resources = starting_answers(start).get("resources") or []
    return yaml.safe_dump(resources, sort_keys=False, allow_unicode=True, width=100)


def role_list(answer: object) -> object:
    """A roles answer as a list: `admin, agent, customer` (or the same with spaces) is what people
    type; anything else is left for the roles check to name."""
    if isinstance(answer, str):
        return [role for role in _ROLE_SEPARATORS.split(answer) if role]
    return answer


def listed(problems: Sequence[str]) -> str:
    """An answer's problems, one a line, counted when there are several."""
    if len(problems) < 2:
        return "".join(problems)
    return f"{len(problems)} problems:\n" + "\n".join(f"- {p}" for p in problems)


def yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML slip, by line and column of the answer, and what the parser expected there."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "the answer"
    context = getattr(error, "context", None)
    hint = "; indent with spaces, not tabs" if "'\\t'" in problem else ""
    return f"not valid YAML at {where}: {problem}{f' ({context})' if context else ''}{hint}"


def wrapped(message: str, width: int) -> list[str]:
    """The message's lines wrapped at `width` between words; a listed problem's continuation lines
    are indented under its text."""
    width = max(width, 20)
    lines: list[str] = []
    for line in message.splitlines() or [""]:
        indent = "  " if line.startswith("- ") else ""
        lines += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [
            ""
        ]
    return lines
