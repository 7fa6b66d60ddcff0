"""The questionnaire as a person answers it: `copier copy` and `copier update` in a pseudo-terminal.

A wrong answer is reported under the question and fixed in place (the answers before it are kept);
the resources default is shown, and accepted, in the order it is written; an update that removes
resources or fields asks for them to be named before anything is written.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import pexpect
import yaml

from tests.test_update import commit, conflicts, new_project, resources, status

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
CLEAR_LINE = "\x15"  # Ctrl-U: delete the line before the cursor
SUBMIT_MULTILINE = "\x1b\r"  # Esc, Enter: the end of a multi-line answer


def spawn(cwd: Path, *args: str, log: Path) -> pexpect.spawn:
    """`copier ...` on a terminal of its own, as a person runs it; everything shown goes to `log`."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "copier", *args],
        cwd=str(cwd),
        env={**os.environ, "TERM": "xterm", "COLUMNS": "200", "LINES": "60"},
        encoding="utf-8",
        timeout=120,
        dimensions=(60, 200),
    )
    child.logfile_read = log.open("w")
    return child


def shown(log: Path) -> str:
    """What the terminal showed, without its escape codes."""
    return ANSI.sub("", log.read_text())


def accept(child: pexpect.spawn, *questions: str) -> None:
    """Take the default answer of each question, in order."""
    for question in questions:
        child.expect(question)
        child.send("\r")


def finish(child: pexpect.spawn) -> None:
    child.expect(pexpect.EOF, timeout=300)
    child.close()
    assert child.exitstatus == 0, child.before


def field_order(model: str, class_name: str) -> list[str]:
    """The fields of a rendered model class, in the order they are written."""
    tree = ast.parse(model)
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name).body
    return [
        n.target.id for n in body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    ]


def test_a_wrong_answer_is_fixed_in_place_and_the_default_resources_follow_the_roles(
    template_repo: Path, tmp_path: Path
) -> None:
    """Roles renamed interactively: `owner` is refused under the question, the corrected roles are
    kept, and the resources default (shown in its written order) gives the staff's permissions
    to the second role, so accepting it renders a project."""
    log = tmp_path / "terminal.log"
    child = spawn(tmp_path, "copy", "--trust", str(template_repo), "project", log=log)
    accept(
        child,
        "A design to start from",
        "project's name",
        "sentences",
        "Your name",
        "e-mail",
        "path prefix",
        "Authentication",
    )
    child.expect("The roles")
    child.send(CLEAR_LINE + "[vet, nurse, owner]\r")
    child.expect("'owner' is a permission word, not a role; pick another name")
    child.send(CLEAR_LINE + "[vet, nurse, client]\r")
    accept(
        child, "self-registered", "register an account", "admin view", "Async", "Background jobs"
    )
    child.expect("Esc then Enter")
    child.send(SUBMIT_MULTILINE)
    finish(child)

    terminal = shown(log)
    prompt = terminal[terminal.index("The resources") :]
    assert prompt.index("- name: author") < prompt.index("description: A person who wrote")
    assert prompt.index("title:") < prompt.index("isbn:") < prompt.index("author: ref author")
    project = tmp_path / "project"
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["roles"] == ["vet", "nurse", "client"]
    assert recorded["default_role"] == "client"
    book = next(r for r in recorded["resources"] if r["name"] == "book")
    assert list(book) == ["name", "description", "fields", "permissions"]
    assert list(book["fields"]) == ["title", "isbn", "pages", "genre", "available", "author"]
    assert book["permissions"]["create"] == ["nurse"]
    written = field_order((project / "app/models/book.py").read_text(), "BookBase")
    assert written == ["title", "isbn", "pages", "genre", "available", "author_id"]


