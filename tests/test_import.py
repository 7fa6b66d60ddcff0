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

import os
import re
import shutil
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
from hypothesis import example, given, note, settings

from design_import.checks import read_check
from design_import.cli import main, source_label
from hooks.design_file import design_file_text
from hooks.design_schema import design_schema
from hooks.naming import enum_member
from hooks.validate import build_design
from tests.conftest import design_data
from tests.helpers import EXAMPLES, ROOT, readme_block, render, run_project_pytest
from tests.postgres import Cluster
from tests.test_design_fuzz import (
    BASE_SETTINGS,
    KITCHEN_SINK,
    LONG_RUN,
    RENDER_PHASES,
    as_yaml,
    round_trip,
    valid_designs,
)
from tests.test_migrations import env, run

SOURCES = ROOT / "tests" / "import_sources"
ROUND_TRIP = [path.stem for path in EXAMPLES] + ["every-construct"]
# Each fuzzed design is rendered and migrated (seconds each): a few in CI, more with
# DESIGN_FUZZ_EXAMPLES (tests/test_design_fuzz.py says how).
FUZZ_EXAMPLES = int(os.environ.get("DESIGN_FUZZ_EXAMPLES") or 3) if LONG_RUN else 3
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
    for resource in build_design(
        {"roles": ["admin"], "default_role": "admin", **design, "auth": "jwt"}
    ).resources:
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
    members = tuple(enum_member(v) for v in fact["values"])
    if fact["kind"] == "enum" and got["kind"] == "str":
        return {**fact, "kind": "str", "values": (), "max_length": max(map(len, members))}
    if fact["kind"] == "enum":  # a CHECK lists the members as stored: by their names
        return {**fact, "values": members}
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
    # the same design, now saying where it came from (section 5 of the spec names it)
    assert yaml.safe_load(design_file.read_text()) == {**original, "design_source": url}
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


