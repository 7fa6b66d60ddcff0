"""How long the `copier` command takes for designs of 1, 10 and 50 resources, against Copier's floor.

Users run the `copier` command, so this times it as a process, hyperfine-style: one warm-up run, then
`--repeat` runs, reported as the median with the range. Everything a run pays counts: Python's
start, importing Copier and this template's extension, rendering and the tasks.
The floor is the same command copying a one-file template in the same run, so the ratios hold on
any machine. A second baseline splits the time: Copier copying the very files a design renders, as
plain files of a template without Jinja, pays Copier's per-file cost but none of this template's.
The same copy with `--skip-tasks` shows what the ruff pass that lays out the rendered modules costs.
`copier update` adding one resource to the 10-resource project is measured against its copy.
Targets: 10 resources within 2x the floor, 50 within 4x, the update within 2x the copy.
Run: python bench/generation.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers import git, make_template_repo  # noqa: E402

COPIER = Path(sys.executable).with_name("copier")  # the command of this environment
TARGETS = {10: 2.0, 50: 4.0}  # resources -> largest acceptable ratio to the floor
UPDATE_TARGET = 2.0  # largest acceptable ratio of `copier update` (+1 resource) to the copy


def design(count: int) -> list[dict[str, object]]:
    """`count` resources of several field types, each after the first referring to its predecessor."""
    resources: list[dict[str, object]] = []
    for i in range(count):
        fields: dict[str, str] = {
            "title": "str(120)",
            "code": "str(20) unique",
            "amount": "decimal?",
            "status": "enum(draft, active, closed) = draft",
            "happened_on": "date?",
            "active": "bool = true",
        }
        if i:
            fields["parent"] = f"ref item{i - 1}?"
        resources.append({"name": f"item{i}", "fields": fields})
    return resources


def plain_template(project: Path, dst: Path) -> Path:
    """A template whose files are `project`'s files verbatim, laid out as ours: Copier's cost alone."""
    ignore = shutil.ignore_patterns(".copier-answers.yml", ".git")
    shutil.copytree(project, dst / "template", ignore=ignore)
    (dst / "copier.yml").write_text("_subdirectory: template\n")  # as ours: Copier skips .git/
    git(dst, "init", "-q", "-b", "main")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", "plain")
    git(dst, "tag", "1.0.0")
    return dst


def copier(*args: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(COPIER), *map(str, args)], cwd=cwd, check=True, capture_output=True)


def data_file(path: Path, count: int) -> Path:
    path.write_text(yaml.safe_dump({"resources": design(count)}, sort_keys=False))
    return path


class Runs:
    """Median and range of `repeat` timed runs after one warm-up, as hyperfine reports them."""

    def __init__(
        self,
        action: Callable[[], object],
        repeat: int,
        prepare: Callable[[], object] = lambda: None,
    ) -> None:
        samples = []
        for number in range(repeat + 1):
            prepare()
            started = time.perf_counter()
            action()
            if number:  # the first run warms the disk cache
                samples.append(time.perf_counter() - started)
        self.median = statistics.median(samples)
        self.low, self.high = min(samples), max(samples)

    def __str__(self) -> str:
        return f"{self.median:.3f} s ({self.low:.3f}-{self.high:.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="bench-generation-"))
    try:
        one_file = work / "one-file"
        one_file.mkdir()
        (one_file / "README.md").write_text("hello\n")
        floor_template = plain_template(one_file, work / "floor")
        template = make_template_repo(work / "template")
        runs = iter(range(10**6))

        def copy(src: Path, *options: str | Path) -> Path:
            dst = work / f"out{next(runs)}"
            copier("copy", "--trust", "--defaults", "--quiet", *options, src, dst)
            return dst

        floor = Runs(lambda: copy(floor_template), repeat)
        print(f"floor, the one-file template: {floor}")
        copies: dict[int, Runs] = {}
        for count in (1, 10, 50):
            data = data_file(work / f"design{count}.yml", count)
            sample = copy(template, "--data-file", data)
            files = sum(1 for f in sample.rglob("*") if f.is_file() and ".git" not in f.parts)
            plain = plain_template(sample, work / f"plain{count}")
            same_files = Runs(lambda p=plain: copy(p), repeat)
            copies[count] = Runs(lambda d=data: copy(template, "--data-file", d), repeat)
            no_tasks = Runs(lambda d=data: copy(template, "--data-file", d, "--skip-tasks"), repeat)
            ratio = copies[count].median / floor.median
            spread = f"{copies[count].low / floor.high:.2f}-{copies[count].high / floor.low:.2f}"
            target = TARGETS.get(count)
            verdict = (
                ""
                if target is None
                else f"  target <= {target}x: {'PASS' if ratio <= target else 'MISS'}"
            )
            print(
                f"{count:>2} resources, {files} files: {copies[count]} = {ratio:.2f}x the floor"
                f" ({spread}){verdict}"
            )
            print(
                f"    the same files copied verbatim: {same_files}"
                f" ({copies[count].median / same_files.median:.2f}x of that is this template's)"
            )
            print(
                f"    with --skip-tasks: {no_tasks};"
                f" the ruff pass costs {copies[count].median / no_tasks.median - 1:+.0%} of the copy"
            )

        bigger = data_file(work / "design11.yml", 11)
        projects: list[Path] = []

        def fresh_project() -> None:
            project = copy(template, "--data-file", work / "design10.yml")
            git(project, "init", "-q", "-b", "main")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "render")
            projects.append(project)

        update = Runs(
            lambda: copier(
                "update",
                "--trust",
                "--defaults",
                "--quiet",
                "--data-file",
                bigger,
                cwd=projects[-1],
            ),
            repeat,
            prepare=fresh_project,
        )
        ratio = update.median / copies[10].median
        print(
            f"update adding one resource to 10: {update} = {ratio:.2f}x its copy"
            f"  target <= {UPDATE_TARGET}x: {'PASS' if ratio <= UPDATE_TARGET else 'MISS'}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
