"""Copier's bridge to the design model: validates the answers and puts `design` in every context.

`extension.py` is the file Copier loads; the classes here are what it hands to Copier: the
`design` context (`DesignContext`) and the filters and globals templates use (`DesignFilters`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from copier.errors import UserMessageError
from copier_template_extensions import ContextHook
from jinja2 import Environment, Template, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

from . import (
    contract,
    demo_rows,
    design_file,
    design_schema,
    enum_checks,
    evolution,
    jobs,
    literals,
    model_fields,
    questionnaire,
    spec_database,
    spec_examples,
    spec_models,
    tree,
    validate,
)
from .column_types import DECIMAL_DIGITS, DECIMAL_PLACES
from .copier_patches import adapt_the_questionnaire, show_yaml_defaults_as_written, updating
from .dependencies import requirements_for
from .design import DesignError
from .kinds import MAX_SAFE_INTEGER
from .literals import LINE_LENGTH

# The design's questions, in copier.yml's order.
QUESTIONS = (
    "project_name",
    "description",
    "api_prefix",
    "auth",
    "roles",
    "default_role",
    "open_signup",
    "admin_view",
    "async_db",
    "background_jobs",
    "resources",
    "design_source",
)
# Answers a design has only when they are set: a project that never answered them keeps its
# checksum and its design file.
OPTIONAL_KEYS = ("admin_view", "design_source")
ANSWER_KEYS = tuple(key for key in QUESTIONS if key not in OPTIONAL_KEYS)

_cache: dict[str, Any] = {}  # the design of each distinct set of answers
_checked: set[str] = set()  # (destination, its answers file, new answers) already checked
# The answers (as objects) and the answers file last checked, and their design.
_last_checked: list[Any] = []
UPDATE_GUIDE = (
    "change the design with `copier update --trust --defaults --data-file design.yml` "
    '(or --data resources=...), as README\'s "Changing the design" shows'
)


def picked_answers(answers: Any) -> dict[str, Any]:
    """The design's answers, parsed: `--data key=[...]` reaches a hook as text."""
    picked = {key: answers.get(key) for key in ANSWER_KEYS}
    if picked["background_jobs"] in (None, "none"):
        del picked["background_jobs"]  # the default is left out, as before it was asked
    for key in ("roles", "resources"):
        if isinstance(picked[key], str):
            with contextlib.suppress(yaml.YAMLError):
                picked[key] = yaml.safe_load(picked[key])
    picked["roles"] = questionnaire.role_list(picked["roles"])  # `admin, agent`: a list
    given = {key: value for key in OPTIONAL_KEYS if (value := _set(key, answers.get(key)))}
    return {
        key: given.get(key, picked.get(key)) for key in QUESTIONS if key in picked or key in given
    }


def _set(key: str, answer: Any) -> Any:
    """An optional answer when it is set, else None: `admin_view` when on (`--data admin_view=true`
    reaches a hook as text), `design_source` when not empty."""
    if key == "admin_view":
        return True if answer is True or str(answer).lower() in ("true", "yes", "1") else None
    return str(answer).strip() or None if answer else None


def design_from(answers: Any) -> Any:
    """Build (once per distinct set of answers) the design, or stop Copier with the problems."""
    picked = picked_answers(answers)
    cache_key = json.dumps(picked, default=str)  # answers keep their order
    if cache_key not in _cache:
        try:
            _cache[cache_key] = validate.build_design(picked)
        except DesignError as error:
            raise UserMessageError(error.message) from None
    return _cache[cache_key]


