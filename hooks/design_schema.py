"""The JSON Schema of a design file (`design.yml`, `examples/*.yml`), for editors to check as you
type. It says what a schema can: the keys, their shapes, the names' form, the type words a field
starts with. The design model (`validate.build_design`) stays the authority: it refuses what a
schema cannot say (a `ref` to a missing resource, a default outside a range) with its own message.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .jobs import JOB_TRIGGER
from .kinds import SCALAR_TYPES
from .links import LINK_KEYS
from .naming import IDENTIFIER
from .parsing import FIELD_KEYS
from .permissions import PERMISSION_KEYS
from .validate import API_PREFIX, AUTH_MODES, RESOURCE_KEYS

COPIER_YML = Path(__file__).resolve().parent.parent / "copier.yml"
SCHEMA_FILE = "design.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# What Copier's question types hold, in JSON Schema's words.
QUESTION_TYPES = {"str": "string", "bool": "boolean", "int": "integer", "float": "number"}
TYPE_WORDS = (*SCALAR_TYPES, "enum", "ref", "refs")


def _name(what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": IDENTIFIER.pattern,
        "description": f"The {what}'s name, in snake_case (lower-case letters, digits, single underscores).",
    }


def _words(description: str, *, none: bool) -> dict[str, Any]:
    """One word or a list of them (the design model takes either); `none`: the list may be empty."""
    word = {"type": "string", "minLength": 1}
    words = {"type": "array", "items": word, "minItems": 0 if none else 1}
    return {"description": description, "oneOf": [word, words]}


def _field_type() -> dict[str, Any]:
    words = "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True))
    return {
        "type": "string",
        "pattern": rf"^\s*({words})\b",
        "description": (
            "A type, then `?` for optional, a range or length, `unique`, `searchable` and "
            "`= default`: e.g. `str(200)?`, `int >= 1`, `enum(low, high) = low`, `ref author`, "
            "`refs tag`."
        ),
        "examples": ["str(200)", "text?", "int 1..5000", "enum(open, closed) = open", "ref author"],
    }


def _field() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "type": {"$ref": "#/$defs/field_type"},
        "description": {"type": "string"},
        "example": {"description": "A value the spec and OpenAPI show, kept by the samples."},
        "pattern": {"type": "string", "description": "A regular expression the value matches."},
        "write": _words("The roles that may set the field; others leave it out.", none=False),
    }
    assert set(properties) == set(FIELD_KEYS) >= set(LINK_KEYS)
    mapping = {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": properties,
    }
    return {"oneOf": [{"$ref": "#/$defs/field_type"}, mapping]}


def _resource() -> dict[str, Any]:
    combination = {"type": "array", "items": {"type": "string"}, "minItems": 2}
    properties = {
        "name": _name("resource"),
        "plural": _name("plural"),
        "description": {"type": "string"},
        "owned": {
            "type": "boolean",
            "description": "Each row belongs to the account that made it.",
        },
        "timestamps": {"type": "boolean", "description": "Adds created_at and updated_at."},
        "fields": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": IDENTIFIER.pattern},
            "additionalProperties": {"$ref": "#/$defs/field"},
        },
        "unique": {
            "description": "Fields no two rows may share together, or a list of such lists.",
            "oneOf": [combination, {"type": "array", "items": combination, "minItems": 1}],
        },
        "permissions": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                action: _words(
                    f"Who may {action}: roles, public, authenticated, owner; [] for no one.",
                    none=True,
                )
                for action in PERMISSION_KEYS
            },
        },
        "jobs": {
            "type": "object",
            "description": "Background jobs: name -> `after create, update, delete` or `cron 0 3 * * *`.",
            "propertyNames": {"pattern": IDENTIFIER.pattern},
            "additionalProperties": {"type": "string", "pattern": JOB_TRIGGER},
        },
    }
    assert tuple(properties) == RESOURCE_KEYS
    return {
        "type": "object",
        "required": ["name", "fields"],
        "additionalProperties": False,
        "properties": properties,
    }


def _questions() -> dict[str, dict[str, Any]]:
    """Every question of copier.yml, typed as Copier types its answer."""
    questions = yaml.safe_load(COPIER_YML.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = {}
    for name, question in questions.items():
        if name.startswith("_") or not isinstance(question, dict):
            continue
        schema: dict[str, Any] = {}
        help_text = str(question.get("help", ""))
        if help_text and "{{" not in help_text:
            schema["description"] = help_text.splitlines()[0]  # the rest is for the prompt
        if isinstance(question.get("choices"), list):
            schema["enum"] = list(question["choices"])
        elif question.get("type") in QUESTION_TYPES:
            schema["type"] = QUESTION_TYPES[question["type"]]
        found[name] = schema
    return found


@cache
def design_schema() -> dict[str, Any]:
    """The schema of a design file: copier.yml's answers, `roles` and `resources` in full."""
    properties = _questions()
    properties["auth"]["enum"] = list(AUTH_MODES)
    properties["api_prefix"]["pattern"] = rf"^({API_PREFIX.pattern})/*$"
    # Where a first copy's questions start, not part of a design: never recorded, and not asked
    # over a design file.
    del properties["starting_design"]
    properties["roles"] = {
        # The questionnaire takes them as a comma-separated line; a file holds them as a list.
        "description": "The roles, as a list; the first is the administrator",
        "type": "array",
        "items": _name("role"),
        "minItems": 1,
    }
    properties["resources"] = {
        "description": properties["resources"].get("description", ""),
        "type": "array",
        "items": {"$ref": "#/$defs/resource"},
        "minItems": 1,
    }
    return {
        "$schema": DRAFT,
        "title": "A copier-fastapi-spec design",
        "description": (
            "The answers copier-fastapi-spec renders a project from (README: the design language). "
            "The design model checks the rest when Copier runs."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": {"resource": _resource(), "field": _field(), "field_type": _field_type()},
    }


def design_schema_json() -> str:
    """The schema as the file `design.schema.json` holds it."""
    return json.dumps(design_schema(), indent=2, ensure_ascii=False) + "\n"
