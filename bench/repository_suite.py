"""Where this repository's test suite spends its time: README's test command, every test included.

Runs README's test command (`pytest -n auto`, PostgreSQL and browser tests included) on a checkout
(this one, or another with --root: the code before a change, say), with bench/cpu_per_test.py
recording each test's CPU time (its own and its child processes') and wall time. Prints the wall
time against the target, then per test file the CPU seconds and the summed test durations, slowest
first, and the slowest tests. --save keeps the per-file figures as JSON; --baseline prints them
beside this run's (before and after).
Target: 8 minutes of wall time on a 2-core machine (issue 30).
Run: python bench/repository_suite.py [--workers N] [--root DIR] [--save FILE] [--baseline FILE] [tests...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
TARGET_SECONDS = 480.0


def per_file(records: list[dict[str, Any]], *fields: str) -> dict[str, float]:
    """The sum of `fields` over each test file's tests."""
    totals: dict[str, float] = defaultdict(float)
    for record in records:
        totals[record["test"].split("::", 1)[0]] += sum(record[name] for name in fields)
    return dict(totals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--root", type=Path, default=BENCH.parent)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("tests", nargs="*", help="pytest's selection (default: the whole suite)")
    options, extra = parser.parse_known_args()
    options.tests += extra
    log = Path(tempfile.mkdtemp(prefix="repository-suite-")) / "cpu.jsonl"
    command = [
        sys.executable, "-m", "pytest", "-n", options.workers, "-q", "-p", "no:cacheprovider",
        "-p", "cpu_per_test", *options.tests,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(BENCH), "CPU_PER_TEST": str(log)}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=options.root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-3000:], sep="\n")
        return result.returncode

    records = [json.loads(line) for line in log.read_text().splitlines()]
    cpu, durations = per_file(records, "own", "children"), per_file(records, "wall")
    figures = {"wall": wall, "cpu": cpu, "durations": durations}
    if options.save:
        options.save.write_text(json.dumps(figures, indent=1))
    before = json.loads(options.baseline.read_text()) if options.baseline else None

    verdict = "met" if wall <= TARGET_SECONDS else "missed"
    print(re.sub(r"\s+", " ", summary))
    print(f"wall time {wall:.0f} s with {options.workers} workers on {os.cpu_count()} cores")
    print(
        f"target <= {TARGET_SECONDS:.0f} s: {verdict}; CPU {sum(cpu.values()):.0f} s, "
        f"test durations {sum(durations.values()):.0f} s"
    )
    if before:
        print(
            f"before: wall {before['wall']:.0f} s, CPU {sum(before['cpu'].values()):.0f} s, "
            f"test durations {sum(before['durations'].values()):.0f} s"
        )
    header = f"\n{'test file':<32} {'CPU s':>7} {'durations s':>12}"
    print(header + (f" {'CPU before':>11} {'durations before':>17}" if before else ""))
    for path in sorted(cpu, key=lambda name: -cpu[name]):
        line = f"{path:<32} {cpu[path]:7.0f} {durations[path]:12.0f}"
        if before:
            line += f" {before['cpu'].get(path, 0):11.0f} {before['durations'].get(path, 0):17.0f}"
        print(line)
    print("\nslowest tests (CPU s, wall s):")
    for record in sorted(records, key=lambda r: -(r["own"] + r["children"]))[:15]:
        print(f"{record['own'] + record['children']:7.1f} {record['wall']:7.1f}  {record['test']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
