"""The command: `copier-fastapi-spec-import SOURCE [-o design.yml]` (or `python -m design_import`)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from hooks.design import DesignError
from hooks.design_file import design_file_text
from hooks.validate import build_design

from .catalogue import read_database
from .merge import merge
from .module_source import (
    DEFAULT_TIMEOUT,
    ModuleFailed,
    build_tables,
    is_module,
    temporary_database,
)

NEW_DESIGN_ROLES = ("admin", "member")
USAGE_EXAMPLES = """\
examples:
  %(prog)s sqlite:///app.db                       # the catalogue of a SQLite database
  %(prog)s postgresql+psycopg://me@host/shop -o design.yml
  %(prog)s models.py                              # a SQLModel module, run in a child process
An existing output file is merged into: what a database cannot hold (permissions, descriptions,
plurals, searchable, patterns, examples) is kept. docs/import.md says what maps to what.
"""


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="copier-fastapi-spec-import",
        description="Write a copier-fastapi-spec design file from a database or a SQLModel module.",
        epilog=USAGE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("source", help="a database URL, or a SQLModel module's .py file")
    command.add_argument(
        "-o", "--output", default="design.yml", help="the design file (default: design.yml)"
    )
    command.add_argument(
        "--fresh", action="store_true", help="overwrite the output instead of merging into it"
    )
    command.add_argument(
        "--strict",
        action="store_true",
        help="write nothing if any column, constraint or table cannot be mapped",
    )
    command.add_argument("--project-name", help="the project's name in a new design file")
    command.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds a module may take to import (default: {DEFAULT_TIMEOUT})",
    )
    return command


def source_label(source: str) -> str:
    """The source as the design file and the spec name it: a module's path, or a database URL
    without its password."""
    if is_module(source):
        return source
    return sa.make_url(source).render_as_string(hide_password=True)


def _project_name(source: str) -> str:
    stem = Path(source.rsplit("/", 1)[-1].split("?")[0]).stem or "Imported"
    return " ".join(part.capitalize() for part in stem.replace("-", "_").split("_") if part)


def _read(source: str, timeout: float) -> tuple[list[dict[str, Any]], list[str]]:
    if is_module(source):
        print(
            f"Importing {source} runs its code, in a separate process (timeout {timeout:g} s, "
            "an environment without secrets), to read the tables it declares.",
            file=sys.stderr,
        )
        database = temporary_database()
        try:
            build_tables(Path(source), database, timeout=timeout)
            found = read_database(f"sqlite:///{database}")
        finally:
            shutil.rmtree(database.parent, ignore_errors=True)
    else:
        found = read_database(source)
    return found.resources, found.notes


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    output = Path(arguments.output)
    try:
        resources, notes = _read(arguments.source, arguments.timeout)
    except ModuleFailed as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    except (sa.exc.SQLAlchemyError, ImportError) as failed:
        message = str(failed).splitlines()[0]
        print(f"error: cannot read {arguments.source}: {message}", file=sys.stderr)
        return 1
    if not resources:
        print(
            f"error: {arguments.source} has no table a resource can come from; nothing written",
            file=sys.stderr,
        )
        _report(notes)
        return 1
    answers: dict[str, Any] = {
        "project_name": arguments.project_name or _project_name(arguments.source),
        # A new design signs callers in, with the roles every project starts from.
        "auth": "jwt",
        "roles": list(NEW_DESIGN_ROLES),
        "default_role": NEW_DESIGN_ROLES[-1],
        "resources": resources,
    }
    merged = output.exists() and not arguments.fresh
    if merged:
        existing = yaml.safe_load(output.read_text(encoding="utf-8")) or {}
        if not isinstance(existing, dict):
            print(f"error: {output} is not a design file (a YAML mapping)", file=sys.stderr)
            return 1
        answers = merge(existing, answers, notes)
    answers.pop("design_source", None)
    answers["design_source"] = source_label(arguments.source)  # last, as copier.yml asks it
    _report(notes)
    try:
        build_design(answers)
    except DesignError as error:
        print(
            f"error: the imported design is not one the design language can express; "
            f"nothing written to {output}:",
            file=sys.stderr,
        )
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if arguments.strict and notes:
        print(f"error: --strict: {len(notes)} item(s) not mapped; nothing written", file=sys.stderr)
        return 2
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(design_file_text(answers), encoding="utf-8")
    os.replace(partial, output)
    how = "merged into" if merged else "written to"
    print(f"{len(resources)} resource(s) {how} {output}", file=sys.stderr)
    return 0


def _report(notes: list[str]) -> None:
    if notes:
        print(f"Not mapped ({len(notes)}):", file=sys.stderr)
        for note in notes:
            print(f"  - {note}", file=sys.stderr)
