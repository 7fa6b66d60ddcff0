"""Session-wide fixtures: one git-tagged template copy, and each rendered variant rendered once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLES, load_design, make_template_repo, render
from tests.postgres import Cluster, running_cluster, server_binaries

# Copier and the tests commit in throwaway repositories; give git an identity that works anywhere.
os.environ.setdefault("GIT_AUTHOR_NAME", "Template Tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@example.com")
os.environ.setdefault("GIT_COMMITTER_NAME", "Template Tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@example.com")

DESIGNS = ["default", *(path.stem for path in EXAMPLES)]


TEST_DESIGNS = Path(__file__).parent / "designs"


def design_data(name: str) -> dict[str, Any]:
    """The answers of a named design: `default` is the questionnaire's defaults; the others are
    examples/<name>.yml or tests/designs/<name>.yml."""
    if name == "default":
        return {}
    candidates = [*EXAMPLES, *TEST_DESIGNS.glob("*.yml")]
    return load_design(next(path for path in candidates if path.stem == name))


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template_repo(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`rendered(design, async_db=..., auth=...)`: the project, rendered once per session."""
    cache: dict[tuple[str, bool, str], Path] = {}

    def get(design: str, *, async_db: bool = False, auth: str = "jwt") -> Path:
        key = (design, async_db, auth)
        if key not in cache:
            dst = tmp_path_factory.mktemp(f"{design}-{'async' if async_db else 'sync'}-{auth}")
            data = {**design_data(design), "async_db": async_db, "auth": auth}
            cache[key] = render(template_repo, dst / "project", data)
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
