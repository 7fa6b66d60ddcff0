"""The design where its authors keep it: `design.yml` in every project, applied with
`copier update --data-file design.yml`, and the JSON Schema an editor checks it against."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, note, settings

from tests.conftest import DESIGNS, design_data
from tests.helpers import ROOT
from tests.test_design_fuzz import (
    BASE_SETTINGS,
    LONG_RUN,
    MODEL_EXAMPLES,
    invalid_designs,
    valid_designs,
)
from tests.test_update import answers, commit, conflicts, copier_cli, new_project, status

sys.path.insert(0, str(ROOT))
from hooks.copier_bridge import OPTIONAL_KEYS, QUESTIONS, picked_answers  # noqa: E402
from hooks.design_file import design_file_text  # noqa: E402
from hooks.design_schema import SCHEMA_FILE, design_schema, design_schema_json  # noqa: E402

VALIDATOR = jsonschema.Draft202012Validator(design_schema())
# The mutations of the design fuzzer whose every case the schema can tell: unknown keys, wrong
# shapes, a mode that does not exist. The others (a missing resource, a default out of range, a
# name that Python reserves) only the design model can tell, and does (test_design_fuzz.py).
NOT_DESIGN = {"author_name", "author_email"}  # answers for pyproject.toml, not the design
# Options a design holds only when they are on (hooks/copier_bridge.py OPTIONAL_KEYS).
OPTIONS = {"admin_view"}
SCHEMA_REFUSES = {"unknown_keys", "wrong_shapes", "bad_auth"}
# Drawing a valid design costs the design model's check of each draw: fewer than the fuzzer's own
# model tests in CI (every mutation still comes up), all of them in a long local run.
SCHEMA_EXAMPLES = MODEL_EXAMPLES if LONG_RUN else 60


def schema_errors(design: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(design)
    ]


def test_the_schema_file_is_the_one_the_design_model_writes() -> None:
    jsonschema.Draft202012Validator.check_schema(design_schema())
    committed = (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == design_schema_json(), (
        f"{SCHEMA_FILE} is out of date: python3 -c 'from hooks.design_schema import "
        f'design_schema_json; print(design_schema_json(), end="")\' > {SCHEMA_FILE}'
    )


@pytest.mark.parametrize("design", sorted(set(DESIGNS) - {"default"}))
def test_every_example_design_follows_the_schema(design: str) -> None:
    assert design_data(design)["resources"]
    assert schema_errors(design_data(design)) == []


@settings(BASE_SETTINGS, max_examples=SCHEMA_EXAMPLES)
@given(design=valid_designs())
def test_every_design_the_model_accepts_follows_the_schema(design: dict[str, Any]) -> None:
    assert schema_errors(design) == []


@settings(BASE_SETTINGS, max_examples=SCHEMA_EXAMPLES)
@given(case=invalid_designs())
def test_the_schema_refuses_what_it_can_say(case: tuple[str, dict[str, Any], str | None]) -> None:
    name, design, _ = case
    note(f"mutation {name}:\n{design!r}")
    if name in SCHEMA_REFUSES:
        assert schema_errors(design), "the schema let an invalid design through"


@pytest.mark.parametrize(
    "written", ["string", "timestamp", "varchar(20)", "integer?", "Int", "list", "str_x", "json"]
)
def test_the_schema_names_a_field_type_that_does_not_exist(written: str) -> None:
    design = design_data("lending-library")
    design["resources"][0]["fields"]["name"] = written
    errors = schema_errors(design)
    assert errors and all("resources/0/fields/name" in e for e in errors), errors
    design["resources"][0]["fields"]["name"] = {"type": written, "description": "x"}
    assert schema_errors(design)


def test_a_project_carries_its_design_file_and_the_schema(rendered: Any) -> None:
    for design, auth in (("default", "jwt"), ("shop-orders", "none")):
        project = rendered(design, auth=auth)
        recorded = answers(project)
        text = (project / "design.yml").read_text(encoding="utf-8")
        assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
        design_file = yaml.safe_load(text)
        assert design_file == {k: recorded[k] for k in design_file}
        assert "resources" in design_file and "_commit" not in design_file
        assert ("roles" in design_file) is (auth == "jwt")
        assert schema_errors(design_file) == []
        schema = (project / SCHEMA_FILE).read_text(encoding="utf-8")
        assert schema == (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")


def test_an_edit_of_the_design_file_applies_in_one_update_without_conflicts(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "project")
    design_file = project / "design.yml"
    assert design_file.read_text() == design_file_text(
        {
            k: v
            for k, v in answers(project).items()
            if k not in NOT_DESIGN and k[0] != "_" and (v or k not in OPTIONS)
        }
    )
    # As a person edits: a field typed in, a role added to a one-line list, a note of their own.
    text = design_file.read_text()
    edited = text.replace(
        "      isbn: str(13) unique\n", "      isbn: str(13) unique\n      subtitle: str(200)?\n"
    )
    edited = edited.replace(
        "roles: [admin, librarian, member]", "roles: [admin, librarian, member, auditor]"
    )
    edited = edited.replace(
        "  - name: loan\n", "  # Agreed with the library on 3 December.\n  - name: loan\n"
    )
    assert edited.count("subtitle") == 1 and "auditor" in edited and "Agreed" in edited
    design_file.write_text(edited)
    commit(project, "Design: a subtitle and an auditor")

    result = copier_cli(project, "update", "--trust", "--defaults", "--data-file", "design.yml")
    assert result.returncode == 0, result.stderr
    assert conflicts(project) == []
    assert design_file.read_text() == edited, "the update changed what the person wrote"
    recorded = answers(project)
    assert recorded["roles"] == ["admin", "librarian", "member", "auditor"]
    book = next(r for r in recorded["resources"] if r["name"] == "book")
    assert book["fields"]["subtitle"] == "str(200)?"
    assert "    subtitle: " in (project / "app/models/book.py").read_text()
    assert " M design.yml" not in status(project)

    # Another route (one answer on the command line) writes the design file too: it never goes stale.
    commit(project, "Apply the design")
    result = copier_cli(project, "update", "--trust", "--defaults", "--data", "async_db=true")
    assert result.returncode == 0, result.stderr
    assert conflicts(project) == []
    after = design_file.read_text()
    assert "async_db: true\n" in after and "  # Agreed with the library on 3 December.\n" in after
    assert yaml.safe_load(after)["resources"] == recorded["resources"]


def test_the_design_file_names_its_schema_for_editors() -> None:
    """The examples name the schema too, so an editor checks them as they are written."""
    for path in sorted((ROOT / "examples").glob("*.yml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../{SCHEMA_FILE}", path.name
    json.loads((ROOT / SCHEMA_FILE).read_text(encoding="utf-8"))


def test_an_option_is_in_the_design_only_when_on_and_where_copier_asks_it() -> None:
    """Off (or never answered), `admin_view` leaves the design, its checksum and design.yml as
    they were; on, from a data file or as `--data admin_view=true` text, it sits in question order."""
    asked = yaml.safe_load((ROOT / "copier.yml").read_text())
    assert list(QUESTIONS) == [key for key in asked if key in QUESTIONS]
    assert set(OPTIONAL_KEYS) == OPTIONS
    helpdesk = design_data("helpdesk")
    for off in ({}, {"admin_view": False}, {"admin_view": "false"}):
        picked = picked_answers({**helpdesk, **off})
        assert "admin_view" not in picked
        assert "admin_view" not in design_file_text(picked)
    for on in (True, "true"):
        picked = picked_answers({**helpdesk, "admin_view": on})
        assert picked["admin_view"] is True
        keys = list(picked)
        assert keys[keys.index("open_signup") + 1] == "admin_view"
        assert "\nopen_signup: true\nadmin_view: true\nasync_db: " in design_file_text(picked)
