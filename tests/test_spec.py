"""The rendered design specification: its structure, valid markdown, and that drift is caught."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import DESIGNS, design_data
from tests.helpers import ROOT, readme_block, render, run_project_pytest
from tests.test_http import model_of

sys.path.insert(0, str(ROOT))
from hooks.tree import rendered_files  # noqa: E402

HEADINGS = [
    "1. API Overview",
    "2. Project Structure",
    "3. Core Dependencies",
    "4. Authentication & Authorization",
    "5. Pydantic & SQLModel Models",
    "6. API Endpoints",
    "7. Error Handling Strategy",
    "8. Key Asynchronous Operations",
]
VARIANTS = [
    pytest.param(design, async_db, auth, id=f"{design}-{'async' if async_db else 'sync'}-{auth}")
    for design in DESIGNS
    for async_db in (False, True)
    for auth in ("jwt", "none")
]


def cells(line: str) -> int:
    """Cells of a markdown table row; `\\|` is a pipe inside a cell."""
    return len(re.split(r"(?<!\\)\|", line.strip().strip("|")))


@pytest.mark.parametrize(("design", "async_db", "auth"), VARIANTS)
def test_spec_structure(
    rendered: Callable[..., Path], design: str, async_db: bool, auth: str
) -> None:
    text = (
        rendered(design, async_db=async_db, auth=auth) / "docs" / "api-design-spec.md"
    ).read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)

    h2 = [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2"
    ]
    assert h2 == HEADINGS

    lines = text.splitlines()
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) >= 4, "the matrix, dependency, model and endpoint tables"
    for table in tables:
        assert table.map is not None
        rows = lines[table.map[0] : table.map[1]]
        widths = {cells(row) for row in rows}
        assert len(widths) == 1, f"a table with ragged rows at line {table.map[0] + 1}: {rows}"

    # A code span that does not close (or nests: `a `b` c`) leaves a literal backtick in the text.
    stray = [
        child.content
        for t in tokens
        if t.type == "inline"
        for child in t.children or []
        if child.type == "text" and "`" in child.content
    ]
    assert stray == [], f"broken code spans: {stray}"

    fences = [t for t in tokens if t.type == "fence"]
    assert any(t.info == "mermaid" and t.content.startswith("erDiagram") for t in fences)
    assert "TODO" not in text and "\n\n\n" not in text
    for link in ("http://127.0.0.1:8000/docs", "http://127.0.0.1:8000/redoc", "/openapi.json"):
        assert link in text
    if auth == "none":
        assert "every endpoint is public" in text
    else:
        assert "Permission matrix" in text and "OAuth2PasswordBearer" in text
    driver = "aiosqlite" if async_db else "sqlite3 (standard library)"
    assert f"The SQLite driver is {driver}; with the `postgres` extra" in text
    assert "| psycopg[binary] (optional, `postgres`) |" in text
    assert ("| asyncpg (optional, `postgres`) |" in text) == async_db


@pytest.mark.parametrize(("design", "async_db", "auth"), VARIANTS)
def test_a_changed_route_fails_the_agreement_tests(
    rendered: Callable[..., Path], tmp_path: Path, design: str, async_db: bool, auth: str
) -> None:
    project = rendered(design, async_db=async_db, auth=auth)
    router = sorted((project / "app" / "routers").glob("*.py"))
    first = next(
        path for path in router if path.stem not in ("__init__", "auth", "users", "health")
    )
    prefix = re.search(r'prefix="(/[^"]+)"', first.read_text())
    assert prefix, first
    copy = drifted(
        project, tmp_path, f"app/routers/{first.name}", prefix.group(0), 'prefix="/moved"'
    )
    result = run_project_pytest(copy, "tests/test_api_spec.py")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "endpoints the spec does not describe" in result.stdout


def drifted(project: Path, tmp_path: Path, path: str, old: str, new: str) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    target = copy / path
    text = target.read_text()
    assert old in text, f"{old!r} not in {path}"
    target.write_text(text.replace(old, new, 1))
    return copy


DRIFTS = [
    ("app/routers/book.py", 'prefix="/books"', 'prefix="/volumes"'),
    ("app/routers/book.py", "status.HTTP_201_CREATED", "status.HTTP_200_OK"),
    ("app/routers/book.py", 'CREATE_SCOPES = ["admin", "librarian"]', 'CREATE_SCOPES = ["admin"]'),
    (
        "docs/api-design-spec.md",
        "| GET | `/api/v1/books/{book_id}` |",
        "| GET | `/api/v1/books/{id}` |",
    ),
    ("docs/api-design-spec.md", "| `201` `BookPublic` |", "| `200` `BookPublic` |"),
    (
        "docs/api-design-spec.md",
        "| `400`, `401`, `403`, `409`, `413`, `422` | `admin`, `librarian` |",
        "| `400`, `401`, `403`, `409`, `413`, `422` | authenticated |",
    ),
    ("docs/api-design-spec.md", "| `404`, `422` | public |", "| `404` | public |"),
    ("docs/api-design-appendix.md", "  pyproject.toml ", "  setup.py "),
    (
        "docs/api-design-spec.md",
        "<http://127.0.0.1:8000/docs>",
        "<http://127.0.0.1:8000/swagger>",
    ),
]


def test_agreement_tests_pass_as_rendered(rendered: Callable[..., Path]) -> None:
    project = rendered("default")
    tests = re.findall(r"^def test_", (project / "tests" / "test_api_spec.py").read_text(), re.M)
    result = run_project_pytest(project, "tests/test_api_spec.py")
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(tests)} passed" in result.stdout


@pytest.mark.parametrize(("path", "old", "new"), DRIFTS, ids=[f"{p}:{n}" for p, _, n in DRIFTS])
def test_drift_between_spec_and_code_fails(
    rendered: Callable[..., Path], tmp_path: Path, path: str, old: str, new: str
) -> None:
    project = drifted(rendered("default"), tmp_path, path, old, new)
    result = run_project_pytest(project, "tests/test_api_spec.py")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "failed" in result.stdout


def test_the_tree_is_every_rendered_file(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "project", design_data("clinic"))
    on_disk = {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
    assert on_disk == {f.path for f in rendered_files(model_of("clinic", True, "jwt"))}


def test_the_tree_tolerates_the_users_files_but_not_missing_ones(
    rendered: Callable[..., Path], tmp_path: Path
) -> None:
    project = drifted(rendered("default"), tmp_path, "app/rules/book.py", "", "")
    for name in ("Dockerfile", "uv.lock", ".github/workflows/ci.yml", "app/helpers.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("# the user's\n")
    assert run_project_pytest(project, "tests/test_api_spec.py").returncode == 0
    (project / ".env.example").rename(project / ".env.sample")
    result = run_project_pytest(project, "tests/test_api_spec.py")
    assert result.returncode == 1
    assert "files the spec's tree lists but are missing" in result.stdout


def test_readme_shows_section_6_as_the_default_design_renders_it(
    rendered: Callable[..., Path],
) -> None:
    spec = (rendered("default") / "docs" / "api-design-spec.md").read_text()
    assert readme_block("Section 6 of the default design's spec") in spec
