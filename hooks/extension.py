"""Copier's bridge to the design model: validates the answers and puts `design` in every template's context."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2.ext import Extension


def _load_design_module() -> ModuleType:
    """This template version's design.py, under a name of its own: an update loads two versions in one process."""
    path = Path(__file__).with_name("design.py")
    name = (
        f"copier_fastapi_spec_design_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]}"
    )
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it executes
        spec.loader.exec_module(module)
    return sys.modules[name]


_design = _load_design_module()
DesignError = _design.DesignError
build_design = _design.build_design
wrap_call = _design.wrap_call
wrap_condition = _design.wrap_condition

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

_cache: dict[str, Any] = {}  # design.Design, of this template version's module


def design_from(answers: Any) -> Any:
    """Build (once per distinct set of answers) the design, or stop Copier with the problems."""
    picked = {key: answers.get(key) for key in ANSWER_KEYS}
    for key in ("roles", "resources"):
        if isinstance(picked[key], str):  # `--data key=[...]` before Copier has parsed it
            with contextlib.suppress(yaml.YAMLError):
                picked[key] = yaml.safe_load(picked[key])
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
        if str(context.get("_copier_phase")) == "prompt" or any(
            k not in context for k in ANSWER_KEYS
        ):
            # Still asking: Copier would wrap an error raised now in a traceback. The design is
            # checked at the first render instead, before any file is written.
            return
        design = design_from(context)
        context["design"] = design
        context["aw"] = "await " if design.async_db else ""
        context["async_"] = "async " if design.async_db else ""


class DesignHelpers(Extension):
    """Layout helpers the templates call, so wrapped lines come out as ruff format writes them."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.globals["call"] = wrap_call
        environment.globals["condition"] = wrap_condition
        for name in ("requirement_name", "requirement_range", "md_cell", "md_code"):
            environment.filters[name] = getattr(_design, name)