def answers_on_disk(conf: Any) -> tuple[str, dict[str, Any]]:
    """The destination's answers file as it is before this render: its text and its answers."""
    path = Path(str(conf["dst_path"])) / str(conf["answers_file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "", {}
    return text, _parsed_answers(text)


@functools.lru_cache(maxsize=8)
def _parsed_answers(text: str) -> dict[str, Any]:
    try:
        answers = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return answers if isinstance(answers, dict) else {}


def check_update(context: dict[str, Any]) -> None:
    """Before the first file of an update is written: refuse an answers file edited by hand (the
    edit would never reach the code) and removals that were not confirmed."""
    conf = context["_copier_conf"]
    text, last = answers_on_disk(conf)
    if not last:
        return
    picked = picked_answers(context)
    design = json.dumps(picked, default=str)
    key = "\0".join((str(conf["dst_path"]), text, design, str(context.get("confirm_removal"))))
    if key in _checked:
        return
    _checked.add(key)
    last_picked = picked_answers(last)
    if updating() and evolution.edited_by_hand(text, last_picked, tuple(last_picked)):
        raise UserMessageError(
            f"Nothing was changed: {conf['answers_file']} was edited by hand since Copier wrote "
            "it, and an update never carries such an edit into the code (it compares two renders "
            "of the same answers). Undo the edit (git checkout -- "
            f"{conf['answers_file']}) and {UPDATE_GUIDE}."
        )
    removed = evolution.removed_parts(last.get("resources"), picked["resources"])
    if removed and evolution.confirmation_problem(removed, context.get("confirm_removal")):
        names = ", ".join(removed)
        raise UserMessageError(
            f"Nothing was changed: the new design removes {names}, and with it their code "
            "(models, routes, services, tests, rules files) and, once migrated, their data. "
            "A data file replaces the whole `resources` list: if that was not meant, list every "
            f"resource in it. To remove them, confirm with --data confirm_removal='{names}'."
        )


@pass_context
def answer_problem(context: Context, question: str) -> str:
    """What the prompt shows under an answer the design cannot take, so it is fixed in place.
    Answers given with --data or kept from the last render are left to the whole design's check
    before rendering, which names every problem in one message (Copier reports a question's
    complaint about those with a traceback)."""
    conf = context["_copier_conf"]
    answer = context.get(question)
    if question in (conf["data"] or {}) or answer == answers_on_disk(conf)[1].get(question):
        return ""
    problems = validate.answer_problems(question, picked_answers(context))
    # Only this answer's own: an earlier answer given with --data is named at the design's check.
    others = tuple(f"{key}: " for key in ANSWER_KEYS if key != question)
    own = [p.removeprefix(f"{question}: ") for p in problems if not p.startswith(others)]
    return questionnaire.listed(own)


@pass_context
def removals(context: Context) -> list[str]:
    """What the design being answered removes from the destination's recorded one."""
    _, last = answers_on_disk(context["_copier_conf"])
    removed: list[str] = evolution.removed_parts(
        last.get("resources"), picked_answers(context)["resources"]
    )
    return removed


@pass_context
def removal_problem(context: Context) -> str:
    """An interactive confirmation that does not name exactly what is removed; empty otherwise
    (an empty answer is refused before rendering, with the way to confirm)."""
    answer = context.get("confirm_removal")
    if not answer or "confirm_removal" in (context["_copier_conf"]["data"] or {}):
        return ""
    return str(evolution.confirmation_problem(removals(context), answer))


show_yaml_defaults_as_written()
adapt_the_questionnaire(comma_lists=("roles",))


@pass_context
def asks_a_starting_design(context: Context) -> bool:
    """Whether the first question is asked: on a first copy (no answers recorded yet) whose
    resources were not given (--data-file design.yml brings a whole design to start from)."""
    conf = context["_copier_conf"]
    given = conf["data"] or {}
    return not updating() and not answers_on_disk(conf)[1] and "resources" not in given


@pass_context
def relative_template_warning(context: Context) -> str:
    """A warning for a template recorded by a relative path, which `copier update` would resolve
    from wherever it runs, and then call "not git-tracked"; empty for a path or URL that lasts."""
    source = str(context["_copier_answers"].get("_src_path") or "")
    if (
        not source
        or re.match(r"^[\w+.-]+:|^git@", source)
        or Path(source).expanduser().is_absolute()
    ):
        return ""
    return (
        f"Warning: the template is recorded by the relative path {source!r}, which `copier update`"
        ' would resolve from the project\'s folder and reject as "not git-tracked". Record it '
        f"by its absolute path now: in {context['_copier_conf']['answers_file']}, set\n"
        f"  _src_path: {Path(source).resolve()}\n"
        "(the one line there to edit by hand), then commit."
    )


@pass_context
def async_db_switched(context: Context) -> bool:
    """Whether this update changed `async_db`: the answers file committed before it (Copier
    updates only a clean repository) against this render's answer. False when unknown."""
    conf = context["_copier_conf"]
    try:
        shown = subprocess.run(
            ["git", "show", f"HEAD:./{Path(str(conf['answers_file'])).as_posix()}"],
            cwd=str(conf["dst_path"]),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return False
    if shown.returncode != 0:
        return False
    before = _parsed_answers(shown.stdout).get("async_db")
    return before is not None and bool(before) != bool(context.get("async_db"))


def _checked_design(context: dict[str, Any]) -> Any:
    """`design_from` and `check_update`, done again only when an answer or the answers file changed.

    Copier builds a context for every file, path and task it renders (hundreds per copy), each from
    the same answer objects: comparing those by identity skips re-serialising the whole design.
    """
    conf = context["_copier_conf"]
    seen = (
        *(context.get(key) for key in (*ANSWER_KEYS, *OPTIONAL_KEYS)),
        context.get("confirm_removal"),
        str(conf["dst_path"]),
        answers_on_disk(conf)[0],
    )
    if _last_checked:
        last_seen, design = _last_checked
        if all(
            a is b or (isinstance(a, str) and a == b) for a, b in zip(last_seen, seen, strict=True)
        ):
            return design
    design = design_from(context)
    check_update(context)
    _last_checked[:] = [seen, design]
    return design


class DesignContext(ContextHook):
    """Adds the validated `design` to the context of every rendered file, path and task."""

    def hook(self, context: dict[str, Any]) -> None:
        if str(context.get("_copier_phase")) == "prompt" or any(
            k not in context for k in ANSWER_KEYS
        ):
            # Still asking: Copier would wrap an error raised now in a traceback. The design is
            # checked at the first render instead, before any file is written.
            return
        design = _checked_design(context)
        context["design"] = design
        context["aw"] = "await " if design.async_db else ""
        context["async_"] = "async " if design.async_db else ""


class DesignFilters(Extension):
    """Filters that escape design text for the file it lands in, and the spec's file tree."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        for name in ("py_str", "toml_str", "md_cell", "md_code", "md_text"):
            environment.filters[name] = getattr(literals, name)
        environment.globals["project_tree"] = self._project_tree
        environment.globals["python_files"] = tree.python_files
        environment.globals["api_contract_json"] = contract.contract_json
        environment.globals["demo_plan"] = demo_rows.demo_plan
        environment.globals["answer_problem"] = answer_problem
        environment.globals["removals"] = removals
        environment.globals["removal_problem"] = removal_problem
        environment.globals["relative_template_warning"] = relative_template_warning
        environment.globals["async_db_switched"] = async_db_switched
        # The questionnaire's first question: a starting design, and the answers it gives.
        environment.globals["asks_a_starting_design"] = asks_a_starting_design
        for name in ("starting_designs", "starting_answers", "starting_resources"):
            environment.globals[name] = getattr(questionnaire, name)
        environment.globals["design_schema_json"] = design_schema.design_schema_json
        environment.globals["design_file"] = self._design_file
        environment.globals["spec_examples"] = spec_examples
        environment.globals["spec_models"] = spec_models
        environment.globals["database_effect"] = spec_database.database_effect
        environment.globals["role_check"] = enum_checks.role_check
        environment.globals["enum_columns"] = enum_checks.enum_columns
        environment.globals["unlisted_value"] = enum_checks.unlisted_value
        environment.filters["design_checksum"] = self._design_checksum
        environment.filters["dict_without"] = self._dict_without
        # A model field's `Field(...)` keywords; the numbers the rendered files state once.
        environment.globals["table_field"] = model_fields.table_field
        environment.globals["update_field"] = model_fields.update_field
        environment.globals["DECIMAL_DIGITS"] = DECIMAL_DIGITS
        environment.globals["DECIMAL_PLACES"] = DECIMAL_PLACES
        environment.globals["MAX_SAFE_INTEGER"] = MAX_SAFE_INTEGER
        environment.globals["LINE_LENGTH"] = LINE_LENGTH
        environment.globals["jobs_after"] = jobs.jobs_after
        environment.globals["RETRIES"] = jobs.RETRIES
        environment.globals["RETRY_DELAY_SECONDS"] = jobs.RETRY_DELAY_SECONDS
        environment.globals["all_jobs"] = lambda design: jobs.jobs_of(design.resources)
        environment.globals["broker_dependencies"] = lambda: requirements_for(
            jwt=False, async_db=False, broker=True
        )

    @staticmethod
    def _dict_without(mapping: Any, key: str) -> dict[str, Any]:
        """The answers to remember, without a one-off answer (a confirmation holds for one update)
        or `background_jobs: none`, the default (answers files from before the question match)."""
        return {
            k: v
            for k, v in mapping.items()
            if k != key and not (k == "background_jobs" and v == "none")
        }

    @staticmethod
    def _design_file(answers: Any) -> str:
        return design_file.design_file_text(picked_answers(answers))

    @staticmethod
    def _design_checksum(answers: Any) -> str:
        picked = picked_answers(answers)
        return str(evolution.design_checksum(picked, tuple(picked)))

    def _project_tree(self, design: Any) -> str:
        compiled: dict[str, Template] = {}  # the per-resource files share their docstrings

        def render(text: str, resource: Any) -> str:
            if text not in compiled:
                compiled[text] = self.environment.from_string(text)
            return compiled[text].render(design=design, r=resource)

        return str(tree.project_tree(design, render))
