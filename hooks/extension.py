"""Copier's bridge to the design model: validates the answers and puts `design` in every template's context."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

sys.path.insert(0, str(Path(__file__).parent))

from design import Design, DesignError, build_design, wrap_call, wrap_condition  # noqa: E402

ANSWER_KEYS = (
    "project_name",
    "description",
    "api_prefix",
    "auth",
    "roles",
    "default_role",
    "open_signup",
    "async_db",
    "resources",
)

_cache: dict[str, Design] = {}


def design_from(answers: Any) -> Design:
    """Build (once per distinct set of answers) the design, or stop Copier with the problems."""
    picked = {key: answers.get(key) for key in ANSWER_KEYS}
    cache_key = json.dumps(picked, sort_keys=True, default=str)
    if cache_key not in _cache:
        try:
            _cache[cache_key] = build_design(picked)
        except DesignError as error:
            raise UserMessageError(error.message) from None
    return _cache[cache_key]


class DesignContext(ContextHook):
    """Adds the validated `design` to the context of every rendered file and path."""

    def hook(self, context: dict[str, Any]) -> None:
        if "resources" not in context:
            return  # still asking the questions that come before the design
        design = design_from(context)
        context["design"] = design
        context["aw"] = "await " if design.async_db else ""
        context["async_"] = "async " if design.async_db else ""


class DesignValidator(Extension):
    """`{{ check_design() }}` in a question's validator refuses a bad design before anything is written."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.globals["check_design"] = check_design
        environment.globals["call"] = wrap_call
        environment.globals["condition"] = wrap_condition


@pass_context
def check_design(context: Context) -> str:
    design_from(context)
    return ""
