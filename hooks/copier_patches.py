"""The places where the template reaches into Copier's private internals (and its prompt's), and
nowhere else.

Copier has no public hook for any of them; tests/test_hooks.py checks that the installed Copier
still has what they use (`test_copier_still_has_what_the_patches_use`,
`test_the_questionnaire_patches_still_fit_copier`), so an upgrade that moves it fails there, not
quietly in a user's prompt or update.
"""

from __future__ import annotations

import contextvars
import importlib
from collections.abc import Collection
from typing import Any

import yaml

from .questionnaire import role_list, wrapped, yaml_problem

# What each patch relies on, by (module, attribute): checked by tests/test_hooks.py.
RELIES_ON = (
    ("copier._main", "_operation"),  # the ContextVar holding "copy", "update" or "recopy"
    # Its get_default_rendered, get_default, get_type_name, cast_answer, validate_answer and
    # get_questionary_structure.
    ("copier._user_data", "Question"),
    # The one-line toolbar under a text prompt, which PromptSession builds by this module's name.
    ("prompt_toolkit.shortcuts.prompt", "ValidationToolbar"),
)
_COMPUTING_A_DEFAULT = contextvars.ContextVar("computing_a_default", default=False)


def updating() -> bool:
    """Whether Copier runs an update (not a copy or a recopy, which render the answers as they
    are). True when Copier keeps the operation elsewhere: the update checks then run always."""
    try:
        from copier._main import _operation  # noqa: PLC0415 - Copier keeps the operation here
    except ImportError:
        return True
    return bool(_operation.get(None) == "update")


def show_yaml_defaults_as_written() -> None:
    """Copier shows a YAML question's default through `yaml.safe_dump`, which sorts mapping keys
    (copier-org/copier#1888): the resources would be shown, and on Enter accepted, with `name`
    after `fields` and every resource's fields in alphabetical order. Show them in their order."""
    try:
        from copier._user_data import Question  # noqa: PLC0415 - no public hook for this
    except ImportError:
        return
    shown = Question.get_default_rendered
    if getattr(shown, "keeps_key_order", False):
        return

    def get_default_rendered(self: Any) -> Any:
        default = self.get_default()
        if self.get_type_name() == "yaml" and isinstance(default, (list, dict)):
            flow = not self.get_multiline()
            return yaml.safe_dump(
                default, default_flow_style=flow, width=2**31 - 1, sort_keys=False
            ).strip()
        return shown(self)

    get_default_rendered.keeps_key_order = True  # type: ignore[attr-defined]
    Question.get_default_rendered = get_default_rendered  # type: ignore[method-assign]


def adapt_the_questionnaire(comma_lists: Collection[str]) -> None:
    """Copier's prompt (questionary over prompt_toolkit), once per process, for the questionnaire
    hooks/questionnaire.py describes: the questions in `comma_lists` take a comma-separated line,
    a YAML slip is named by line and column, a default is checked when submitted, and a problem
    is shown whole, wrapped between words."""
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

    replaced: tuple[tuple[Any, Any], ...] = (  # each patch and what it wraps, for the guard test
        (get_default, default),
        (validate_default_later, validate_answer),
        (cast_answer, cast),
        (get_questionary_structure, structure),
    )
    for patch, original in replaced:
        patch.__wrapped__ = original
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
    from prompt_toolkit.formatted_text import StyleAndTextTuples  # noqa: PLC0415
    from prompt_toolkit.layout import ConditionalContainer, Window  # noqa: PLC0415
    from prompt_toolkit.layout.controls import FormattedTextControl  # noqa: PLC0415

    class WrappedValidationToolbar:
        def __init__(self, show_position: bool = False) -> None:
            def text() -> StyleAndTextTuples:
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
