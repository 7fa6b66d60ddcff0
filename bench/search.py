"""The cost of a list's `q`: the rendered app now against the template at an earlier commit.

The lending-library design (its public `books`, `title` and `summary` searchable) is rendered
from this checkout and from `--before` (a git ref, e.g. the commit before the search index),
sync and async, and served by uvicorn on 127.0.0.1. Rows are written straight into the SQLite
file while the app runs (the search index's triggers fill it as the app's own writes would):
50,000 ordinary books, then 200 books whose summaries are 100 KB each, once as prose and once as
one phrase repeated (the text where a substring test backtracks most). Each `q` is requested
`--repeat` times, the two versions in turn; the median time of a request is printed, in ms,
with the median ratio before/after and its range.
Run: python bench/search.py [--before f10d31d] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from bench.serving import uvicorn  # noqa: E402
from tests.conftest import design_data  # noqa: E402
from tests.helpers import TEMPLATE_FILES, git, make_template_repo, render  # noqa: E402

ORDINARY = 50_000
LARGE = 200
LARGE_SIZE = 100_000
REPEATED = "ab" * 75 + "c"  # a 151-character phrase: a 200-character `q` of `ab`s nearly matches it
random.seed(7)
WORDS = [
    "".join(random.choices("abcdefghijklmnopqrstuvwxyz", k=random.randint(2, 9)))
    for _ in range(3000)
]


def prose(size: int) -> str:
    return " ".join(random.choices(WORDS, k=size // 5 + 1))[:size]


def template_at(ref: str, folder: Path) -> Path:
    """The template as it was at `ref`, in a git repository of its own, as Copier wants."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, *TEMPLATE_FILES], capture_output=True, check=True
    ).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", f"template at {ref}")
    git(folder, "tag", "1.0.0")
    return folder


def seed(database: Path, rows: list[tuple[str, str]]) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM book")
        author = connection.execute("SELECT id FROM author").fetchone()
        if author is None:
            author = (connection.execute("INSERT INTO author(name) VALUES ('Bench')").lastrowid,)
        connection.executemany(
            "INSERT INTO book(title, isbn, summary, genre, copies, author_id) "
            "VALUES (?, ?, ?, 'fiction', 1, ?)",
            [(title, f"{n:013d}", summary, author[0]) for n, (title, summary) in enumerate(rows)],
        )


def timed(base: str, q: str | None) -> tuple[float, int]:
    """The time of `GET /books?q=...` in ms (no `q`: the list's own floor), and how many books it
    found."""
    start = time.perf_counter()
    params = {} if q is None else {"q": q}
    response = httpx.get(f"{base}/api/v1/books", params=params, timeout=600)
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed, response.json()["total"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--before", default="f10d31d", help="git ref of the template to compare with"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="sync,async")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    templates = {
        "before": template_at(options.before, work / "before-template"),
        "after": make_template_repo(work / "after-template"),
    }
    ordinary = [(f"Book {n} {prose(30)}", prose(300)) for n in range(ORDINARY)]
    some_word = ordinary[1234][0].split()[2]
    cases = [
        (
            "50,000 rows",
            ordinary,
            [
                ("no q", None),
                ("a word", some_word),
                ("no match", "zzqqxxjj"),
                ("2 chars", "qz"),
                ("200 chars, no match", prose(199) + "#"),
            ],
        ),
        (
            "200 x 100 KB prose",
            [(f"Large {n}", prose(LARGE_SIZE)) for n in range(LARGE)],
            [
                ("no q", None),
                ("a word", WORDS[5]),
                ("200 chars, no match", prose(200)),
            ],
        ),
        (
            "200 x 100 KB repeated",
            [(f"Large {n}", (REPEATED * 700)[:LARGE_SIZE]) for n in range(LARGE)],
            [
                ("no q", None),
                ("the phrase", REPEATED),
                ("200 chars, no match", "ab" * 100),
            ],
        ),
    ]
    results: dict[tuple[str, str, str, str], list[float]] = {}
    found: dict[tuple[str, str, str, str], int] = {}
    for mode in options.modes.split(","):
        with ExitStack() as servers:
            bases, databases = {}, {}
            for version, template in templates.items():
                data = {**design_data("lending-library"), "async_db": mode == "async"}
                project = render(template, work / f"{version}-{mode}", data)
                databases[version] = work / f"{version}-{mode}.db"
                driver = "sqlite+aiosqlite" if mode == "async" else "sqlite"
                env = {
                    "PYTHONPATH": str(project),
                    "DATABASE_URL": f"{driver}:///{databases[version]}",
                    "FIRST_ADMIN_EMAIL": "admin@example.com",
                    "FIRST_ADMIN_PASSWORD": "bench-admin-password",
                    "SECRET_KEY": "bench-secret-key-long-enough-for-hs256",
                }
                bases[version] = servers.enter_context(uvicorn("app.main:app", project, env))
            for rows_name, rows, queries in cases:
                for database in databases.values():
                    seed(database, rows)
                for q_name, q in queries:
                    # Interleaved, so a machine that slows down slows both alike.
                    for _ in range(options.repeat):
                        for version, base in bases.items():
                            key = (mode, rows_name, q_name, version)
                            elapsed, found[key] = timed(base, q)
                            results.setdefault(key, []).append(elapsed)
                print(f"{mode} {rows_name} done", file=sys.stderr)

    print(
        f"{'mode':<6} {'rows':<22} {'q':<20} {'before ms':>10} {'after ms':>9} "
        f"{'before/after':>22} {'found':>6}"
    )
    for mode in options.modes.split(","):
        for rows_name, _rows, queries in cases:
            for q_name, _q in queries:
                before = results[mode, rows_name, q_name, "before"]
                after = results[mode, rows_name, q_name, "after"]
                ratios = [b / a for b, a in zip(before, after, strict=True)]
                spread = f"{statistics.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f})"
                counts = {found[mode, rows_name, q_name, version] for version in templates}
                same = str(counts.pop()) if len(counts) == 1 else "DIFFER"
                print(
                    f"{mode:<6} {rows_name:<22} {q_name:<20} {statistics.median(before):>10.1f} "
                    f"{statistics.median(after):>9.1f} {spread:>22} {same:>6}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
