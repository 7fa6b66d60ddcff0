"""A pytest plugin: the CPU time each test costs, its own and its child processes', as JSON lines.

Wall time on a shared machine says little; CPU time does not depend on what else runs. Each test's
setup, call and teardown are measured together: the test process's user + system time, plus that of
the children it waited for (rendered projects' pytest, servers, installs; a PostgreSQL server
started by `pg_ctl` is not a child, so its work is not counted; commands run through
tests/forkserver.py are counted as the server reports them).
Use: PYTHONPATH=bench CPU_PER_TEST=cpu.jsonl python -m pytest -p cpu_per_test ...
(bench/repository_suite.py does.)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Iterator

import pytest


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    seconds = usage.ru_utime + usage.ru_stime
    forkserver = sys.modules.get("tests.forkserver")
    if who == resource.RUSAGE_CHILDREN and forkserver is not None:
        seconds += forkserver.cpu_seconds()  # commands forked by the server, not by this process
    return seconds


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    started = (_cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.perf_counter())
    yield
    own = _cpu(resource.RUSAGE_SELF) - started[0]
    children = _cpu(resource.RUSAGE_CHILDREN) - started[1]
    path = os.environ.get("CPU_PER_TEST")
    if path:
        record = {
            "test": item.nodeid,
            "own": round(own, 3),
            "children": round(children, 3),
            "wall": round(time.perf_counter() - started[2], 3),
        }
        with open(path, "a") as log:
            log.write(json.dumps(record) + "\n")
