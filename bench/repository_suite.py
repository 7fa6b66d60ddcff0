"""Where this repository's test suite spends its time, without the PostgreSQL tests.

Runs README's test command (`pytest -n auto`) on this checkout without tests/test_postgres.py and
the PostgreSQL cases of tests/test_fuzz.py, with every test's duration recorded, then prints the
wall time against the target and the time of each test file (setup, call and teardown of its
tests, summed over the workers), slowest first, and the slowest tests.
Target: 4 minutes of wall time on a 2-core machine.
Run: python bench/repository_suite.py [--workers N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 240.0
DURATION = re.compile(r"^(\d+\.\d+)s (?:setup|call|teardown)\s+(tests/[^:]+)::(\S+)", re.M)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", default="auto")
    workers = parser.parse_args().workers
    command = [
        sys.executable, "-m", "pytest", "-n", workers, "-q", "-p", "no:cacheprovider",
        "--durations=0", "--durations-min=0.01",
        "--ignore=tests/test_postgres.py", "-k", "not postgres",
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-3000:], sep="\n")
        return result.returncode

    per_file: dict[str, float] = defaultdict(float)
    per_test: dict[str, float] = defaultdict(float)
    for seconds, path, test in DURATION.findall(result.stdout):
        per_file[path] += float(seconds)
        per_test[f"{path}::{test}"] += float(seconds)
    busy = sum(per_file.values())
    verdict = "met" if wall <= TARGET_SECONDS else "missed"
    print(f"{summary}")
    print(f"wall time {wall:.0f} s with {workers} workers on {os.cpu_count()} cores")
    print(f"target <= {TARGET_SECONDS:.0f} s: {verdict}; the tests' own time {busy:.0f} s")
    print(f"\n{'test file':<32} {'seconds':>8} {'share':>6}")
    for path, seconds in sorted(per_file.items(), key=lambda item: -item[1]):
        print(f"{path:<32} {seconds:8.0f} {seconds / busy:6.1%}")
    print("\nslowest tests:")
    for name, seconds in sorted(per_test.items(), key=lambda item: -item[1])[:15]:
        print(f"{seconds:7.1f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
