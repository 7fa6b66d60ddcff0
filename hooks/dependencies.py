"""The rendered project's requirements, read from `requirements-project.txt` at the template's root.

That file is the one place each version range is written: pyproject.toml and the spec's section 3
are rendered from it, and this repository's tests install it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements-project.txt"
GROUPS = ("always", "jwt", "async", "admin", "dev", "postgres", "postgres_async", "jobs", "broker")
_LINE = re.compile(r"^(?P<requirement>\S+)\s+#\s*\[(?P<group>\w+)\]\s*(?P<why>.+)$")


@dataclass(frozen=True)
class Requirement:
    requirement: str  # e.g. `pwdlib[argon2]>=0.2,<1`
    group: str
    why: str

    @property
    def name(self) -> str:
        """`pwdlib[argon2]>=0.2,<1` -> `pwdlib[argon2]`."""
        return re.split(r"[<>=!~]", self.requirement, maxsplit=1)[0]

    @property
    def range(self) -> str:
        """`pwdlib[argon2]>=0.2,<1` -> `>=0.2,<1`."""
        return self.requirement[len(self.name) :]


@cache
def read_requirements(path: Path = REQUIREMENTS) -> tuple[Requirement, ...]:
    """Every requirement of the file, in its order; a line that breaks the format is an error."""
    found: list[Requirement] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line.strip())
        if match is None or match["group"] not in GROUPS:
            raise ValueError(
                f"{path.name}:{number}: expected `requirement  # [group] why`: {line!r}"
            )
        found.append(Requirement(match["requirement"], match["group"], match["why"].strip()))
    return tuple(found)


def requirements_for(
    *,
    jwt: bool,
    async_db: bool,
    admin: bool = False,
    dev: bool = False,
    postgres: bool = False,
    jobs: bool = False,
    broker: bool = False,
) -> list[Requirement]:
    """The runtime requirements of a design (or, with `dev`, its development tools; with
    `postgres`, the drivers of its `postgres` extra; with `broker`, its `redis` extra); `admin`:
    with the admin view's."""
    if broker:
        wanted = {"broker"}
    elif dev:
        wanted = {"dev"}
    elif postgres:
        wanted = {"postgres", *(["postgres_async"] if async_db else [])}
    else:
        wanted = {"always", *(["jwt"] if jwt else []), *(["async"] if async_db else [])}
        wanted |= {"admin"} if admin else set()
        wanted |= {"jobs"} if jobs else set()
    return [r for r in read_requirements() if r.group in wanted]
