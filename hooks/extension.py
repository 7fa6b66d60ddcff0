"""Copier's bridge to the design model: validates the answers and puts `design` in every context.

Copier loads this file by path, twice in one process during an update (the old and the new
template version), so the `hooks` package is imported under a name unique to its folder.
"""

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
from jinja2 import Environment, Template
from jinja2.ext import Extension

HOOKS = Path(__file__).resolve().parent
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


def _hooks_package() -> str:
    """Import this template version's `hooks` package under a name of its own; return that name."""
    name = f"copier_fastapi_spec_{hashlib.sha1(str(HOOKS).encode()).hexdigest()[:12]}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, HOOKS / "__init__.py", submodule_search_locations=[str(HOOKS)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return name


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{_hooks_package()}.{name}")


_validate, _literals, _tree = _module("validate"), _module("literals"), _module("tree")
_cache: dict[str, Any] = {}  # design.Design, of this template version's package


def design_from(answers: Any) -> Any:
    """Build (once per distinct set of answers) the design, or stop Copier with the problems."""
    picked = {key: answers.get(key) for key in ANSWER_KEYS}
    for key in ("roles", "resources"):
        if isinstance(picked[key], str):  # `--data key=[...]` before Copier has parsed it
            with contextlib.suppress(yaml.YAMLError):
                picked[key] = yaml.safe_load(picked[key])
    cache_key = json.dumps(picked, default=str)  # answers keep their order
    if cache_key not in _cache:
        try:
            _cache[cache_key] = _validate.build_design(picked)
        except _module("design").DesignError as error:
            raise UserMessageError(error.message) from None
    return _cache[cache_key]


class DesignContext(ContextHook):
    """Adds the validated `design` to the context of every rendered file, path and task."""

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


class DesignFilters(Extension):
    """Filters that escape design text for the file it lands in, and the spec's file tree."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        for name in ("py_str", "toml_str", "md_cell", "md_code", "md_text"):
            environment.filters[name] = getattr(_literals, name)
        environment.globals["project_tree"] = self._project_tree
        environment.globals["python_files"] = _tree.python_files

    def _project_tree(self, design: Any) -> str:
        compiled: dict[str, Template] = {}  # the per-resource files share their docstrings

        def render(text: str, resource: Any) -> str:
            if text not in compiled:
                compiled[text] = self.environment.from_string(text)
            return compiled[text].render(design=design, r=resource)

        return str(_tree.project_tree(design, render))
