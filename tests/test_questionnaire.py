"""The questionnaire's first minutes, on an 80-column terminal as a person meets them: a starting
design to pick, roles typed as a plain line, and every problem of an answer shown in full (did you
mean, YAML slips by line and column), wrapped and never cut. The screen is read through a terminal
emulator (pyte), so what is asserted is what the person sees."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pyte
import yaml

ROWS, COLUMNS = 40, 80
CLEAR_LINE = "\x15"  # Ctrl-U: delete the line before the cursor
SUBMIT_MULTILINE = "\x1b\r"  # Esc, Enter: the end of a multi-line answer
DOWN = "\x1b[B"
QUESTIONS = ("project's name", "sentences", "Your name", "e-mail", "path prefix", "Authentication")


class Terminal:
    """A pseudo-terminal running `copier`, and the screen it shows."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.Stream(self.screen)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "copier", *args],
            cwd=str(cwd),
            env={**os.environ, "TERM": "xterm", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)},
            encoding="utf-8",
            timeout=60,
            dimensions=(ROWS, COLUMNS),
        )
        self.child.logfile_read = self  # type: ignore[assignment]
        self.seen: list[str] = []

    def write(self, data: str) -> None:
        self.seen.append(data)
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        """The screen's rows, joined: a sentence wrapped over rows reads whole."""
        return "\n".join(row.rstrip() for row in self.screen.display)

    def shows(self, phrase: str) -> bool:
        """Whether the screen holds the phrase whole (spacing aside: a wrapped row ends where a
        space was); a phrase cut at the terminal's edge is not whole."""
        return "".join(phrase.split()) in "".join(self.text().split())

    def wait_for(self, *phrases: str, timeout: float = 60) -> str:
        """Read output until the screen shows every phrase; the screen's text."""
        deadline = time.monotonic() + timeout
        while not all(self.shows(p) for p in phrases):
            missing = [p for p in phrases if not self.shows(p)]
            assert time.monotonic() < deadline, f"not on the screen: {missing}\n{self.text()}"
            with contextlib.suppress(pexpect.TIMEOUT):
                self.child.read_nonblocking(65536, timeout=1)
        return self.text()

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def accept(self, *questions: str) -> None:
        """Take the default answer of each question, in order."""
        for question in questions:
            self.wait_for(question)
            self.send("\r")

    def finish(self) -> None:
        self.child.expect(pexpect.EOF, timeout=300)
        self.child.close()
        assert self.child.exitstatus == 0, "".join(self.seen)[-3000:]


def recorded(project: Path) -> dict[str, object]:
    return dict(yaml.safe_load((project / ".copier-answers.yml").read_text()))


def start(template_repo: Path, tmp_path: Path, downs: int = 0) -> Terminal:
    """A copy on its first question, the starting design: `downs` choices below the default."""
    terminal = Terminal(tmp_path, "copy", "--trust", str(template_repo), "project")
    terminal.wait_for(
        "A design to start from", "a design file is the comfortable way", "--data-file design.yml"
    )
    terminal.send(DOWN * downs + "\r")
    return terminal


def test_roles_typed_as_a_line_are_the_list_they_name(template_repo: Path, tmp_path: Path) -> None:
    """`admin, agent, customer` is what people type: taken as three roles, the sign-up role and
    the default resources follow them, and the answers file records a list."""
    terminal = start(template_repo, tmp_path)
    terminal.accept(*QUESTIONS)
    terminal.wait_for("The roles")
    terminal.send(CLEAR_LINE + "admin, agent, customer\r")
    terminal.accept(
        "self-registered", "register an account", "An admin view", "Async", "Background jobs"
    )
    terminal.wait_for("Esc then Enter")
    terminal.send(SUBMIT_MULTILINE)
    terminal.finish()
    answers = recorded(tmp_path / "project")
    assert answers["roles"] == ["admin", "agent", "customer"]
    assert answers["default_role"] == "customer"
    book = next(r for r in answers["resources"] if r["name"] == "book")  # type: ignore[attr-defined]
    assert book["permissions"]["create"] == ["agent"]
    assert "starting_design" not in answers


