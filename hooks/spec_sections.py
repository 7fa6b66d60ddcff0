"""What sections of the spec (and the generated tests that check them) say of the whole design:
the endpoint table grouped by resource, the errors each status stands for, the ER diagram's keys,
README's rename example."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .design_core import DesignCore
from .endpoints import Endpoint, by_action, health_endpoints, system_endpoints
from .parameters import PAGE_PARAMETERS

if TYPE_CHECKING:
    from .fields import FieldSpec
    from .resources import Resource


@dataclass(frozen=True)
class ConflictTrigger:
    """How the generated tests make the server answer `409`: deactivate the last administrator
    (`last_admin`), send the same unique value twice (`unique`), or delete a row another one
    refers to (`reference`)."""

    kind: str
    resource: Resource | None = None  # the resource posted twice, or the one that refers
    ref: FieldSpec | None = None  # the referring field
    target: Resource | None = None  # the resource referred to


@dataclass(frozen=True)
class EndpointGroup:
    """One table of section 6: a resource's endpoints (with the resource), or the system's."""

    title: str
    endpoints: tuple[Endpoint, ...]
    resource: Resource | None = None
    list_path: str = ""  # the group's list endpoint, if it has one
    list_parameters: tuple[str, ...] = ()  # section 6's words for its query parameters

    @property
    def list_takes(self) -> str:
        """`a, b and c`: the list's query parameters in one sentence."""
        *rest, last = self.list_parameters
        return f"{', '.join(rest)} and {last}" if rest else last


@dataclass(frozen=True)
class Rename:
    """A field rename, for README's recipe: the design's words and the table's column names."""

    resource: str
    table: str
    old: str
    new: str
    old_column: str
    new_column: str


class SpecSections(DesignCore):
    """Mixed into `Design`: its endpoint groups, statuses and examples."""

    @cached_property
    def system_endpoints(self) -> tuple[Endpoint, ...]:
        """The auth and users routes (only with auth: jwt), as their routers declare them."""
        if not self.jwt:
            return ()
        return system_endpoints(
            roles=self.roles,
            default_role=self.default_role,
            open_signup=self.open_signup,
        )

    def system(self, action: str) -> Endpoint:
        """One auth or users route by action: `login`, `register`, `me`, `list`, ..."""
        return by_action(self.system_endpoints)[action]

    def health(self, action: str) -> Endpoint:
        """One of the health checks: `healthz` or `readyz`."""
        return by_action(health_endpoints())[action]

    @property
    def endpoint_groups(self) -> list[EndpointGroup]:
        """Section 6 of the spec: the endpoints, grouped by resource, then auth and users."""
        groups = [
            EndpointGroup(r.plural_label.capitalize(), r.endpoints, r, r.path, r.list_parameters)
            for r in self.resources
        ]
        if self.jwt:
            system = self.system_endpoints
            auth = tuple(ep for ep in system if ep.router_prefix == "/auth")
            users = tuple(ep for ep in system if ep.router_prefix == "/users")
            groups += [
                EndpointGroup("Auth", auth),
                EndpointGroup("Users", users, list_path="/users", list_parameters=PAGE_PARAMETERS),
            ]
        groups.append(EndpointGroup("Health", health_endpoints()))
        return groups

    @property
    def error_statuses(self) -> frozenset[int]:
        """Section 7's rows: every error a route declares, and those any request can get (a
        refused CORS preflight, no such route or method, a body too large or malformed, a bug)."""
        declared = {
            status
            for group in self.endpoint_groups
            for ep in group.endpoints
            for status in ep.errors
        }
        return frozenset(declared | {400, 404, 405, 413, 422, 500})

    @property
    def conflict_causes(self) -> list[str]:
        """Section 7's `409` row: what makes this design's server answer it."""
        causes = ["a unique value is already taken"] if self.jwt or self.has_unique_fields else []
        causes += (
            ["a combination of values declared unique together is already taken"]
            if any(r.unique_together for r in self.resources)
            else []
        )
        causes += ["a row is still referenced"] if self.has_refs else []
        causes += [f"the change would leave no active `{self.admin_role}`"] if self.jwt else []
        return causes

    @property
    def conflict_trigger(self) -> ConflictTrigger | None:
        """One request sequence that gets a `409`; None when nothing can conflict."""
        if self.jwt:
            return ConflictTrigger("last_admin")
        unique = next((r for r in self.resources if r.unique_fields), None)
        if unique is not None:
            return ConflictTrigger("unique", unique)
        referrer = next((r for r in self.resources if r.refs), None)
        if referrer is None:
            return None
        ref = referrer.refs[0]
        return ConflictTrigger("reference", referrer, ref, self.by_name[str(ref.ref)])

    @staticmethod
    def er_attributes(resource: Resource) -> list[tuple[FieldSpec, str, str]]:
        """(field, keys, comment) of each column the ER diagram shows: references (`FK`),
        unique columns (`UK`), and the members of a unique combination ("unique with ...")."""
        attributes = []
        for f in resource.fields:
            keys = ", ".join(["FK"] * (f.kind == "ref") + ["UK"] * f.unique)
            partners = [
                other
                for columns in resource.unique_together
                if f.column in columns
                for other in columns
            ]
            others = [c for c in dict.fromkeys(partners) if c != f.column]
            comment = f"unique with {' and '.join(others)}" if others else ""
            if keys or comment:
                attributes.append((f, keys, comment))
        return attributes

    @property
    def rename(self) -> Rename:
        """README's rename example: the first field that is not a ref, gaining a `new_` prefix
        (a ref's column is its name plus `_id`, which would make the example less plain)."""
        resource, spec = next(
            ((r, f) for r in self.resources for f in r.fields if f.kind != "ref"),
            (self.resources[0], self.resources[0].fields[0]),
        )
        new = f"new_{spec.name}"
        new_column = spec.column.replace(spec.name, new, 1)
        return Rename(resource.name, resource.table_name, spec.name, new, spec.column, new_column)
