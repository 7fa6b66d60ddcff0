"""Wall time of a rendered project's own test suite: the default design, and 1 and 10 resources.

The 1- and 10-resource projects come from bench/generation.py's designs; all three are rendered and
tested in this run with the current interpreter (which needs what requirements-dev.txt installs).
Targets: the default design's suite within 10 s, the 10-resource design's within 30 s, on a 2-core machine.
Run: python bench/rendered_tests.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
from generation import design  # noqa: E402

from tests.helpers import make_template_repo, render, run_project_pytest  # noqa: E402

TARGETS = {"default design": 10.0, "10 resources": 30.0}  # seconds, on a 2-core machine


def run_suite(project: Path) -> tuple[float, int]:
    """Seconds for one `pytest` of the project, and how many tests passed."""
    started = time.perf_counter()
    result = run_project_pytest(project, timeout=1800)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed, result.stdout[-2000:]
    return elapsed, int(passed.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="bench-rendered-tests-"))
    try:
        template = make_template_repo(work / "template")
        times: dict[str, float] = {}
        designs: dict[str, dict[str, object]] = {
            "default design": {},
            "1 resource": {"resources": design(1)},
            "10 resources": {"resources": design(10)},
        }
        for label, data in designs.items():
            project = render(template, work / label.replace(" ", "-"), data)
            runs = [run_suite(project) for _ in range(repeat)]
            times[label] = statistics.median(elapsed for elapsed, _ in runs)
            spread = f"{min(e for e, _ in runs):.2f}-{max(e for e, _ in runs):.2f} s"
            tests = runs[0][1]
            target = f", target {TARGETS[label]:.0f} s" if label in TARGETS else ""
            print(
                f"{label:>14}: {tests} tests in {times[label]:.2f} s ({spread}{target},"
                f" {times[label] / tests * 1000:.0f} ms per test)"
            )
        print(f"10 resources / 1 resource: {times['10 resources'] / times['1 resource']:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
