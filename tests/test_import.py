"""The import command (design_import/, docs/import.md): a design file from a database's catalogue
or a SQLModel module, merged into an existing design file.

- round trip: every example, rendered, migrated (`alembic upgrade head`), imported into its own
  design file, gives that design back; imported afresh, each field keeps its type, `?`, rules,
  references and uniqueness (SQLite; PostgreSQL for one example);
- third-party sources: a SQLite database written in plain SQL and a SQLModel module written in the
  tutorial's style (heroes and teams) import, listing what they cannot map with the reason, and
  the designs render projects whose own tests pass;
- a re-import keeps what a database cannot hold; a module runs in a child process, with a timeout
  and without the caller's secrets; `--strict` and bad sources write nothing.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from design_import.checks import read_check
from design_import.cli import main
from hooks.design_file import design_file_text
from hooks.design_schema import design_schema
from hooks.naming import enum_member
from hooks.validate import build_design
from tests.conftest import design_data
from tests.helpers import EXAMPLES, ROOT, render, run_project_pytest
from tests.postgres import Cluster
from tests.test_migrations import env, run

SOURCES = ROOT / "tests" / "import_sources"
ROUND_TRIP = [path.stem for path in EXAMPLES] + ["every-construct"]
SCHEMA = jsonschema.Draft202012Validator(design_schema())


def migrated(project: Path, url: str) -> None:
    """The project's schema, built the way its README says: `alembic upgrade head`."""
    result = run(
        project,
        {**env(Path("unused.db"), False), "DATABASE_URL": url},
        "-m",
        "alembic",
        "upgrade",
        "head",
    )
    assert result.returncode == 0, result.stderr[-3000:]


def imported(
    source: str, output: Path, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    code = main([source, "-o", str(output), *args])
    return code, capsys.readouterr().err


def facts(design: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What a database holds of each field: kind, `?`, lengths, range, reference, uniqueness,
    default; each resource's links, ownership and timestamps."""
    found: dict[str, dict[str, Any]] = {}
    for resource in build_design({"roles": ["admin"], "default_role": "admin", **design, "auth": "jwt"}).resources:
        found[resource.name] = {
            f.name: {
                "kind": f.kind,
                "optional": f.optional,
                "max_length": f.max_length,
                "min_length": f.min_length,
                "minimum": f.minimum,
                "maximum": f.maximum,
                "ref": f.ref,
                "unique": f.unique,
                "default": f.server_default,
                "values": f.enum_values,
            }
            for f in resource.fields
        }
        found[resource.name]["(links)"] = [(link.name, link.target) for link in resource.links]
        found[resource.name]["(owned, timestamps)"] = (resource.owned, resource.timestamps)
        found[resource.name]["(unique)"] = resource.unique_together
    return found


def as_stored(fact: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """The original field as a catalogue shows it: e-mail and URL columns are plain strings; an
    enum without a CHECK of its values is a string as long as its longest member."""
    if fact["kind"] in ("email", "url") and got["kind"] == "str":
        return {**fact, "kind": "str"}
    if fact["kind"] == "enum" and got["kind"] == "str":
        members = [enum_member(v) for v in fact["values"]]
        return {**fact, "kind": "str", "values": (), "max_length": max(map(len, members))}
    return fact


@pytest.mark.parametrize("design", ROUND_TRIP)
def test_every_example_comes_back_from_its_migrated_database(
    rendered: Callable[..., Path], tmp_path: Path, design: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original = design_data(design)
    project = rendered(design)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrated(project, url)
    # Merged into its own design file: the same design, every permission and description kept.
    design_file = tmp_path / "design.yml"
    design_file.write_text(design_file_text(original))
    code, report = imported(url, design_file, capsys=capsys)
    assert code == 0, report
    assert yaml.safe_load(design_file.read_text()) == original
    assert "Not mapped (1):\n  - table user: not imported: the built-in account model" in report
    # Afresh: a valid design whose fields hold what the original's hold, except what a catalogue
    # cannot tell apart (e-mail and URL columns are strings; enums without a CHECK of their
    # values are strings of their longest value's length).
    fresh = tmp_path / "fresh.yml"
    code, report = imported(url, fresh, capsys=capsys)
    assert code == 0, report
    new = yaml.safe_load(fresh.read_text())
    SCHEMA.validate(new)
    expected, got = facts(original), facts(new)
    assert got.keys() == expected.keys()
    for resource, fields in expected.items():
        assert got[resource].keys() == fields.keys(), resource
        for name, fact in fields.items():
            if name.startswith("("):
                assert got[resource][name] == fact, (resource, name)
            else:
                assert got[resource][name] == as_stored(fact, got[resource][name]), (resource, name)
