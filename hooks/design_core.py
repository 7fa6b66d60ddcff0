"""The design as it is given: its answers and resources, and the facts about them that every view
of it reads. The views (`migration`, `spec_sections`, `design_tests`) build on it; `design.Design`
composes them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .naming import enum_member

if TYPE_CHECKING:
    from .resources import Resource


@dataclass(frozen=True)
class DesignCore:
    """The answers, validated."""

    project_name: str
    description: str
    api_prefix: str
    auth: str
    roles: tuple[str, ...]
    default_role: str
    open_signup: bool
    async_db: bool
    resources: tuple[Resource, ...]
    admin_view: bool = False  # sqladmin at /admin, for the administrator role
    job_queue: bool = False  # `background_jobs: queue`: huey, and a worker beside the app
    design_source: str = ""  # the database or module the import command read, if any

    @property
    def jwt(self) -> bool:
        return self.auth == "jwt"

    @property
    def admin_role(self) -> str:
        return self.roles[0]

    @property
    def role_members(self) -> list[tuple[str, str]]:
        """(member, value) of the `Role` enum: `count` -> `count_`, as for every enum."""
        return [(enum_member(role), role) for role in self.roles]

    def role_member(self, role: str) -> str:
        return enum_member(role)

    @cached_property
    def by_name(self) -> dict[str, Resource]:
        return {r.name: r for r in self.resources}

    @property
    def has_unique_fields(self) -> bool:
        return any(r.unique_fields for r in self.resources)

    @property
    def has_refs(self) -> bool:
        return any(r.refs for r in self.resources)
