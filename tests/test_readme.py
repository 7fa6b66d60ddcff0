"""README.md is what a newcomer reads first: short, its links all lead somewhere, every reference
page under docs/ reachable from it, and its copy command prints what it says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import yaml

from tests.helpers import ROOT, git, make_template_repo, readme_block

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where links are links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(text: str) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to '-'."""
    headings = re.findall(r"^#+ (.+)$", prose(text), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_readme_is_under_30_kb() -> None:
    size = len(README.read_bytes())
    assert size < 30_000, f"README.md is {size} bytes: move reference material into docs/*.md"


def test_every_docs_page_is_linked_from_readme() -> None:
    assert PAGES, "docs/ holds no pages"
    linked = {
        (ROOT / target.split("#")[0]).resolve()
        for target in LINK.findall(prose(README.read_text()))
    }
    unlinked = [page.name for page in PAGES if page.resolve() not in linked]
    assert not unlinked, f"README.md links to no docs/{unlinked}"


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    broken = []
    for page in [README, *PAGES]:
        for target in LINK.findall(prose(page.read_text())):
            if re.match(r"^[a-z]+:", target):
                continue  # a web address
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and anchor not in anchors(linked.read_text()):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def next_steps(project: Path) -> list[str]:
    """copier.yml's message after a copy, as Copier renders it for the default design."""
    message = yaml.safe_load((ROOT / "copier.yml").read_text())["_message_after_copy"]
    rendered = jinja2.Template(message).render(
        project_name="Lending Library",
        _copier_conf={"dst_path": project},
        relative_template_warning=lambda: "",
    )
    return [line for line in rendered.splitlines() if line.strip()]


def run_readmes_copy_command(template: Path, project: Path) -> list[str]:
    """README's first command as written, less its `pip install` (this environment has what it
    installs), run in bash in the template clone, with this interpreter's `copier`; every line it
    prints, stdout and stderr in order."""
    lines = README.read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("# 1. Render the default"))
    first = lines[marker + 1]
    command = first.split(" && ", 1)[1]
    assert command.startswith("copier copy ") and command.endswith(" ../lending-library")
    command = command.replace("../lending-library", str(project))
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=template,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": path},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (project / "app" / "main.py").exists()
    return result.stdout.splitlines()


def test_the_readmes_copy_prints_a_screenful_ending_with_the_next_steps(
    template_repo: Path, tmp_path: Path
) -> None:
    """From a clone with release tags: no file list, no task echoed; the next steps, last."""
    project = tmp_path / "lending-library"
    printed = run_readmes_copy_command(template_repo, project)
    assert len(printed) <= 20, "\n".join(printed)
    shown = [line for line in printed if line.strip()]
    assert shown == next_steps(project), "\n".join(printed)
    assert "_commit: 1.0.0\n" in (project / ".copier-answers.yml").read_text()


def test_a_clone_without_tags_prints_only_the_line_readme_explains(tmp_path: Path) -> None:
    """Without release tags Copier adds one line before the next steps, the line README quotes
    under the copy command, and records the commit it rendered."""
    template = make_template_repo(tmp_path / "template")
    git(template, "tag", "-d", "1.0.0")
    project = tmp_path / "lending-library"
    printed = run_readmes_copy_command(template, project)
    assert len(printed) <= 20, "\n".join(printed)
    explained = readme_block("**What the copy prints.**").strip()
    assert explained == "No git tags found in template; using HEAD as ref"
    shown = [line for line in printed if line.strip()]
    assert shown == [explained, *next_steps(project)], "\n".join(printed)
    recorded = re.search(r"^_commit: (\w+)$", (project / ".copier-answers.yml").read_text(), re.M)
    assert recorded, "no _commit recorded"
    # the abbreviation is as long as git needs to keep it unique: 7 characters or more
    assert len(recorded[1]) >= 7
    assert git(template, "rev-parse", "HEAD").strip().startswith(recorded[1])


def test_the_mutation_pages_kill_rate_counts_the_whole_catalogue() -> None:
    """docs/mutations.md's "Kill rate: N of N" is the catalogue's size; tests/test_mutations.py
    requires every one of them killed."""
    from tests.test_mutations import MUTATIONS  # noqa: PLC0415 - the catalogue, only here

    stated = re.search(r"Kill rate: (\d+) of (\d+)", (ROOT / "docs/mutations.md").read_text())
    assert stated, "docs/mutations.md states no kill rate"
    assert int(stated[1]) == int(stated[2]) == len(MUTATIONS)


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    """README's second command is what CI runs (.ci/run, after installing the system packages);
    the first one is run by the copy tests above."""
    lines = README.read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("# 2. Run this repository"))
    command = lines[marker + 1]
    assert command.startswith("python3 -m pip install -r requirements-dev.txt && ")
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()
