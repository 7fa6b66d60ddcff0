"""The project's file tree for the spec's section 2, read from `template/` itself.

Each rendered path is the template's path with its Jinja evaluated (`{% if %}` segments, one file
per resource for `{% yield %}`), and each file's note is the first line of its module docstring, so
the tree cannot fall behind the files it describes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .design import Design
from .resources import Resource

TEMPLATE = Path(__file__).resolve().parent.parent / "template"
_IF = re.compile(r"^\{% if design\.(\w+) %\}(.*)\{% endif %\}$")
_YIELD = re.compile(
    r"\{% yield r from design\.resources( \| selectattr\(\"(?P<having>\w+)\"\))? %\}"
    r"\{\{ r\.name \}\}\{% endyield %\}"
)
FOLDER_NOTES = {
    "app": "the application package",
    "app/core": "settings, security, errors, middleware, logs, connection limits, schema check",
    "app/jobs": "your background jobs: created once, never overwritten",
    "app/models": "SQLModel models: one module per resource",
    "app/rules": "your business rules: created once, never overwritten",
    "app/routers": "HTTP endpoints: one APIRouter per resource",
    "app/services": "data access and checks: keyword-only functions",
    "docs": "this specification, and the endpoints you add",
    "migrations": "Alembic environment and migrations",
    "migrations/versions": "one file per schema change",
    "tests": "pytest suite, no server needed (or a PostgreSQL server: TEST_DATABASE_URL)",
    "tools": "commands beside the API: migrate, the API contract, move the data",
}
# Housekeeping the tree leaves out, as it leaves out packages' `__init__.py`.
UNLISTED = (".dockerignore", ".gitattributes", ".gitignore")
# Files without a module docstring to read the note from.
FILE_NOTES = {
    ".copier-answers.yml": "the design last applied, recorded by Copier: never edit it",
    ".env.example": "every setting, documented",
    ".github/workflows/ci.yml": "CI: lint, format, types and tests (on SQLite and PostgreSQL) at every push",
    ".pre-commit-config.yaml": "ruff and mypy at every commit, from the project's environment",
    "Dockerfile": "the app's image: SQLite in /data or PostgreSQL, migrations at start, no root",
    "README.md": "how to install, run, test, migrate and move to PostgreSQL",
    "alembic.ini": "Alembic configuration",
    "compose.yaml": "the app and PostgreSQL under Docker Compose",
    "design.schema.json": "what a design may say, for editors to check design.yml against",
    "design.yml": "the design: edit it, then `copier update --data-file design.yml`",
    "docs/api-contract.json": "the API a client depends on; `python -m tools.contract` compares",
    "docs/api-design-appendix.md": "the spec's appendix: every file, connection limits, logs",
    "docs/api-design-spec.md": "this specification",
    "docs/custom-endpoints.md": "the routes you add by hand, for the spec's agreement test: yours",
    "docs/decisions.md": "decisions and open questions of design reviews: yours, never overwritten",
    "migrations/script.py.mako": "the template of new migrations",
    "pyproject.toml": "dependencies and tool settings",
}


@dataclass(frozen=True)
class RenderedFile:
    path: str  # relative to the project root
    source: Path  # the template file it comes from
    resource: Resource | None  # the resource of a per-resource file


def rendered_files(design: Design, template: Path = TEMPLATE) -> list[RenderedFile]:
    """Every file `copier copy` writes for this design, sorted by path."""
    files: list[RenderedFile] = []
    for source in sorted(
        p for p in template.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ):
        relative = source.relative_to(template).as_posix().removesuffix(".jinja")
        relative = relative.replace("{{_copier_conf.answers_file}}", ".copier-answers.yml")
        for path, resource in _expand(design, relative):
            files.append(RenderedFile(path, source, resource))
    return sorted(files, key=lambda f: f.path)


def _expand(design: Design, relative: str) -> Iterator[tuple[str, Resource | None]]:
    segments = []
    for segment in relative.split("/"):
        condition = _IF.match(segment)
        if condition:
            if not getattr(design, condition[1]):
                return
            segment = condition[2]
        segments.append(segment)
    path = "/".join(segments)
    found = _YIELD.search(path)
    if found:
        for resource in design.resources:
            if not found["having"] or getattr(resource, found["having"]):
                yield _YIELD.sub(resource.name, path), resource
    else:
        yield path, None


SKIP_IF_EXISTS = (
    "app/rules/",
    "app/jobs/",
    "migrations/versions/",
)  # as copier.yml's _skip_if_exists


def python_files(design: Design, *, kept: bool = False) -> list[str]:
    """The rendered Python modules the formatter pass lays out.

    Files Copier writes only once (`app/rules/`, the first migration) are the user's after the
    first copy: with `kept`, only those; without, every other module.
    """
    return [
        f.path
        for f in rendered_files(design)
        if f.path.endswith(".py") and f.path.startswith(SKIP_IF_EXISTS) == kept
    ]


def docstring_line(source: Path) -> str:
    """The first line of a template's module docstring, Jinja unrendered; "" if it has none."""
    lines = source.read_text().split("\n")
    first = next((line for line in lines if line.startswith('"""')), "")
    return first.removeprefix('"""').split('"""', 1)[0].rstrip(".")


def project_tree(design: Design, render: Callable[[str, Resource | None], str]) -> str:
    """The rendered files as an indented tree, two spaces a level, with what each part holds.

    A per-resource template makes one line naming all its files (`author.py, book.py`), and a
    folder holding a single file makes one line of its path (`.github/workflows/ci.yml`).
    `render(text, resource)` renders a docstring's Jinja the way Copier renders the file.
    """
    files = [
        f
        for f in rendered_files(design)
        if f.path not in UNLISTED and not f.path.endswith("__init__.py")
    ]
    lines = [f"{design.slug}/"]
    seen: set[object] = set()  # folders, and the sources of the per-resource lines
    for file in files:
        if file.source in seen:
            continue
        parts = file.path.split("/")
        depth = 1
        while depth < len(parts):
            folder = "/".join(parts[:depth])
            if sum(f.path.startswith(folder + "/") for f in files) == 1:
                break
            if folder not in seen:
                seen.add(folder)
                lines.append(_line(depth, parts[depth - 1] + "/", FOLDER_NOTES.get(folder, "")))
            depth += 1
        note = FILE_NOTES.get(file.path) or render(docstring_line(file.source), file.resource)
        name = "/".join(parts[depth - 1 :])
        if file.resource is not None:
            seen.add(file.source)
            name = ", ".join(
                "/".join(f.path.split("/")[depth - 1 :]) for f in files if f.source == file.source
            )
            note = "one per resource: " + note.split(": ", 1)[-1]
        lines.append(_line(depth, name, note))
    return "\n".join(lines)


def _line(depth: int, name: str, note: str) -> str:
    line = "  " * depth + name
    return f"{line:<40} # {note}" if note else line