def test_the_round_trip_holds_on_postgres(
    rendered: Callable[..., Path],
    postgres: Cluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL writes the CHECKs back in its own words (casts, `= ANY (ARRAY[...])`)."""
    original = design_data("every-construct")
    url = postgres.new_database()
    migrated(rendered("every-construct"), url)
    design_file = tmp_path / "design.yml"
    design_file.write_text(design_file_text(original))
    code, report = imported(url, design_file, capsys=capsys)
    assert code == 0, report
    assert yaml.safe_load(design_file.read_text()) == {
        **original,
        "design_source": source_label(url),
    }


def shelf_database(folder: Path) -> str:
    database = folder / "shelf.db"
    with sqlite3.connect(database) as connection:
        connection.executescript((SOURCES / "shelf.sql").read_text())
    return f"sqlite:///{database}"


SHELF = {
    "author": {"name": "str(2..100) unique", "born": "date?"},
    "book": {
        "author": "ref author",
        "title": "str(200)",
        "pages": "int? 1..5000",
        "price": "decimal >= 0 = 0",
        "format": "enum(paperback, hardcover, ebook) = paperback",
        "in_print": "bool = true",
        "genres": "refs genre",
    },
    "genre": {"label": "str(40)", "code": "str(8)"},
}


def test_a_plain_sql_database_imports_and_renders_a_working_project(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = shelf_database(tmp_path)
    design_file = tmp_path / "design.yml"
    code, report = imported(url, design_file, "--project-name", "Shelf", capsys=capsys)
    assert code == 0, report
    design = yaml.safe_load(design_file.read_text())
    SCHEMA.validate(design)
    assert {r["name"]: r["fields"] for r in design["resources"]} == SHELF
    by_name = {r["name"]: r for r in design["resources"]}
    assert by_name["book"]["unique"] == ["author", "title"]
    assert by_name["genre"]["unique"] == ["label", "code"]
    # README's worked example shows this very import.
    assert yaml.safe_load(readme_block("and writes these resources")) == {
        "resources": design["resources"]
    }
    # What the design language cannot express is listed with the reason, never dropped silently.
    assert "table book: column tags: not imported: its type JSON has no counterpart" in report
    assert "table book: CHECK (title <> upper(title)): not imported: the design's rules" in report
    assert "Not mapped (2):" in report
    # --strict refuses it and writes nothing.
    strict = tmp_path / "strict.yml"
    code, report = imported(url, strict, "--strict", capsys=capsys)
    assert code == 2 and not strict.exists() and "2 item(s) not mapped" in report
    assert design["design_source"] == url
    project = render(template_repo, tmp_path / "project", design)
    spec = (project / "docs/api-design-spec.md").read_text()
    assert f"They were imported from the database `{url}`" in spec
    result = run_project_pytest(project, "-x", "-q")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_plain_sql_database_imports_the_same_from_postgres(
    postgres: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same tables on PostgreSQL: its catalogue spells types, defaults and CHECKs its own
    way (`'paperback'::character varying`, `((pages >= 1) AND (pages <= 5000))`)."""
    import psycopg

    url = postgres.new_database()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        connection.execute((SOURCES / "shelf.sql").read_text())  # type: ignore[arg-type]
    design_file = tmp_path / "design.yml"
    code, report = imported(url, design_file, capsys=capsys)
    assert code == 0, report
    design = yaml.safe_load(design_file.read_text())
    assert {r["name"]: r["fields"] for r in design["resources"]} == SHELF
    assert "table book: column tags: not imported: its type JSON has no counterpart" in report
    assert re.search(
        r"table book: CHECK \S+ \(.*upper.*\): not imported: the design's rules", report
    )
    assert "Not mapped (2):" in report


def test_a_reimport_keeps_what_the_database_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Permissions, descriptions, plurals, `searchable`, patterns and examples survive; a column
    added to the database since comes in; a table dropped since goes, and is reported."""
    url = shelf_database(tmp_path)
    design_file = tmp_path / "design.yml"
    assert imported(url, design_file, capsys=capsys)[0] == 0
    design = yaml.safe_load(design_file.read_text())
    book = next(r for r in design["resources"] if r["name"] == "book")
    book["plural"] = "volumes"
    book["description"] = "A title the shop sells."
    book["permissions"] = {"create": ["admin"], "delete": []}
    book["fields"]["title"] = {
        "type": "str(200) searchable",
        "description": "As printed on the cover.",
        "pattern": "^[A-Z]",
        "example": "Dune",
    }
    design["resources"] = [r for r in design["resources"] if r["name"] != "author"] + [
        {"name": "gone", "fields": {"name": "str"}}
    ]
    design_file.write_text(design_file_text(design))
    with sqlite3.connect(tmp_path / "shelf.db") as connection:
        connection.execute("ALTER TABLE book ADD COLUMN subtitle VARCHAR(120)")
    code, report = imported(url, design_file, capsys=capsys)
    assert code == 0, report
    again = {r["name"]: r for r in yaml.safe_load(design_file.read_text())["resources"]}
    assert list(again) == ["book", "genre", "author"]
    assert {k: again["book"][k] for k in ("plural", "description", "permissions")} == {
        "plural": "volumes",
        "description": "A title the shop sells.",
        "permissions": {"create": ["admin"], "delete": []},
    }
    assert again["book"]["fields"]["title"] == book["fields"]["title"]
    assert again["book"]["fields"]["subtitle"] == "str(120)?"
    assert "resource gone: left out: the source has no table gone" in report


def test_a_sqlmodel_module_imports_in_a_child_process_and_renders(
    template_repo: Path, tmp_path: Path
) -> None:
    """The tutorial's heroes and teams, through the command as a user runs it."""
    design_file = tmp_path / "design.yml"
    result = subprocess.run(
        [sys.executable, "-m", "design_import", str(SOURCES / "heroes.py"), "-o", str(design_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "runs its code, in a separate process" in result.stderr
    design = yaml.safe_load(design_file.read_text())
    assert design["project_name"] == "Heroes"
    assert design["design_source"] == str(SOURCES / "heroes.py")
    assert design["resources"] == [
        {"name": "team", "fields": {"name": "str(60) unique", "headquarters": "str(2..)"}},
        {
            "name": "hero",
            "fields": {
                "name": "str",
                "secret_name": "str",
                "age": "int? >= 0 < 1000",  # the model's `ge=0, lt=1000`
                "mentor": "ref team?",
                "teams": "refs team",
            },
            "unique": ["name", "secret_name"],
        },
    ]
    project = render(template_repo, tmp_path / "project", design)
    spec = (project / "docs/api-design-spec.md").read_text()
    assert f"They were imported from the SQLModel module `{SOURCES / 'heroes.py'}`" in spec
    tests = run_project_pytest(project, "-x", "-q")
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]


def test_a_module_runs_without_secrets_and_is_stopped_when_it_hangs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_TEST_SECRET", "hunter2")
    seen = tmp_path / "seen.txt"
    spy = tmp_path / "spy.py"
    spy.write_text(
        "import os\nfrom pathlib import Path\nfrom sqlmodel import Field, SQLModel\n"
        f"Path({str(seen)!r}).write_text(' '.join(sorted(os.environ)))\n"
        "class Note(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    body: str\n"
    )
    code, report = imported(str(spy), tmp_path / "spy.yml", capsys=capsys)
    assert code == 0, report
    assert seen.exists() and "IMPORT_TEST_SECRET" not in seen.read_text().split()
    hang = tmp_path / "hang.py"
    hang.write_text("import time\ntime.sleep(60)\n")
    output = tmp_path / "hang.yml"
    code, report = imported(str(hang), output, "--timeout", "1", capsys=capsys)
    assert code == 1 and not output.exists()
    assert "still running after 1 s, stopped" in report
    broken = tmp_path / "broken.py"
    broken.write_text("import no_such_module_here\n")
    code, report = imported(str(broken), output, capsys=capsys)
    assert code == 1 and "No module named 'no_such_module_here'" in report


def test_a_source_with_nothing_to_import_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "odd.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE reading (taken_at TEXT PRIMARY KEY, value REAL)")
    output = tmp_path / "design.yml"
    code, report = imported(f"sqlite:///{database}", output, capsys=capsys)
    assert code == 1 and not output.exists()
    assert (
        "table reading: not imported: a resource's primary key is one integer column `id`" in report
    )


@pytest.mark.parametrize(
    ("sql", "column", "expected"),
    [
        (
            "price > 0 AND price <= 10000",
            "price",
            ((Decimal(0), False), (Decimal(10000), True), None, ()),
        ),
        ('"order" >= 0', "order", ((Decimal(0), True), None, None, ())),
        ("(length((name)::text) >= 3)", "name", (None, None, 3, ())),
        (
            "((price > (0)::numeric) AND (price <= (10000)::numeric))",
            "price",
            ((Decimal(0), False), (Decimal(10000), True), None, ()),
        ),
        ("status IN ('draft', 'live')", "status", (None, None, None, ("draft", "live"))),
        (
            "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
            "status",
            (None, None, None, ("a", "b")),
        ),
        ("age BETWEEN 1 AND 150", "age", ((Decimal(1), True), (Decimal(150), True), None, ())),
        ("0 < weight", "weight", ((Decimal(0), False), None, None, ())),
    ],
)
def test_checks_read_as_rules(sql: str, column: str, expected: tuple[Any, ...]) -> None:
    rules = read_check(sql)
    assert rules is not None and list(rules) == [column]
    found = rules[column]
    assert (found.lower, found.upper, found.min_length, found.values) == expected


@pytest.mark.parametrize(
    "sql", ["a > b", "title <> upper(title)", "x >= 1 OR x <= -1", "x > 1 AND x > 2"]
)
def test_other_checks_are_not_half_read(sql: str) -> None:
    assert read_check(sql) is None


@settings(BASE_SETTINGS, max_examples=FUZZ_EXAMPLES, phases=RENDER_PHASES)
@given(design=valid_designs())
@example(design=round_trip(KITCHEN_SINK))
def test_fuzzed_designs_come_back_from_their_migrated_database(
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    design: dict[str, Any],
) -> None:
    """Random valid designs (every kind and modifier, reserved words, the mapping form, owned
    rows, the nastiest text): render, `alembic upgrade head`, import merged: the same design."""
    note(as_yaml(design))
    folder = tmp_path_factory.mktemp("fuzz-import")
    project = render(template_repo, folder / "project", design)
    url = f"sqlite:///{folder / 'app.db'}"
    migrated(project, url)
    design_file = folder / "design.yml"
    design_file.write_text(design_file_text(design))
    written = yaml.safe_load(design_file.read_text())
    assert main([url, "-o", str(design_file)]) == 0
    assert as_yaml(yaml.safe_load(design_file.read_text())) == as_yaml(
        {**written, "design_source": url}
    )


def test_uvx_runs_the_command_from_a_clone(tmp_path: Path) -> None:
    """`uvx --from <clone>` builds the command from pyproject.toml (the design model with it)
    in an environment of its own, as README says; a git URL builds the same way."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("pyproject.toml", "design_import", "hooks"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, clone / name)
    url = shelf_database(tmp_path)
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-m", "uv", "tool", "run", "--from", str(clone)]
        + ["copier-fastapi-spec-import", url, "-o", "shelf.yml", "--project-name", "Shelf"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    design = yaml.safe_load((tmp_path / "shelf.yml").read_text())
    assert {r["name"]: r["fields"] for r in design["resources"]} == SHELF
    assert "Not mapped (2):" in result.stderr


def test_the_source_is_named_without_its_password() -> None:
    """The design file and the spec name the database an import read, never its password."""
    label = source_label("postgresql+psycopg://app:s3cret@127.0.0.1:5432/shop")
    assert label == "postgresql+psycopg://app:***@127.0.0.1:5432/shop"
    assert source_label("sqlite:///legacy.db") == "sqlite:///legacy.db"
    assert source_label("models/heroes.py") == "models/heroes.py"
