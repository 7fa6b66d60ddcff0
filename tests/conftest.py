"""Session-wide fixtures: one git-tagged template copy, and each rendered variant rendered once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import forkserver, helpers
from tests.helpers import EXAMPLES, built_once, load_design, make_template_repo, render
from tests.postgres import Cluster, running_cluster, server_binaries

# Copier and the tests commit in throwaway repositories; give git an identity that works anywhere.
os.environ.setdefault("GIT_AUTHOR_NAME", "Template Tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@example.com")
os.environ.setdefault("GIT_COMMITTER_NAME", "Template Tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@example.com")

DESIGNS = ["default", *(path.stem for path in EXAMPLES)]

# The longest tests, by node id prefix, with their seconds in a full run (`--durations=30` of the
# CI run this list was taken from; the newest tests estimated): they start first, longest first, so that no worker is left with
# one long test after the others have finished. Every other test keeps its place, after them.
LONGEST_FIRST = {
    "tests/test_import.py::test_fuzzed_designs": 60,
    "tests/test_import.py::test_a_sqlmodel_module_imports": 40,
    "tests/test_import.py::test_a_plain_sql_database_imports": 40,
    "tests/test_evolution.py::test_a_design_evolves": 180,
    "tests/test_migrations.py::test_a_resource_with_rows_becomes_owned": 90,
    "tests/test_design_fuzz.py::test_a_valid_design_renders": 84,
    "tests/test_postgres.py::test_a_prototype_moves_to_postgres": 65,
    "tests/test_install.py::test_fresh_venv_install": 50,
    "tests/test_production.py::test_workers_starting_together": 47,
    "tests/test_team_files.py::test_the_dockerfile_installs": 39,
    "tests/test_browser.py::test_every_er_diagram": 39,
    "tests/test_postgres.py::test_the_rendered_suite_passes_on_postgres": 30,
    "tests/test_postgres.py::test_workers_starting_together": 30,
    "tests/test_migrations.py::test_design_changes_keep_every_row": 28,
    "tests/test_migrations.py::test_a_design_with_every_construct": 28,
    "tests/test_migrations.py::test_unsafe_changes": 27,
    "tests/test_migrations.py::test_type_changes": 27,
    "tests/test_fuzz.py::test_fuzzing_with_every_check": 25,
    "tests/test_projects.py::test_variant_is_clean": 20,
    "tests/test_update.py::test_add_resource_keeps_hand_edits": 25,
    "tests/test_update.py::test_every_command_of_readmes_updating_section": 40,
    "tests/test_update.py::test_a_project_rendered_by_the_first_release": 30,
    "tests/test_jobs.py::test_an_update_turns_jobs_on": 40,
    "tests/test_jobs.py::test_a_worker_runs": 10,
    "tests/test_jobs.py::test_a_job_interrupted": 10,
}


TEST_DESIGNS = Path(__file__).parent / "designs"


def design_data(name: str) -> dict[str, Any]:
    """The answers of a named design: `default` is the questionnaire's defaults; the others are
    examples/<name>.yml or tests/designs/<name>.yml."""
    if name == "default":
        return {}
    candidates = [*EXAMPLES, *TEST_DESIGNS.glob("*.yml")]
    return load_design(next(path for path in candidates if path.stem == name))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (a stable sort: every worker collects the same order)."""

    def seconds(item: pytest.Item) -> int:
        return max(
            (s for prefix, s in LONGEST_FIRST.items() if item.nodeid.startswith(prefix)), default=0
        )

    items.sort(key=lambda item: -seconds(item))


def pytest_sessionfinish() -> None:
    forkserver.stop()


@pytest.fixture(scope="session", autouse=True)
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One mypy cache for every mypy run of a test worker (rendered projects, their pre-commit
    hooks, a README example), as MYPY_CACHE_DIR, which mypy reads over a project's settings:
    the libraries (FastAPI, SQLModel, pydantic, SQLAlchemy: ~16 s of CPU) are analysed once a
    worker, not once a run. A project's own modules are checked anew: mypy compares each cached
    module with its source file. Per worker, so no two mypy runs write the cache at once."""
    cache = tmp_path_factory.mktemp("mypy-cache")
    before = os.environ.get("MYPY_CACHE_DIR")
    os.environ["MYPY_CACHE_DIR"] = str(cache)
    yield cache
    if before is None:
        del os.environ["MYPY_CACHE_DIR"]
    else:
        os.environ["MYPY_CACHE_DIR"] = before


@pytest.fixture(scope="session", autouse=True)
def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole run, every xdist worker's (the parent of the workers' own
    temporary folders): what `helpers.built_once` builds once for all of them."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "built-once"
    folder.mkdir(exist_ok=True)
    helpers.SHARED = folder
    return folder


@pytest.fixture(scope="session")
def template_repo(shared_folder: Path) -> Path:
    """The git-tagged template copy, made once per run and used by every worker (read-only)."""
    return built_once("template", make_template_repo).resolve()


@pytest.fixture(scope="session")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`rendered(design, async_db=..., auth=...)`: the project, rendered once per run (by the
    first worker that needs it) and copied once into each worker that uses it."""
    cache: dict[tuple[str, bool, str], Path] = {}

    def get(design: str, *, async_db: bool = False, auth: str = "jwt") -> Path:
        key = (design, async_db, auth)
        if key not in cache:
            name = f"{design}-{'async' if async_db else 'sync'}-{auth}"
            data = {**design_data(design), "async_db": async_db, "auth": auth}
            pristine = built_once(
                f"rendered-{name}", lambda folder: render(template_repo, folder / "project", data)
            )
            dst = tmp_path_factory.mktemp(name) / "project"
            cache[key] = shutil.copytree(pristine / "project", dst, symlinks=True)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, stopped at the end. Skipped where Debian's
    `postgresql` is not installed, unless REQUIRE_POSTGRES is set (as `.ci/run` does)."""
    if server_binaries() is None:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(
                "REQUIRE_POSTGRES is set but PostgreSQL is not installed (apt-get install postgresql)"
            )
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    with running_cluster() as cluster:
        yield cluster


# Debian's Chromium, for the docs pages and the admin view (tests/test_browser.py, test_admin_view.py).
CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
)


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium binary; CI (REQUIRE_BROWSER) fails without one, a local run skips."""
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(
                "REQUIRE_BROWSER is set but no chromium is on PATH (apt-get install chromium)"
            )
        pytest.skip("no chromium on PATH: apt-get install chromium (.ci/run does)")
    return CHROMIUM
