"""What `python -m tools.demo_data` makes: the order resources are filled in, who owns each row,
which users a reference to an account names, and which columns no two rows may share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .samples import TEST_ROWS

if TYPE_CHECKING:
    from .design import Design
    from .fields import FieldSpec
    from .resources import Resource

# Rows per resource: the values the generated tests cycle through, so each differs where it can.
DEMO_ROWS = TEST_ROWS
USERS_PER_ROLE = 3
# Printed once by the command; the accounts exist only in a development database.
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class DemoPlan:
    """The demo data's facts for one design."""

    design: Design

    @property
    def rows(self) -> int:
        return DEMO_ROWS

    @property
    def users_per_role(self) -> int:
        return USERS_PER_ROLE

    @property
    def password(self) -> str:
        return DEMO_PASSWORD

    @property
    def resources(self) -> list[Resource]:
        """Every resource after the ones it refers to or links to (where the references allow
        an order; a reference back to a later one is left empty when optional)."""
        return fill_order(self.design.resources)

    def owner_roles(self, resource: Resource) -> list[str]:
        return owner_roles(resource, self.design.roles)

    def account_roles(self, field: FieldSpec) -> list[str]:
        return account_roles(field, self.design.roles)

    def unique_columns(self, resource: Resource) -> list[tuple[str, ...]]:
        return unique_columns(resource)


def demo_plan(design: Design) -> DemoPlan:
    return DemoPlan(design)


def fill_order(resources: tuple[Resource, ...] | list[Resource]) -> list[Resource]:
    """Resources ordered so that each comes after what its references and links name, the
    design's order kept otherwise; a cycle is broken at its first optional reference."""
    by_name = {r.name: r for r in resources}

    def targets(resource: Resource, *, required_only: bool) -> set[str]:
        named = {
            f.ref
            for f in resource.refs
            if f.ref in by_name and f.ref != resource.name and not (required_only and f.optional)
        }
        return named | ({link.target for link in resource.links} - {resource.name})

    ordered: list[Resource] = []
    placed: set[str] = set()
    for required_only in (False, True):
        progress = True
        while progress:
            progress = False
            for resource in resources:
                waiting = targets(resource, required_only=required_only) - placed
                if resource.name not in placed and not waiting:
                    ordered.append(resource)
                    placed.add(resource.name)
                    progress = True
    ordered.extend(r for r in resources if r.name not in placed)  # required cycles: invalid anyway
    return ordered


def owner_roles(resource: Resource, roles: tuple[str, ...] | list[str]) -> list[str]:
    """The roles whose users own the resource's demo rows: those who may create one (a 422 only
    refuses references to others' rows, and demo rows refer to their owner's), the administrator
    only when no other role may."""
    creators = [role for role in roles if resource.access("create", role) in (201, 422)]
    others = [role for role in creators if role != roles[0]]
    return others or [roles[0]]


def account_roles(field: FieldSpec, roles: tuple[str, ...] | list[str]) -> list[str]:
    """The roles whose users a reference to an account names: the roles that may set it
    (`assignee` written by agents names agents), else every role but the administrator."""
    writers = [role for role in field.writers if role != roles[0]]
    return writers or list(roles[1:]) or [roles[0]]


def unique_columns(resource: Resource) -> list[tuple[str, ...]]:
    """The columns of each combination no two rows may share, single unique fields included."""
    return [(f.column,) for f in resource.unique_fields] + list(resource.unique_together)