def test_a_wrong_resources_answer_is_fixed_in_place(template_repo: Path, tmp_path: Path) -> None:
    """The resources answer is checked as the whole design when it is given: the problem is
    shown under it, and the corrected answer renders."""
    log = tmp_path / "terminal.log"
    child = spawn(
        tmp_path,
        "copy",
        "--trust",
        "--data",
        "project_name=Clinic",
        "--data",
        "auth=none",
        "--data",
        "async_db=false",
        str(template_repo),
        "project",
        log=log,
    )
    accept(
        child,
        "A design to start from",
        "sentences",
        "Your name",
        "e-mail",
        "path prefix",
        "Background jobs",
    )
    child.expect("Esc then Enter")
    default = shown(log)
    child.send("\x7f" * (len(default) + 2000))  # empty the editor: the default is long
    child.send("[{name: pet, fields: {name: str(0)}}]" + SUBMIT_MULTILINE)
    child.expect(r"resource 'pet', field 'name': str\(0\) allows no text")
    child.send("\x7f" * 100 + "[{name: pet, fields: {name: str(80), born_on: 'date?'}}]")
    child.send(SUBMIT_MULTILINE)
    finish(child)
    project = tmp_path / "project"
    assert (project / "app/models/pet.py").is_file()
    assert not (project / "app/models/book.py").exists()


def test_an_update_that_removes_asks_for_the_names(template_repo: Path, tmp_path: Path) -> None:
    """Interactively, a removal is confirmed by naming what goes; a wrong name is refused in place."""
    project = new_project(template_repo, tmp_path / "project")
    kept = [r for r in resources(project) if r["name"] != "loan"]
    del kept[1]["fields"]["pages"]
    design = tmp_path / "design.yml"
    design.write_text(yaml.safe_dump({"resources": kept}, sort_keys=False))
    log = tmp_path / "terminal.log"
    child = spawn(
        project, "update", "--trust", "--skip-answered", "--data-file", str(design), log=log
    )
    accept(child, "Background jobs")  # unanswered while `none`: --skip-answered asks it
    child.expect("This update removes book.pages, loan")
    child.send("loan\r")
    child.expect("missing book.pages")
    child.send(CLEAR_LINE + "loan, book.pages\r")
    finish(child)
    assert not (project / "app/models/loan.py").exists()
    assert "pages" not in (project / "app/models/book.py").read_text()
    assert conflicts(project) == []
    assert "confirm_removal" not in (project / ".copier-answers.yml").read_text()


def test_an_update_left_unconfirmed_changes_nothing(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project")
    design = tmp_path / "design.yml"
    only_new = [{"name": "shelf", "fields": {"label": "str(40)"}}]
    design.write_text(yaml.safe_dump({"resources": only_new}, sort_keys=False))
    log = tmp_path / "terminal.log"
    child = spawn(
        project, "update", "--trust", "--skip-answered", "--data-file", str(design), log=log
    )
    accept(child, "Background jobs")  # unanswered while `none`: --skip-answered asks it
    child.expect("This update removes author, book, loan")
    child.send("\r")  # empty: not confirmed
    child.expect(pexpect.EOF, timeout=300)
    child.close()
    assert child.exitstatus != 0
    terminal = shown(log)
    assert "Nothing was changed: the new design removes author, book, loan" in terminal
    assert "--data confirm_removal='author, book, loan'" in terminal
    assert "Traceback" not in terminal
    assert status(project) == []


def test_an_interactive_update_that_keeps_every_answer_changes_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    """Every question shows the recorded answer; taking them all keeps the project as it is, the
    resources' and fields' order included (Copier would show YAML answers with sorted keys)."""
    design = tmp_path / "design.yml"
    zoo = [{"name": "zebra", "fields": {"stripes": "int", "name": "str(40)", "age": "int?"}}]
    design.write_text(yaml.safe_dump({"resources": zoo}, sort_keys=False))
    project = tmp_path / "project"
    copied = spawn(
        tmp_path,
        "copy",
        "--trust",
        "--defaults",
        "--data-file",
        str(design),
        str(template_repo),
        "project",
        log=tmp_path / "copy.log",
    )
    finish(copied)
    written = field_order((project / "app/models/zebra.py").read_text(), "ZebraBase")
    assert written == ["stripes", "name", "age"]
    commit(project, "Zebras")

    log = tmp_path / "terminal.log"
    child = spawn(project, "update", "--trust", log=log)
    accept(
        child,
        "project's name",
        "sentences",
        "Your name",
        "e-mail",
        "path prefix",
        "Authentication",
        "The roles",
        "self-registered",
        "register an account",
        "admin view",
        "Async",
        "Background jobs",
    )
    child.expect("Esc then Enter")
    child.send(SUBMIT_MULTILINE)
    finish(child)
    prompt = shown(log)[shown(log).index("The resources") :]
    assert prompt.index("stripes:") < prompt.index("name: str(40)") < prompt.index("age:")
    assert status(project) == [], "taking every recorded answer changed the project"
