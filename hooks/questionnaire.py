"""The questionnaire as a person meets it: the starting designs offered first, a roles answer
written as a plain line, YAML slips named by line and column, and every problem of an answer shown
in full, wrapped to the terminal.

The pure functions are unit-tested; `install` adapts Copier's prompt (questionary over
prompt_toolkit), which has no setting for any of this, and is applied once per process.
"""

from __future__ import annotations

import contextvars
import importlib
import re
import textwrap
from collections.abc import Collection, Sequence
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
_COMPUTING_A_DEFAULT = contextvars.ContextVar("computing_a_default", default=False)


def starting_designs() -> list[tuple[str, str]]:
    """The designs the first question offers, in order: each one's label and value (short: a
    choice longer than the terminal is cut)."""
    choices = [("A lending library: authors, books, loans (the default)", DEFAULT_START)]
    for path in sorted(EXAMPLES.glob("*.yml")):
        first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
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


def install(comma_lists: Collection[str]) -> None:
    """Adapt Copier's prompt, once per process (Copier loads the extension once per template)."""
    try:
        from copier._user_data import Question  # noqa: PLC0415 - no public hook for this
    except ImportError:
        return
    if getattr(Question.cast_answer, "questionnaire", False):
        return
    cast, structure = Question.cast_answer, Question.get_questionary_structure
    default, validate_answer = Question.get_default, Question.validate_answer

    def get_default(self: Any) -> Any:
        # Copier checks a default as it computes it, and reports a complaint with a traceback,
        # before the person could edit it (a starting design whose roles were changed). A
        # default is checked when it is submitted, or with --defaults, at the design's check
        # before rendering, which names every problem.
        token = _COMPUTING_A_DEFAULT.set(True)
        try:
            return default(self)
        finally:
            _COMPUTING_A_DEFAULT.reset(token)

    def validate_default_later(self: Any, answer: Any) -> None:
        if not _COMPUTING_A_DEFAULT.get():
            validate_answer(self, answer)

    def cast_answer(self: Any, answer: Any) -> Any:
        value = cast(self, answer)
        return role_list(value) if self.var_name in comma_lists else value

    def get_questionary_structure(self: Any) -> Any:
        result = structure(self)
        checked = result.get("validate")
        if checked is None or self.get_type_name() != "yaml":
            return result

        def validate(answer: str) -> Any:
            try:
                yaml.safe_load(answer)
            except yaml.YAMLError as error:
                return yaml_problem(error)
            return checked(answer)

        result["validate"] = validate
        return result

    cast_answer.questionnaire = True  # type: ignore[attr-defined]
    Question.cast_answer = cast_answer  # type: ignore[method-assign]
    Question.get_questionary_structure = get_questionary_structure  # type: ignore[method-assign]
    Question.get_default = get_default  # type: ignore[method-assign]
    Question.validate_answer = validate_default_later  # type: ignore[method-assign]
    # PromptSession (questionary's text input) builds its layout from this module's name.
    session_module = importlib.import_module("prompt_toolkit.shortcuts.prompt")
    session_module.ValidationToolbar = _validation_toolbar_class()  # type: ignore[attr-defined]


def _validation_toolbar_class() -> type:
    """prompt_toolkit's validation toolbar is one line high: a message is cut at the terminal's
    width and its lines after the first are never shown. This one is as high as the message,
    wrapped between words."""
    from prompt_toolkit.application.current import get_app  # noqa: PLC0415
    from prompt_toolkit.filters import has_validation_error  # noqa: PLC0415
    from prompt_toolkit.layout import ConditionalContainer, Window  # noqa: PLC0415
    from prompt_toolkit.layout.controls import FormattedTextControl  # noqa: PLC0415

    class WrappedValidationToolbar:
        def __init__(self, show_position: bool = False) -> None:
            def text() -> list[tuple[str, str]]:
                app = get_app()
                error = app.current_buffer.validation_error
                if error is None:
                    return []
                width = app.output.get_size().columns - 1
                return [("class:validation-toolbar", "\n".join(wrapped(error.message, width)))]

            self.container = ConditionalContainer(
                Window(FormattedTextControl(text), wrap_lines=True, dont_extend_height=True),
                filter=has_validation_error,
            )

        def __pt_container__(self) -> ConditionalContainer:
            return self.container

    return WrappedValidationToolbar
