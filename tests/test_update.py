"""`copier update` as the design and the template evolve: the design's changes arrive, hand edits stay.

Each scenario renders a project from a git-tagged copy of the template, commits it (Copier
updates only clean git repositories: it re-renders the recorded version into a temporary
directory and three-way-merges the new render with the project), changes the design or
publishes a new template version, updates, and checks what the project holds afterwards.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_update
from copier.errors import UserMessageError

from tests import forkserver
from tests.conftest import DESIGNS, design_data
from tests.helpers import (
    ROOT,
    TEMPLATE_FILES,
    built_once,
    git,
    make_template_repo,
    readme_block,
    render,
    run_project_pytest,
)

SPEC = "docs/api-design-spec.md"
CONFLICT_START = "<<<<<<< before updating"
CONFLICT_END = ">>>>>>> after updating"
DIRTY = (
    "Destination repository is dirty; cannot continue. "
    "Please commit or stash your local changes and retry."
)
ISBN_LINE = "      isbn: str(13) unique\n"  # a line of the default design's design.yml
UNSAFE = "Template uses potentially unsafe features: jinja_extensions, tasks."
NOT_GIT_TEMPLATE = "Updating is only supported in git-tracked templates."


# --------------------------------------------------------------------------- helpers


def commit(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "--allow-empty", "-m", message)


def new_project(
    template: Path, dst: Path, data: dict[str, Any] | None = None, vcs_ref: str | None = None
) -> Path:
    """Render and commit, as a user does right after `copier copy`.

    Each template, answers and version is rendered once per test run (tests.helpers.built_once);
    later calls, in any worker, copy that committed project, git history included (the same files
    a new render would write: rendering is byte-identical, as test_same_design_renders_byte_identical
    checks)."""
    key = json.dumps([str(template), data or {}, vcs_ref], sort_keys=True, default=str)

    def render_and_commit(folder: Path) -> None:
        render(template, folder / "project", data, vcs_ref=vcs_ref)
        git(folder / "project", "init", "-q", "-b", "main")
        commit(folder / "project", "Render the project")

    committed = built_once(f"committed-{key}", render_and_commit)
    shutil.copytree(committed / "project", dst, symlinks=True)
    return dst


def update(project: Path, data: dict[str, Any] | None = None, vcs_ref: str | None = None) -> None:
    """`copier update --trust --defaults [--data ...] [--vcs-ref ...]` through the API."""
    run_update(
        dst_path=project,
        data=data or {},
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_answered=True,
        quiet=True,
        vcs_ref=vcs_ref,
    )


def copier_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `copier` command line, as a user types it."""
    return subprocess.run(
        [sys.executable, "-m", "copier", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def answers(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def resources(project: Path) -> list[dict[str, Any]]:
    """The design's whole `resources` list, to change and hand back (an update replaces it whole)."""
    return copy.deepcopy(answers(project)["resources"])


def status(project: Path) -> list[str]:
    return git(project, "status", "--porcelain").splitlines()


def conflicts(project: Path) -> list[str]:
    """Files with inline conflict markers, and leftover `.rej` files."""
    found = []
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej" or any(
            line.rstrip() == CONFLICT_START
            for line in path.read_text(errors="replace").splitlines()
        ):
            found.append(str(path.relative_to(project)))
    return sorted(found)


def refused_untouched(project: Path, result: subprocess.CompletedProcess[str], *says: str) -> None:
    """Copier stopped with a message (not a traceback) saying each of `says`; nothing changed."""
    assert result.returncode != 0
    for words in says:
        assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert status(project) == []


def edit(path: Path, change: Callable[[str], str]) -> str:
    """Apply a hand edit; refuse one that changes nothing (the anchor text went missing)."""
    before = path.read_text()
    after = change(before)
    assert after != before, f"the hand edit of {path.name} found nothing to change"
    path.write_text(after)
    return after


def insert_before(text: str, anchor: str, line: str) -> str:
    """Put `line` before the first line that starts with `anchor`."""
    lines = text.splitlines(keepends=True)
    index = next(i for i, existing in enumerate(lines) if existing.startswith(anchor))
    return "".join([*lines[:index], line + "\n", *lines[index:]])


def route(router: str, function: str) -> str:
    """The decorator and signature of one route function in a router module."""
    end = router.index(f"def {function}(")
    return router[router.rindex("@router.", 0, end) : router.index(":\n", end)]


def spec_mentions(project: Path, *needles: str, present: bool = True) -> None:
    """Hook for the design spec: checked once the template renders docs/api-design-spec.md.

    Until then the route checks in app/ carry the scenario; when the spec exists, every
    needle must be in it (or, with `present=False`, none may be).
    """
    path = project / SPEC
    if not path.exists():
        return
    text = path.read_text()
    for needle in needles:
        assert (needle in text) is present, (
            f"{SPEC}: {needle!r} {'missing' if present else 'still there'}"
        )


def passes_own_tests(project: Path) -> None:
    result = run_project_pytest(project, "-x")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]


RULE = '''

def loans_per_member_limit() -> int:
    """Hand-written: how many open loans a member may hold."""
    return 5
'''

HELPER = '''

def count_available(books: list[Book]) -> int:
    """Hand-written helper: how many of these books are on the shelf."""
    return sum(1 for book in books if book.available)
'''

FINE = {
    "name": "fine",
    "description": "A fine charged on a late loan.",
    "fields": {"loan": "ref loan", "amount": "decimal", "paid": "bool = false"},
    "permissions": {"read": ["librarian"], "create": ["librarian"], "update": ["librarian"]},
}


# --------------------------------------------------------------------------- stable rendering


@pytest.mark.parametrize("design", DESIGNS)
def test_same_design_renders_byte_identical(
    template_repo: Path, tmp_path: Path, design: str
) -> None:
    """Two renders of one design, in two processes with different hash seeds, are equal byte for byte."""
    data_file = tmp_path / "design.yml"
    data_file.write_text(yaml.safe_dump(design_data(design)))
    outputs = []
    for seed in ("1", "2"):
        dst = tmp_path / f"render-{seed}"
        result = subprocess.run(
            [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet",
             "--data-file", str(data_file), str(template_repo), str(dst)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(dst)

    first, second = outputs
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert files, "nothing was rendered"
    different = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert not different, f"renders differ in {different}"


def test_ruff_format_then_update_is_conflict_free(template_repo: Path, tmp_path: Path) -> None:
    """The output is already ruff-format-clean, so formatting the project never fights the next update."""
    project = new_project(template_repo, tmp_path / "project")
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--no-cache", "."],
        cwd=project, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert formatted.returncode == 0, formatted.stderr
    assert status(project) == [], "ruff format changed the rendered project"
    commit(project, "ruff format")

    update(project)  # the same template version and the same design
    assert status(project) == [], "an update with an unchanged design changed the project"

    design = resources(project)
    design[1]["fields"]["barcode"] = "str(32)? unique"
    update(project, {"resources": design})
    assert conflicts(project) == []
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."],
        cwd=project, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


# --------------------------------------------------------------------------- design changes


def test_add_resource_keeps_hand_edits(template_repo: Path, tmp_path: Path) -> None:
    """a. A new resource arrives whole; a hand edit in another router and the rules files stay."""
    project = new_project(template_repo, tmp_path / "project")
    router = edit(
        project / "app/routers/loan.py",
        lambda text: insert_before(
            text, "@router.post(", "# Hand edit: loans start at the front desk."
        ),
    )
    rules = edit(project / "app/rules/loan.py", lambda text: text + RULE)
    commit(project, "Hand edits")

    # The README's command: the data file holds the design's whole resources list.
    design_file = tmp_path / "design.yml"
    design_file.write_text(
        yaml.safe_dump({"resources": [*resources(project), FINE]}, sort_keys=False)
    )
    result = copier_cli(project, "update", "--trust", "--defaults", "--data-file", str(design_file))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    for path in (
        "app/models/fine.py",
        "app/routers/fine.py",
        "app/services/fine.py",
        "app/rules/fine.py",
        "tests/test_fine.py",
    ):
        assert (project / path).is_file(), f"{path} was not created"
    assert "fine" in (project / "app/routers/__init__.py").read_text()
    assert "class Fine(" in (project / "app/models/fine.py").read_text()
    assert "def check_fine(" in (project / "app/rules/fine.py").read_text()
    assert [r["name"] for r in answers(project)["resources"]] == ["author", "book", "loan", "fine"]

    # The loan router changed (a loan may now be referenced: 409 on delete) and kept the hand edit.
    new_router = (project / "app/routers/loan.py").read_text()
    assert "# Hand edit: loans start at the front desk." in new_router
    assert new_router != router, "the new reference to loans did not reach the loan router"
    assert (project / "app/rules/loan.py").read_text() == rules
    assert conflicts(project) == []
    spec_mentions(project, "/fines", "Fine")

    passes_own_tests(project)


def test_add_field_keeps_hand_written_helper(template_repo: Path, tmp_path: Path) -> None:
    """b. A field added to a resource whose service the user extended: both are there."""
    project = new_project(template_repo, tmp_path / "project")
    edit(project / "app/services/book.py", lambda text: text + HELPER)
    commit(project, "A helper of my own")

    design = resources(project)
    book = next(r for r in design if r["name"] == "book")
    book["fields"]["barcode"] = "str(32)? unique"
    update(project, {"resources": design})

    service = (project / "app/services/book.py").read_text()
    assert "def count_available(books: list[Book]) -> int:" in service
    assert service.endswith(HELPER), "the hand-written helper is no longer where it was"
    assert "barcode" in service, "the unique check of the new field did not reach the service"
    assert "barcode: StorableStr | None" in (project / "app/models/book.py").read_text()
    assert "barcode" in (project / "tests/test_book.py").read_text()
    assert conflicts(project) == []
    spec_mentions(project, "barcode")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout


def test_add_role_and_change_permission(template_repo: Path, tmp_path: Path) -> None:
    """c. A new role and a changed permission reach the scopes, the route checks and the spec."""
    project = new_project(template_repo, tmp_path / "project")
    router_before = (project / "app/routers/book.py").read_text()
    assert '"volunteer"' not in router_before

    design = resources(project)
    book = next(r for r in design if r["name"] == "book")
    book["permissions"]["update"] = ["librarian", "volunteer"]
    update(project, {"roles": ["admin", "librarian", "member", "volunteer"], "resources": design})
    commit(project, "Volunteers may correct books")

    assert answers(project)["roles"] == ["admin", "librarian", "member", "volunteer"]
    assert '"volunteer": "Role volunteer"' in (project / "app/deps.py").read_text()
    router = (project / "app/routers/book.py").read_text()
    assert 'UPDATE_SCOPES = ["admin", "librarian", "volunteer"]' in router
    assert 'CREATE_SCOPES = ["admin", "librarian"]' in router
    assert 'DELETE_SCOPES = ["admin", "librarian"]' in router
    assert "scopes=UPDATE_SCOPES" in route(router, "update_book")
    assert "scopes=CREATE_SCOPES" in route(router, "create_book")
    spec_mentions(project, "volunteer")
    assert conflicts(project) == []

    passes_own_tests(project)


def test_remove_resource_removes_its_files(template_repo: Path, tmp_path: Path) -> None:
    """e. A removed resource's files go, even edited ones and its rules file; git keeps the old versions."""
    project = new_project(template_repo, tmp_path / "project")
    edit(project / "app/rules/loan.py", lambda text: text + RULE)
    edit(
        project / "app/routers/loan.py",
        lambda text: insert_before(
            text, "@router.post(", "# Hand edit: loans start at the front desk."
        ),
    )
    commit(project, "Hand edits")

    without_loans = [r for r in resources(project) if r["name"] != "loan"]
    with pytest.raises(UserMessageError, match="the new design removes loan"):
        update(project, {"resources": without_loans})
    assert status(project) == [], "a refused removal changed files"
    update(project, {"resources": without_loans, "confirm_removal": "loan"})

    gone = [
        "app/models/loan.py",
        "app/routers/loan.py",
        "app/services/loan.py",
        "app/rules/loan.py",
        "tests/test_loan.py",
    ]
    for path in gone:
        assert not (project / path).exists(), f"{path} is still there"
    deleted = sorted(line[3:] for line in status(project) if line.startswith(" D "))
    assert deleted == sorted(gone), "the deletions are not all visible in git status"
    for path in ("app/routers/__init__.py", "app/models/__init__.py", "app/services/book.py"):
        assert "loan" not in (project / path).read_text().lower(), f"{path} still mentions loans"
    assert RULE in git(project, "show", "HEAD:app/rules/loan.py"), (
        "the rules are not recoverable from git"
    )
    assert conflicts(project) == []
    spec_mentions(project, "/loans", present=False)


# --------------------------------------------------------------------------- template versions


def make_versioned_template(folder: Path) -> None:
    template = make_template_repo(folder / "template", tag="1.0.0")
    main = template / "template/app/main.py.jinja"
    lines = main.read_text().splitlines(keepends=True)
    assert lines[0].startswith('"""')
    lines[0] = '"""The application, as template 1.1.0 renders it."""\n'
    main.write_text("".join(lines))
    stub = next((template / "template/app/rules").glob("{%*.jinja"))
    lines = stub.read_text().splitlines(keepends=True)
    assert lines[0].startswith('"""')
    lines[0] = '"""Business rules (template 1.1.0 stub): yours to edit."""\n'
    stub.write_text("".join(lines))
    with (template / "hooks/design.py").open("a") as design:
        design.write('\n\nDesign.template_version = "1.1.0"  # type: ignore[attr-defined]\n')
    with (template / "template/README.md.jinja").open("a") as readme:
        readme.write("\nRendered by template {{ design.template_version }}.\n")
    git(template, "commit", "-q", "-am", "template 1.1.0")
    git(template, "tag", "1.1.0")


@pytest.fixture(scope="session")
def versioned_template(shared_folder: Path) -> Path:
    """The template tagged 1.0.0, then 1.1.0: a new docstring in app/main.py and in the rules stub,
    and a new attribute of the design model that the rendered README shows. Made once per run,
    for every worker (read-only), so its committed projects are made once too (new_project)."""
    return (built_once("versioned-template", make_versioned_template) / "template").resolve()


def test_new_template_version_merges_non_overlapping_edits(
    versioned_template: Path, tmp_path: Path
) -> None:
    """d. The template and the user changed app/main.py in different places: both changes are kept.

    The same update also changes the design, as README says one may.
    """
    project = new_project(versioned_template, tmp_path / "project", vcs_ref="1.0.0")
    assert answers(project)["_commit"] == "1.0.0"
    edit(project / "app/main.py", lambda text: text + "app.state.hand_edited = True\n")
    rules = edit(project / "app/rules/book.py", lambda text: text + RULE)
    author_rules = (project / "app/rules/author.py").read_text()
    (project / "docs/decisions.md").write_text("# Decisions\n\n- Loans last 3 weeks.\n")
    commit(project, "Hand edits")

    # No vcs_ref: the newest PEP 440 tag. A design change rides along.
    update(project, {"resources": [*resources(project), FINE]})

    assert answers(project)["_commit"] == "1.1.0"
    new_rules = (project / "app/rules/fine.py").read_text()
    assert new_rules.startswith('"""Business rules (template 1.1.0 stub)')
    main = (project / "app/main.py").read_text()
    assert main.startswith('"""The application, as template 1.1.0 renders it."""\n')
    assert main.endswith("app = create_app()\napp.state.hand_edited = True\n")
    # app/rules/*.py are the user's (_skip_if_exists): a new stub never replaces them, edited or not.
    assert (project / "app/rules/book.py").read_text() == rules
    assert (project / "app/rules/author.py").read_text() == author_rules
    # So is docs/decisions.md, the review's decisions and open questions the spec links to.
    assert (project / "docs/decisions.md").read_text() == "# Decisions\n\n- Loans last 3 weeks.\n"
    assert conflicts(project) == []
    commit(project, "Update to 1.1.0")

    downgrade = copier_cli(project, "update", "--trust", "--defaults", "--vcs-ref=1.0.0")
    assert downgrade.returncode != 0
    assert (
        "You are downgrading from 1.1.0 to 1.0.0. Downgrades are not supported." in downgrade.stderr
    )
    assert "Traceback" not in downgrade.stderr
    assert status(project) == []


def readme_shell(project: Path, block: str) -> None:
    """Run a block of README's commands as written, in bash, with this interpreter's `copier`."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": path},
    )
    assert result.returncode == 0, f"{block}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr


def test_every_command_of_readmes_updating_section_runs_as_written(
    versioned_template: Path, tmp_path: Path
) -> None:
    """README's Updating commands, copied from README and run in bash in this order: the versions,
    the design file edited and applied, and taking an update back."""
    project = new_project(versioned_template, tmp_path / "project", vcs_ref="1.0.0")
    newest, pinned = readme_block("Run these commands in the project").strip().splitlines()

    readme_shell(project, newest)
    assert answers(project)["_commit"] == "1.1.0"
    commit(project, "Update to the newest version")
    readme_shell(project, pinned)
    assert answers(project)["_commit"] == "1.1.0"
    assert status(project) == []

    def add_book_field(name: str) -> str:
        """Type a field into design.yml, as a person does."""
        return edit(
            project / "design.yml",
            lambda text: text.replace(ISBN_LINE, ISBN_LINE + f"      {name}: str(200)?\n", 1),
        )

    def book_fields() -> list[str]:
        return list(next(r for r in resources(project) if r["name"] == "book")["fields"])

    commit_first, by_file, both = readme_block("**Changing the design.**").strip().splitlines()
    edited = add_book_field("subtitle")
    readme_shell(project, commit_first)
    readme_shell(project, by_file)
    assert "subtitle" in book_fields()
    assert "subtitle" in (project / "app/models/book.py").read_text()
    assert (project / "design.yml").read_text() == edited
    commit(project, "Books have a subtitle")
    add_book_field("edition")
    readme_shell(project, commit_first)
    readme_shell(project, both)
    assert "edition" in book_fields()
    assert "edition" in (project / "app/models/book.py").read_text()

    # Taking the (uncommitted) update back, then updating again.
    undo, redo = readme_block("**Taking an update back.**").strip().splitlines()
    readme_shell(project, undo)
    assert status(project) == []
    assert "edition" not in book_fields()
    assert "edition" not in (project / "app/models/book.py").read_text()
    readme_shell(project, redo)
    assert "edition" in book_fields()
    assert answers(project)["_commit"] == "1.1.0"
    commit(project, "Books have an edition")

    # The project's own README: edit its design.yml, commit, apply; then the other updates.
    readme = (project / "README.md").read_text()
    section = readme.split("## Changing the design", 1)[1].split("\n## ", 1)[0]
    applying, others = re.findall(r"```bash\n(.*?)```", section, re.S)[:2]
    edited = edit(
        project / "design.yml",
        lambda text: text.replace(ISBN_LINE, ISBN_LINE + "      series: str(200)?\n", 1),
    )
    for command in applying.splitlines():
        readme_shell(project, command)
    assert "series" in book_fields()
    assert (project / "design.yml").read_text() == edited
    for command in [line for line in others.splitlines() if not line.startswith("#")]:
        if status(project):  # each update starts from a committed project
            commit(project, "Apply the design")
        readme_shell(project, command)
    assert "series" in book_fields()
    assert answers(project)["_commit"] == "1.1.0"
    assert yaml.safe_load((project / "design.yml").read_text())["resources"] == resources(project)
    assert conflicts(project) == []


def test_new_template_version_marks_overlapping_edits(
    versioned_template: Path, tmp_path: Path
) -> None:
    """d. The template and the user changed the same line: inline conflict markers hold both, nothing is dropped."""
    project = new_project(versioned_template, tmp_path / "project", vcs_ref="1.0.0")
    mine = '"""Our library\'s API, documented by hand."""'
    edit(project / "app/main.py", lambda text: mine + "\n" + text.split("\n", 1)[1])
    commit(project, "My docstring")

    result = copier_cli(project, "update", "--trust", "--defaults", "--vcs-ref=1.1.0")
    # Copier reports success; copier.yml's message points at `git status`.
    assert result.returncode == 0, result.stderr
    assert "Updating to template version 1.1.0" in result.stderr
    assert '"UU" marks a file' in result.stderr, "copier.yml's _message_after_update is missing"
    assert "async_db is now" not in result.stderr  # it did not change
    assert "--check first lists the rows that block it" in result.stderr

    main = (project / "app/main.py").read_text()
    assert CONFLICT_START in main and CONFLICT_END in main
    block = main[main.index(CONFLICT_START) : main.index(CONFLICT_END)]
    assert mine in block, "the user's line is not in the conflict"
    assert '"""The application, as template 1.1.0 renders it."""' in block
    assert conflicts(project) == ["app/main.py"]
    # Git knows the file is unmerged, so `git status` and editors point the user at it.
    assert git(project, "diff", "--name-only", "--diff-filter=U").split() == ["app/main.py"]


def fresh_equals_updated(fresh: Path, updated: Path, *, except_under: str = "\0") -> list[str]:
    """Files that differ between a fresh render and an updated project (git's own files aside)."""
    names = {
        str(path.relative_to(root))
        for root in (fresh, updated)
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }
    return sorted(
        name
        for name in names
        if not name.startswith(except_under)
        and (
            not (fresh / name).is_file()
            or not (updated / name).is_file()
            or (fresh / name).read_bytes() != (updated / name).read_bytes()
        )
    )


def test_updated_project_equals_a_fresh_render(template_repo: Path, tmp_path: Path) -> None:
    """Without hand edits, updating to a new design gives exactly what copying that design gives."""
    project = new_project(template_repo, tmp_path / "project")
    design = [*resources(project), FINE]
    design[0]["fields"]["nickname"] = "str(40)?"
    update(project, {"resources": design, "async_db": True})
    fresh = render(template_repo, tmp_path / "fresh", {**answers(project), "resources": design})
    # The first migration is written once and kept: a design change gets a migration of its own.
    assert fresh_equals_updated(fresh, project, except_under="migrations/versions/") == []


def test_new_template_version_brings_its_design_model(
    versioned_template: Path, tmp_path: Path
) -> None:
    """An unedited project updated to 1.1.0 equals a fresh 1.1.0 copy, hooks/design.py changes included."""
    project = new_project(versioned_template, tmp_path / "project", vcs_ref="1.0.0")
    update(project, vcs_ref="1.1.0")
    fresh = render(versioned_template, tmp_path / "fresh", vcs_ref="1.1.0")
    assert (fresh / "README.md").read_text().endswith("Rendered by template 1.1.0.\n")
    # app/rules/ is the user's: existing files keep the 1.0.0 stub.
    assert fresh_equals_updated(fresh, project, except_under="app/rules/") == []


# --------------------------------------------------------------------------- common mistakes


FIRST_RELEASE = "cffb229"  # CHANGELOG's 1.0.0: the last commit of 2026-11-24


def releases(tmp_path: Path, earlier: str) -> Path:
    """A template repository tagged 1.0.0 at this repository's commit `earlier` and 2.0.0 at this
    checkout's template files; the test is skipped in a clone whose history does not reach back."""
    if subprocess.run(
        ["git", "cat-file", "-e", f"{earlier}^{{commit}}"], cwd=ROOT, capture_output=True
    ).returncode:
        pytest.skip(f"this checkout has no history back to {earlier} (a shallow clone)")
    template = tmp_path / "template"
    git(tmp_path, "clone", "-q", "--no-checkout", str(ROOT), str(template))
    git(template, "checkout", "-q", "-b", "releases", earlier)
    git(template, "tag", "1.0.0")
    for name in TEMPLATE_FILES:  # this checkout's template, as the next release
        shutil.rmtree(template / name, ignore_errors=True)
        (template / name).unlink(missing_ok=True)
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, template / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, template / name)
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "this version")
    git(template, "tag", "2.0.0")
    return template


def test_a_project_rendered_by_the_first_release_updates_and_passes_its_tests(
    tmp_path: Path,
) -> None:
    """An upgrade across the whole history: the first release's project takes this version (with
    `requirements.txt`'s tools, which include what the old version's hooks import), keeps a hand
    edit, and its tests pass."""
    template = releases(tmp_path, FIRST_RELEASE)
    project = new_project(template, tmp_path / "project", vcs_ref="1.0.0")
    edit(project / "app/rules/book.py", lambda text: text + RULE)
    commit(project, "A rule of my own")
    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert answers(project)["_commit"] == "2.0.0"
    assert RULE in (project / "app/rules/book.py").read_text()
    assert conflicts(project) == []
    passes_own_tests(project)

    # 1.0.0 had no contract: `--changes` says so, and starts the record from this one.
    recorded = contract_command(project, "--changes")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    since = git(project, "rev-parse", "--short", "HEAD").strip()
    said = (
        f"No earlier contract to compare with: {since} has no docs/api-contract.json (a template "
        "version without one made it), so what this change did to clients is not listed here "
        f"(the spec shows it: `git diff {since} -- docs/api-design-spec.md`). The contract as it "
        "stands is the baseline: commit it, and later entries list what changes from it."
    )
    assert said in recorded.stdout
    assert said in (project / "docs/api-changes.md").read_text()
    commit(project, "Update to 2.0.0")
    again = contract_command(project, "--changes")
    assert again.returncode == 0 and "No change to the API." in again.stdout, again.stdout


def test_dirty_project_is_refused_with_a_clear_message(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project")
    edit(project / "app/main.py", lambda text: text + "# uncommitted\n")
    (tmp_path / "project/design.yml").write_text("resources: []\n")  # untracked counts too

    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode != 0
    assert DIRTY in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "app/main.py").read_text().endswith("# uncommitted\n")

    git(project, "checkout", "--", "app/main.py")
    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode != 0 and DIRTY in result.stderr, (
        "an untracked file alone should block too"
    )


def test_missing_trust_is_refused_with_a_clear_message(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project")
    result = copier_cli(project, "update", "--defaults")
    assert result.returncode != 0
    assert UNSAFE in result.stderr
    assert "--trust" in result.stderr
    assert "Traceback" not in result.stderr
    assert status(project) == []


def test_bad_design_on_update_leaves_project_untouched(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project")
    bad = tmp_path / "design.yml"
    design = resources(project)
    design[1]["fields"]["weight"] = "flaot"
    bad.write_text(yaml.safe_dump({"resources": design}))

    result = copier_cli(project, "update", "--trust", "--defaults", "--data-file", str(bad))
    assert result.returncode != 0
    assert "resource 'book', field 'weight': unknown type 'flaot'" in result.stderr
    assert "Traceback" not in result.stderr
    assert status(project) == []


def test_a_data_file_that_drops_resources_is_refused_until_they_are_named(
    template_repo: Path, tmp_path: Path
) -> None:
    """A data file holding only the new resource would delete every other resource's code:
    refused, naming them and the confirmation; with it, they go."""
    project = new_project(template_repo, tmp_path / "project")
    edit(project / "app/rules/book.py", lambda text: text + RULE)
    commit(project, "A rule")
    design = tmp_path / "design.yml"
    design.write_text(
        yaml.safe_dump({"resources": [{"name": "shelf", "fields": {"label": "str(40)"}}]})
    )

    def update_to_shelves(*confirmation: str) -> subprocess.CompletedProcess[str]:
        update = ("update", "--trust", "--defaults", "--data-file", str(design))
        return copier_cli(project, *update, *confirmation)

    refused_untouched(
        project,
        update_to_shelves(),
        "Nothing was changed: the new design removes author, book, loan",
        "A data file replaces the whole `resources` list",
        "--data confirm_removal='author, book, loan'",
    )

    wrong = update_to_shelves("--data", "confirm_removal=author, book")
    assert wrong.returncode != 0 and status(project) == []
    confirmed = update_to_shelves("--data", "confirm_removal=author, book, loan")
    assert confirmed.returncode == 0, confirmed.stderr
    assert (project / "app/models/shelf.py").is_file()
    assert not (project / "app/rules/book.py").exists()
    assert "confirm_removal" not in (project / ".copier-answers.yml").read_text()
    commit(project, "Shelves only")
    again = copier_cli(project, "update", "--trust", "--defaults")  # nothing removed: no question
    assert again.returncode == 0, again.stderr


def test_a_hand_edited_answers_file_is_refused_with_the_way_to_change_the_design(
    template_repo: Path, tmp_path: Path
) -> None:
    """An update compares two renders of the same answers, so a design edited in the answers file
    would never reach the code; it is refused, saying how to change the design instead."""
    project = new_project(template_repo, tmp_path / "project")
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace("pages: int?", "pages: int"))
    commit(project, "Edit the design by hand")
    refused_untouched(
        project,
        copier_cli(project, "update", "--trust", "--defaults"),
        ".copier-answers.yml was edited by hand since Copier wrote it",
        "git checkout -- .copier-answers.yml",
        "--data-file design.yml",
    )

    git(project, "revert", "--no-edit", "HEAD")  # the way back; then the documented way
    design = tmp_path / "design.yml"
    changed = resources(project)
    changed[1]["fields"]["pages"] = "int = 1"
    design.write_text(yaml.safe_dump({"resources": changed}, sort_keys=False))
    result = copier_cli(project, "update", "--trust", "--defaults", "--data-file", str(design))
    assert result.returncode == 0, result.stderr
    assert "pages: SafeInt = Field(default=1" in (project / "app/models/book.py").read_text()


ARCHIVE_ROUTE = '''

@router.post(
    "/{author_id}/archive",
    status_code=status.HTTP_200_OK,
    response_model=AuthorPublic,
    responses=error_responses(401, 403, 404, 422),
)
def archive_author(
    grant: Annotated[Grant, Security(authorize, scopes=UPDATE_SCOPES)],
    session: WriteSessionDep,
    author_id: RowId,
) -> Author:
    """An archived author keeps the books and the name, not the biography."""
    author = service.get_author(session=session, author_id=author_id)
    changes = AuthorUpdate(biography=None)
    return service.update_author(
        session=session, author=author, author_in=changes, caller=grant.user
    )
'''


def test_a_custom_endpoint_is_documented_in_its_own_file_and_stays_agreed(
    template_repo: Path, tmp_path: Path
) -> None:
    """A route added by hand fails the agreement test until docs/custom-endpoints.md has its row
    (the file's own example, taken as written); a `same as` row follows a later change of the
    scopes it reuses, and no update rewrites the file."""
    project = new_project(template_repo, tmp_path / "project")
    edit(project / "app/routers/author.py", lambda text: text + ARCHIVE_ROUTE)
    undocumented = run_project_pytest(project, "-q", "tests/test_api_spec.py")
    assert undocumented.returncode != 0
    assert "'/api/v1/authors/{author_id}/archive'" in undocumented.stdout

    custom = project / "docs/custom-endpoints.md"
    example = re.search(r"```markdown\n(.*?)\n```", custom.read_text(), re.S)
    assert example is not None, "docs/custom-endpoints.md shows no example row"
    assert example.group(1).startswith("| POST | `/api/v1/authors/{author_id}/archive` |")
    edit(custom, lambda text: text + example.group(1) + "\n")
    documented = run_project_pytest(project, "-q", "tests/test_api_spec.py")
    assert documented.returncode == 0, documented.stdout[-3000:]
    assert contract_command(project, "--write").returncode == 0
    commit(project, "Archive authors")

    changed = resources(project)
    changed[0]["permissions"]["update"] = ["member"]
    update(project, {"resources": changed})
    assert 'UPDATE_SCOPES = ["admin", "member"]' in (project / "app/routers/author.py").read_text()
    assert example.group(1) in custom.read_text()
    assert conflicts(project) == []
    after = run_project_pytest(project, "-q", "tests/test_api_spec.py")
    assert after.returncode == 0, after.stdout[-3000:]

    # `--changes` records the archive route's access, which followed the update route's, and
    # still refuses a generated route changed by hand, which no design change explains.
    archive, patch = "POST /api/v1/authors/{author_id}/archive", "PATCH /api/v1/authors/{author_id}"
    book_router = project / "app/routers/book.py"
    hand_made = book_router.read_text()
    edit(
        book_router,
        lambda text: text.replace(
            "status_code=status.HTTP_201_CREATED", "status_code=status.HTTP_200_OK", 1
        ),
    )
    drifted = contract_command(project, "--changes")
    assert drifted.returncode == 1
    assert "POST /api/v1/books: answers 200 instead of 201" in drifted.stderr
    assert archive not in drifted.stderr
    assert f"the access of {archive}, `same as` a generated route" in drifted.stdout
    book_router.write_text(hand_made)
    recorded = contract_command(project, "--changes")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    breaking = (project / "docs/api-changes.md").read_text().split("**Other changes:**")[0]
    for name in (archive, patch):
        assert f"- `{name}`: access admin, librarian -> admin, member" in breaking, breaking
    contract = json.loads((project / "docs/api-contract.json").read_text())
    assert contract["operations"][archive]["auth"] == ["admin", "member"]
    agreed = run_project_pytest(project, "-q", "tests/test_api_contract.py")
    assert agreed.returncode == 0, agreed.stdout[-3000:]

    edit(
        custom,
        lambda text: text.replace("| `401`, `403`, `404`, `422` |", "| `401`, `404`, `422` |"),
    )
    stale = run_project_pytest(project, "-q", "tests/test_api_spec.py")
    assert stale.returncode != 0, "a row that leaves out status codes passed"


def contract_command(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m tools.contract ...` in the project."""
    return subprocess.run(
        [sys.executable, "-m", "tools.contract", *args],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
    )


REFUSING_RULE = '''

def check_author(author: Author) -> None:
    """Pen names are kept in the biography, not the name."""
    if author.name.startswith("Pen name"):
        raise InvalidInput("name", "a pen name belongs in the biography")
'''

RULE_REQUEST = """
from fastapi.testclient import TestClient
from app.core.config import Settings
from app.main import create_app

settings = Settings(environment="development", database_url="sqlite:///rules.db")
with TestClient(create_app(settings)) as client:
    form = {"username": settings.first_admin_email, "password": settings.first_admin_password}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    headers = {"Authorization": "Bearer " + token}
    response = client.post("/api/v1/authors", json={"name": "Pen name X"}, headers=headers)
    print(response.status_code, response.text)
"""


def test_a_rule_refusing_a_value_answers_422_with_a_value_error(
    template_repo: Path, tmp_path: Path
) -> None:
    """`InvalidInput` raised in app/rules/ names the field with `value_error` (not
    `invalid_reference`, which is for a reference to a missing row)."""
    project = new_project(template_repo, tmp_path / "project")
    rules = project / "app/rules/author.py"
    rules.write_text(
        '"""Business rules for authors."""\n\n'
        "from app.core.errors import InvalidInput\n"
        "from app.models.author import Author\n" + REFUSING_RULE
    )
    result = forkserver.run(
        [sys.executable, "-c", RULE_REQUEST],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(project)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status_code, body = result.stdout.split(" ", 1)
    assert status_code == "422"
    assert json.loads(body)["detail"] == [
        {
            "loc": ["body", "name"],
            "msg": "a pen name belongs in the biography",
            "type": "value_error",
        }
    ]


# The rules stub of the releases before rules were told who calls and what the row was.
ONE_ARGUMENT_STUB = '''"""{{ r.plural_label | capitalize }}: your business rules, which `copier update` never overwrites."""

from app.models.{{ r.name }} import {{ r.class_name }}


def check_{{ r.name }}({{ r.name }}: {{ r.class_name }}) -> None:
    """Raise `app.core.errors.InvalidInput` or `Conflict` to refuse a row the schema alone allows."""
'''


def test_a_one_argument_rule_keeps_working_after_the_update_that_adds_context(
    tmp_path: Path,
) -> None:
    """Issue 27: a project whose rules file predates `caller` and `before` (template 1.0.0, the
    one-argument stub) updates to the template that passes them. The file is never overwritten;
    the project stays lint-, type- and test-clean, and its hand rule still refuses."""
    template = make_template_repo(tmp_path / "template", tag="1.1.0")
    stub = next((template / "template/app/rules").glob("{%*.jinja"))
    current_stub = stub.read_text()
    git(template, "tag", "-d", "1.1.0")
    stub.write_text(ONE_ARGUMENT_STUB)
    git(template, "commit", "-q", "-am", "template 1.0.0: the one-argument rules stub")
    git(template, "tag", "1.0.0")
    stub.write_text(current_stub)
    git(template, "commit", "-q", "-am", "template 1.1.0: rules with context")
    git(template, "tag", "1.1.0")

    project = new_project(template, tmp_path / "project", vcs_ref="1.0.0")
    book_rules = (project / "app/rules/book.py").read_text()
    assert "def check_book(book: Book) -> None:" in book_rules  # the stub as 1.0.0 wrote it
    rules = project / "app/rules/author.py"
    rules.write_text(
        '"""Business rules for authors."""\n\n'
        "from app.core.errors import InvalidInput\n"
        "from app.models.author import Author\n" + REFUSING_RULE
    )
    hand_rules = rules.read_text()
    commit(project, "A hand rule, one argument")

    update(project)

    assert answers(project)["_commit"] == "1.1.0"
    assert rules.read_text() == hand_rules and "def check_author(author: Author)" in hand_rules
    assert (project / "app/rules/book.py").read_text() == book_rules
    service = (project / "app/services/author.py").read_text()
    assert "apply_rules(check_author, author, caller=caller, before=before)" in service
    assert conflicts(project) == []
    for tool in (
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "app", "tools"],
    ):
        checked = subprocess.run(
            [sys.executable, "-m", *tool], cwd=project, capture_output=True, text=True, timeout=600
        )
        assert checked.returncode == 0, f"{tool}: {checked.stdout}{checked.stderr}"
    passes_own_tests(project)
    result = subprocess.run(
        [sys.executable, "-c", RULE_REQUEST],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status_code, body = result.stdout.split(" ", 1)
    assert status_code == "422", body
    assert json.loads(body)["detail"][0]["msg"] == "a pen name belongs in the biography"


def test_switching_async_db_keeps_a_dotenv_database_url_working(
    template_repo: Path, tmp_path: Path
) -> None:
    """`.env` written for the sync build (`sqlite:///`) serves the async build after the switch,
    and back: the app gives the URL its own build's driver."""
    project = new_project(template_repo, tmp_path / "project")
    (project / ".env").write_text("DATABASE_URL=sqlite:///./kept.db\nENVIRONMENT=development\n")
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    for async_db in (True, False):
        answer = "true" if async_db else "false"
        updated = copier_cli(
            project, "update", "--trust", "--defaults", f"--data=async_db={answer}"
        )
        assert updated.returncode == 0, updated.stderr[-3000:]
        # The update's message says what switching asks of hand-written code.
        assert f'async_db is now {answer}: reinstall for its drivers (pip install -e ".[dev]")' in (
            updated.stderr
        )
        assert "then run `mypy app`: it finds code you wrote by hand" in updated.stderr
        assert f"for the {'sync' if async_db else 'async'} build" in updated.stderr
        commit(project, f"async_db={async_db}")
        started = forkserver.run(
            [sys.executable, "-c", START_AND_COUNT],
            cwd=project,
            env={**environment, "PYTHONPATH": str(project)},
            timeout=300,
        )
        assert started.returncode == 0, started.stderr[-3000:]
        assert started.stdout.split() == ["sqlite+aiosqlite" if async_db else "sqlite", "200"]
    assert (project / "kept.db").is_file()


START_AND_COUNT = """
from fastapi.testclient import TestClient
from sqlalchemy import make_url
from app.core.config import get_settings
from app.main import create_app

print(make_url(get_settings().database_url).drivername)
with TestClient(create_app()) as client:
    print(client.get("/api/v1/books").status_code)
"""


def test_relative_template_path_fails_and_the_documented_fix_works(
    template_repo: Path, tmp_path: Path
) -> None:
    """A relative template path is recorded as typed and later resolved from wherever `copier update` runs."""
    relative = os.path.relpath(template_repo, tmp_path)
    result = copier_cli(tmp_path, "copy", "--trust", "--defaults", relative, "project")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "project"
    assert answers(project)["_src_path"] == relative
    warning = f"Warning: the template is recorded by the relative path {relative!r}"
    assert warning in result.stdout + result.stderr
    assert f"  _src_path: {template_repo}\n" in result.stdout + result.stderr
    git(project, "init", "-q", "-b", "main")
    commit(project, "Render the project")

    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode != 0
    assert NOT_GIT_TEMPLATE in result.stderr
    assert "Traceback" not in result.stderr

    # The fix README gives: record the absolute path (or a URL), commit, update again.
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(
        answers_file.read_text().replace(
            f"_src_path: {relative}\n", f"_src_path: {template_repo}\n"
        )
    )
    commit(project, "Record the template's absolute path")
    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode == 0, result.stderr
    assert "Keeping template version 1.0.0" in result.stderr
    assert status(project) == []


def test_yaml_answer_given_with_data_on_update(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project")
    result = copier_cli(
        project,
        "update",
        "--trust",
        "--defaults",
        "--data",
        "roles=[admin, librarian, member, volunteer]",
    )
    assert result.returncode == 0, result.stderr
    assert answers(project)["roles"] == ["admin", "librarian", "member", "volunteer"]


def test_project_outside_git_is_refused(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "project")
    shutil.rmtree(project / ".git")  # copy made it a repository; a user may have removed it
    result = copier_cli(project, "update", "--trust", "--defaults")
    assert result.returncode != 0
    assert "Updating is only supported in git-tracked subprojects." in result.stderr
    assert "Traceback" not in result.stderr


def test_changelog_names_the_released_versions() -> None:
    changelog = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog")
    assert "## [1.0.0]" in changelog
    assert "[Unreleased]" in changelog


def test_an_update_records_what_changed_for_clients(template_repo: Path, tmp_path: Path) -> None:
    """After an update, `python -m tools.contract --changes` writes what changed to
    docs/api-changes.md, breaking first; docs/updating.md (linked from README) shows this very case."""
    project = new_project(template_repo, tmp_path / "project")
    design = resources(project)
    book = next(r for r in design if r["name"] == "book")
    book["fields"]["subtitle"] = "str(200)?"
    book["permissions"]["delete"] = []
    update(project, {"resources": design})

    command = [sys.executable, "-m", "tools.contract", "--changes"]
    environment = {**os.environ, "PYTHONPATH": str(project)}
    result = forkserver.run(command, cwd=project, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    record = (project / "docs/api-changes.md").read_text()
    entry = "## " + record.split("\n## ", 1)[1]
    heading, body = entry.split("\n", 1)
    assert re.fullmatch(r"## \d{4}-\d\d-\d\d: since [0-9a-f]{7,}", heading), heading
    shown = readme_block("docs/api-changes.md` after adding", "docs/updating.md")
    assert body == shown.split("\n", 1)[1], f"docs/updating.md's excerpt differs:\n{body}"

    commit(project, "Subtitles; only administrators delete books")
    again = forkserver.run(command, cwd=project, env=environment)
    assert again.returncode == 0, again.stderr
    assert "No change to the API." in again.stdout
    assert (project / "docs/api-changes.md").read_text().count("\n## ") == 2


def test_a_route_changed_by_hand_fails_until_the_contract_records_it(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "project")
    edit(
        project / "app/routers/book.py",
        lambda text: text.replace(
            "status_code=status.HTTP_201_CREATED", "status_code=status.HTTP_200_OK", 1
        ),
    )
    failed = run_project_pytest(project, "tests/test_api_contract.py")
    assert failed.returncode == 1
    assert "python -m tools.contract --write" in failed.stdout
    command = [sys.executable, "-m", "tools.contract", "--write"]
    environment = {**os.environ, "PYTHONPATH": str(project)}
    written = forkserver.run(command, cwd=project, env=environment)
    assert written.returncode == 0, written.stdout + written.stderr
    contract = json.loads((project / "docs/api-contract.json").read_text())
    assert contract["operations"]["POST /api/v1/books"]["status"] == 200
    assert run_project_pytest(project, "tests/test_api_contract.py").returncode == 0
