"""How long `copier copy` takes for designs of 1, 10 and 50 resources, against Copier's own floor.

The floor is Copier copying a one-file template in the same run, so the ratios hold on any machine.
A second baseline splits the time: Copier copying the very files a design renders, as plain files of
a template without Jinja, pays Copier's per-file cost but none of this template's; the ratio to it is
what the templates and the design model add. For `copier update`, the number of files Copier renders
is counted too, since its algorithm renders the project more than once. The same copy without
Copier's tasks shows what the ruff pass that lays out the rendered modules costs.
Run: python bench/generation.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import copier._main
from copier import run_copy, run_update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers import git, make_template_repo  # noqa: E402

TARGETS = {10: 1.5, 50: 3.0}  # resources -> largest acceptable ratio to the floor


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


class FileRenders:
    """Counts the files Copier renders while active."""

    def __init__(self) -> None:
        self.count = 0
        self._original = copier._main.Worker._render_file

    def __enter__(self) -> FileRenders:
        original = self._original

        def counting(worker: copier._main.Worker, *args: object, **kwargs: object) -> None:
            self.count += 1
            original(worker, *args, **kwargs)

        copier._main.Worker._render_file = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        copier._main.Worker._render_file = self._original  # type: ignore[method-assign]


def timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="bench-generation-"))
    try:
        one_file = work / "one-file"
        one_file.mkdir()
        (one_file / "README.md").write_text("hello\n")
        floor_template = plain_template(one_file, work / "floor")
        template = make_template_repo(work / "template")
        runs = iter(range(10**6))

        def copy(src: Path, data: dict[str, object], *, skip_tasks: bool = False) -> Path:
            dst = work / f"out{next(runs)}"
            run_copy(
                str(src),
                str(dst),
                data=data,
                defaults=True,
                unsafe=True,
                quiet=True,
                skip_tasks=skip_tasks,
            )
            return dst

        floor = timed(lambda: copy(floor_template, {}), repeat)
        print(f"floor (one-file template): {floor:.3f} s")
        copies: dict[int, float] = {}
        copy_files: dict[int, int] = {}
        for count in (1, 10, 50):
            with FileRenders() as renders:
                sample = copy(template, {"resources": design(count)})
            copy_files[count] = renders.count
            plain = plain_template(sample, work / f"plain{count}")
            same_files = timed(lambda p=plain: copy(p, {}), repeat)
            copies[count] = timed(lambda c=count: copy(template, {"resources": design(c)}), repeat)
            unformatted = timed(
                lambda c=count: copy(template, {"resources": design(c)}, skip_tasks=True), repeat
            )
            ratio = copies[count] / floor
            target = TARGETS.get(count)
            verdict = (
                ""
                if target is None
                else f"  target <= {target}x: {'PASS' if ratio <= target else 'MISS'}"
            )
            print(
                f"{count:>2} resources: {copies[count]:.3f} s = {ratio:.2f}x floor, "
                f"{copies[count] / count * 1000:.0f} ms per resource{verdict}"
            )
            print(
                f"    {renders.count} files; Copier copying them as plain files: {same_files:.3f} s,"
                f" so this template costs {copies[count] / same_files:.2f}x Copier's own per-file work"
            )
            print(
                f"    without the ruff task: {unformatted:.3f} s; the formatter pass costs"
                f" {copies[count] / unformatted - 1:+.0%} of the copy"
            )

        def update_adds_one() -> None:
            project = copy(template, {"resources": design(10)})
            git(project, "init", "-q", "-b", "main")
            git(project, "add", "-A")
            git(project, "commit", "-q", "-m", "render")
            started = time.perf_counter()
            with FileRenders() as renders:
                run_update(
                    dst_path=project,
                    data={"resources": design(11)},
                    defaults=True,
                    overwrite=True,
                    unsafe=True,
                    quiet=True,
                    skip_answered=True,
                )
            update_times.append(time.perf_counter() - started)
            update_files.append(renders.count)

        update_times: list[float] = []
        update_files: list[int] = []
        for _ in range(repeat):
            update_adds_one()
        update = statistics.median(update_times)
        ratio = update / copies[10]
        print(
            f"update adding one resource to 10: {update:.3f} s = {ratio:.2f}x its copy"
            f"  target <= 2x: {'PASS' if ratio <= 2 else 'MISS'}"
        )
        print(
            f"    Copier rendered {update_files[-1]} files, {update_files[-1] / copy_files[10]:.2f}x"
            f" the copy's {copy_files[10]}: it renders the old and the new version before merging"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
