"""Wall time of a rendered project's own test suite: the 10-resource design against the 1-resource one.

Both projects come from bench/generation.py's designs, rendered and tested in this run with the
current interpreter (which needs what requirements-dev.txt installs), so the ratio holds on any machine.
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
        times: dict[int, float] = {}
        for count in (1, 10):
            project = render(template, work / f"r{count}", {"resources": design(count)})
            runs = [run_suite(project) for _ in range(repeat)]
            times[count] = statistics.median(elapsed for elapsed, _ in runs)
            tests = runs[0][1]
            print(
                f"{count:>2} resources: {tests} tests in {times[count]:.2f} s"
                f" ({times[count] / tests * 1000:.0f} ms per test)"
            )
        print(f"10 resources / 1 resource: {times[10] / times[1]:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
