"""`copier copy` as users run it: the default design, every example, and designs it must refuse."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from copier.errors import UserMessageError

from tests.helpers import EXAMPLES, git, load_design, render

BAD_DESIGN = {
    "resources": [
        {"name": "class", "fields": {"title": "str"}},
        {"name": "book", "fields": {"title": "str(0)", "author": "ref writer"}},
    ]
}


def copier_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "copier", *args], capture_output=True, text=True, timeout=300
    )


def test_default_design_renders_a_complete_project(rendered: Callable[..., Path]) -> None:
    project = rendered("default")
    for path in ("app/main.py", "app/models/book.py", "docs/api-design-spec.md", "alembic.ini"):
        assert (project / path).is_file(), path
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert [r["name"] for r in answers["resources"]] == ["author", "book", "loan"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_examples_render_and_their_answers_round_trip(
    template_repo: Path, tmp_path: Path, example: Path
) -> None:
    design = load_design(example)
    project = render(template_repo, tmp_path / "project", design)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for key, value in design.items():
        assert answers[key] == value, key
    # Key order is kept, so a later `copier update` sees no false edits.
    assert [list(r) for r in answers["resources"]] == [list(r) for r in design["resources"]]
    for resource in design["resources"]:
        assert (project / "app" / "models" / f"{resource['name']}.py").is_file()


def test_refused_design_writes_nothing(template_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(UserMessageError) as refused:
        render(template_repo, tmp_path / "project", BAD_DESIGN)
    assert "resource 'class'" in refused.value.message
    assert not (tmp_path / "project").exists()


def test_cli_refuses_a_bad_design_file_cleanly(template_repo: Path, tmp_path: Path) -> None:
    design_file = tmp_path / "design.yml"
    design_file.write_text(yaml.safe_dump(BAD_DESIGN, sort_keys=False))
    existing = tmp_path / "existing"
    existing.mkdir()
    for destination in (tmp_path / "new", existing):
        result = copier_cli(
            "copy",
            "--trust",
            "--defaults",
            "--data-file",
            str(design_file),
            str(template_repo),
            str(destination),
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "The design cannot be rendered (3 problems):" in result.stderr
        assert "resource 'book', field 'author': ref 'writer' names no resource" in result.stderr
        assert "resource 'book', field 'title': str(0) allows no text" in result.stderr
    assert not (tmp_path / "new").exists()
    assert list(existing.iterdir()) == []


def test_cli_refuses_bad_data_too(template_repo: Path, tmp_path: Path) -> None:
    result = copier_cli(
        "copy",
        "--trust",
        "--defaults",
        "--data",
        "roles=[admin, admin]",
        "--data",
        "default_role=admin",
        str(template_repo),
        str(tmp_path / "project"),
    )
    assert result.returncode == 1
    assert "roles: 'admin' is listed twice; list each role once" in result.stderr
    assert not (tmp_path / "project").exists()


def test_without_trust_copier_says_what_to_add(template_repo: Path, tmp_path: Path) -> None:
    result = copier_cli("copy", "--defaults", str(template_repo), str(tmp_path / "project"))
    assert result.returncode != 0
    assert "--trust" in result.stderr
    assert not (tmp_path / "project").exists()


def test_a_new_project_is_a_git_repository_unless_inside_one(
    template_repo: Path, tmp_path: Path
) -> None:
    alone = render(template_repo, tmp_path / "alone")
    assert (alone / ".git").is_dir()
    assert git(alone, "status", "--porcelain").count("\n") > 10  # everything, ready to commit
    monorepo = tmp_path / "monorepo"
    monorepo.mkdir()
    git(monorepo, "init", "-q")
    inside = render(template_repo, monorepo / "services" / "api")
    assert not (inside / ".git").exists()