def test_roles_given_as_a_line_with_data_render(template_repo: Path, tmp_path: Path) -> None:
    """The same line with --data: no traceback, no cascade of problems about the letters of it."""
    result = subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet"]
        + ["--data", "roles=admin, agent, customer", str(template_repo), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    answers = recorded(tmp_path / "p")
    assert answers["roles"] == ["admin", "agent", "customer"]
    assert answers["default_role"] == "customer"


def test_every_problem_is_shown_whole_with_what_was_meant(
    template_repo: Path, tmp_path: Path
) -> None:
    """Five problems in one resources answer, on 80 columns: each is on the screen from its first
    word to its last, with the name that was probably meant; then a YAML slip is named by line and
    column; the corrected answer renders."""
    terminal = start(
        template_repo, tmp_path, downs=len(list((template_repo / "examples").glob("*.yml"))) + 1
    )
    terminal.accept(*QUESTIONS)
    terminal.wait_for("The roles")
    terminal.send(CLEAR_LINE + "admin, agent, customer\r")
    terminal.accept(
        "self-registered", "register an account", "An admin view", "Async", "Background jobs"
    )
    terminal.wait_for("a design file is easier: --data-file design.yml", "name: item")
    terminal.send("\x7f" * 600)
    terminal.send(
        "[{name: customer, fields: {name: string}}, {name: ticket, fields: {at: timestamp,"
        " who: ref custmer, subject: str(0)}, permissions: {read: [agents], create: [publc]}}]"
        + SUBMIT_MULTILINE
    )
    screen = terminal.wait_for("6 problems", "fix the name or add that resource")
    for problem in (
        "resource 'customer', field 'name': unknown type 'string' (did you mean 'str' or 'text'?);"
        " valid types: str, str(N), str(M..N), text, text(M..), int, float, decimal",
        "enum(a, b, ...), ref <resource>",
        "resource 'ticket', field 'at': unknown type 'timestamp' (did you mean 'datetime'?)",
        "resource 'ticket', field 'subject': str(0) allows no text; give a length of 1 or more,"
        " e.g. str(200)",
        "resource 'ticket': permission word 'agents' in read (did you mean 'agent'?) is neither"
        " public, authenticated, owner nor a role (admin, agent, customer); add it to roles or fix"
        " the spelling",
        "resource 'ticket': permission word 'publc' in create (did you mean 'public'?)",
        "resource 'ticket', field 'who': ref 'custmer' (did you mean 'customer'?) names no resource"
        " (known: customer, ticket); fix the name or add that resource",
    ):
        assert terminal.shows(problem), screen
    terminal.send("\x7f" * 400 + "[{name: pet, fields: {name: str(80)}]" + SUBMIT_MULTILINE)
    terminal.wait_for("not valid YAML at line 1, column 37: expected ',' or '}', but got ']'")
    terminal.send("\x7f" * 400 + "[{name: pet, fields: {name: str(80)}}]" + SUBMIT_MULTILINE)
    terminal.finish()
    assert (tmp_path / "project/app/models/pet.py").is_file()


def test_a_starting_design_fills_the_questions_after_it(
    template_repo: Path, tmp_path: Path
) -> None:
    """Picking examples/helpdesk.yml: its name, roles and resources are the defaults, and the
    resources editor opens on them; taking every default renders the helpdesk."""
    examples = sorted(p.stem for p in (template_repo / "examples").glob("*.yml"))
    terminal = start(template_repo, tmp_path, downs=1 + examples.index("helpdesk"))
    terminal.wait_for("Helpdesk")
    terminal.accept(
        *QUESTIONS,
        "The roles",
        "self-registered",
        "register an account",
        "An admin view",
        "Async",
        "Background jobs",
    )
    terminal.wait_for("Esc then Enter", "tags: refs tag")
    terminal.send(SUBMIT_MULTILINE)
    terminal.finish()
    helpdesk = yaml.safe_load((template_repo / "examples/helpdesk.yml").read_text())
    answers = recorded(tmp_path / "project")
    for key in ("project_name", "roles", "default_role", "resources"):
        assert answers[key] == helpdesk[key], key


def test_a_design_given_with_a_data_file_is_not_asked_for_again(
    template_repo: Path, tmp_path: Path
) -> None:
    """`--data-file` with a whole design (a project's design.yml, an example): no starting design
    is offered over it; the questions it leaves are asked, and the design renders as written."""
    design = template_repo / "examples/helpdesk.yml"
    terminal = Terminal(
        tmp_path, "copy", "--trust", "--data-file", str(design), str(template_repo), "project"
    )
    terminal.wait_for("Your name")
    assert not terminal.shows("A design to start from"), terminal.text()
    terminal.accept("Your name", "e-mail", "path prefix", "An admin view", "Background jobs")
    terminal.finish()
    helpdesk = yaml.safe_load(design.read_text())
    answers = recorded(tmp_path / "project")
    for key in ("project_name", "roles", "default_role", "resources"):
        assert answers[key] == helpdesk[key], key
    assert "starting_design" not in answers


def test_a_starting_design_whose_roles_were_changed_opens_to_be_fixed(
    template_repo: Path, tmp_path: Path
) -> None:
    """The helpdesk's resources name its roles; with other roles answered, the editor still opens
    on them (Copier would stop with a traceback on the default), and submitting them lists what
    to fix."""
    examples = sorted(p.stem for p in (template_repo / "examples").glob("*.yml"))
    terminal = start(template_repo, tmp_path, downs=1 + examples.index("helpdesk"))
    terminal.accept(*QUESTIONS)
    terminal.wait_for("The roles")
    terminal.send(CLEAR_LINE + "admin, staff, client\r")
    terminal.accept(
        "self-registered", "register an account", "An admin view", "Async", "Background jobs"
    )
    terminal.wait_for("Esc then Enter", "tags: refs tag")
    terminal.send(SUBMIT_MULTILINE)
    terminal.wait_for(
        "resource 'ticket': permission word 'agent' in read", "(admin, staff, client)"
    )
    terminal.send("\x7f" * 3000 + "[{name: pet, fields: {name: str(80)}}]" + SUBMIT_MULTILINE)
    terminal.finish()
    assert "Traceback" not in "".join(terminal.seen)
    assert recorded(tmp_path / "project")["roles"] == ["admin", "staff", "client"]


def test_a_default_the_answers_given_break_is_refused_before_rendering(
    template_repo: Path, tmp_path: Path
) -> None:
    """The same with --defaults: one message naming every problem, no traceback, nothing written."""
    result = subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet"]
        + ["--data", "starting_design=helpdesk", "--data", "roles=admin, staff, client"]
        + [str(template_repo), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "The design cannot be rendered" in result.stderr
    assert "permission word 'agent' in read is neither public" in result.stderr
    assert not (tmp_path / "p").exists()
