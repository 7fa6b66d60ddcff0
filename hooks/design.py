"""The whole design, validated, and the project-wide facts derived from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .access import ReadAccess
from .column_types import INT64_MIGRATION_TYPE
from .dependencies import Requirement, requirements_for
from .endpoints import Endpoint, by_action, health_endpoints, system_endpoints
from .fields import MAX_SAFE_INTEGER, FieldSpec, default_length_limits
from .generated_tests import DesignTestFacts
from .limits import LIMITS, Limits
from .links import Link
from .naming import enum_member, slugify
from .resources import PAGE_PARAMETERS, Resource


class DesignError(ValueError):
    """A design that cannot become a working project; `problems` lists each reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        head = "The design cannot be rendered" + (
            ":" if len(self.problems) == 1 else f" ({len(self.problems)} problems):"
        )
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


@dataclass(frozen=True)
class Column:
    """One column of the first migration's `op.create_table(...)`."""

    name: str
    type: str  # the SQLAlchemy type expression, e.g. `sa.Integer()`
    nullable: bool
    server_default: str | None = None  # stored text
    server_default_expression: str | None = None  # a SQL function, e.g. `sa.func.now()`


@dataclass(frozen=True)
class Table:
    """One table of the first migration, as SQLModel would create it."""

    name: str
    columns: tuple[Column, ...]
    # (column, referenced table, what deleting the referenced row does: None refuses it)
    foreign_keys: tuple[tuple[str, str, str | None], ...]
    unique: tuple[tuple[str, ...], ...]  # the columns of each UNIQUE constraint
    indexes: tuple[tuple[str, bool], ...]  # (column, unique)
    checks: tuple[tuple[str, str], ...] = ()  # (name, condition)


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


@dataclass(frozen=True)
class Design(DesignTestFacts):
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

    @property
    def migration_uses_sqlmodel(self) -> bool:
        """Whether the first migration names a SQLModel column type (and so imports it)."""
        return any("sqlmodel." in c.type for t in self.migration_tables for c in t.columns)

    @property
    def slug(self) -> str:
        """The distribution name: `Café Orders` -> `cafe-orders`."""
        return slugify(self.project_name) or "api"

    @property
    def owned_resources(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.owned)

    @property
    def limits(self) -> Limits:
        return LIMITS

    @property
    def default_length_limits(self) -> str:
        return default_length_limits()

    @property
    def max_safe_integer(self) -> int:
        return MAX_SAFE_INTEGER

    @property
    def max_safe_integer_text(self) -> str:
        return f"{MAX_SAFE_INTEGER:,}"

    @property
    def uses_url(self) -> bool:
        return self.uses_any("url")

    @property
    def has_search(self) -> bool:
        return any(r.search_fields for r in self.resources)

    def uses_any(self, *kinds: str) -> bool:
        """Whether any resource has a field of one of these kinds."""
        return any(r.uses(*kinds) for r in self.resources)

    @cached_property
    def by_name(self) -> dict[str, Resource]:
        return {r.name: r for r in self.resources}

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

    # -- who may name which rows: app/services/access.py -------------------------------------
    @property
    def read_accesses(self) -> list[ReadAccess]:
        """Who reads each resource that a reference or a link names, in design order."""
        named = {f.ref for r in self.resources for f in r.refs}
        named |= {link.target for r in self.resources for link in r.links}
        named |= {r.name for r in self.resources if r.reads_via}
        accounts = [ReadAccess.of_accounts()] if self.account_refs else []
        return [*accounts, *(r.read_access for r in self.resources if r.name in named)]

    @property
    def reads_via(self) -> bool:
        """Whether some resource is read through a parent row (`read: [via ticket]`)."""
        return any(r.reads_via for r in self.resources)

    @property
    def via_scopes(self) -> dict[str, str]:
        """The OAuth2 scopes of reading through a parent row, and what each grants."""
        return {
            f"via:{f.name}": f"The rows whose {f.label} the caller may read"
            for r in self.resources
            for f in r.reads_via
        }

    @property
    def account_refs(self) -> list[FieldSpec]:
        """Every reference to a user account (`assignee: ref user?`)."""
        return [f for r in self.resources for f in r.refs if f.account_ref]

    # -- what the project is made of --------------------------------------------------------
    @property
    def dependencies(self) -> list[Requirement]:
        return requirements_for(jwt=self.jwt, async_db=self.async_db, admin=self.admin_view)

    @property
    def dev_dependencies(self) -> list[Requirement]:
        return requirements_for(jwt=self.jwt, async_db=self.async_db, dev=True)

    @property
    def postgres_dependencies(self) -> list[Requirement]:
        """The `postgres` extra: the drivers a PostgreSQL `DATABASE_URL` needs."""
        return requirements_for(jwt=self.jwt, async_db=self.async_db, postgres=True)

    @property
    def sqlite_driver(self) -> str:
        return "aiosqlite" if self.async_db else "sqlite3 (standard library)"

    @property
    def router_modules(self) -> list[str]:
        """The modules of app/routers, in the order their routes appear in OpenAPI."""
        return [*(["auth", "users"] if self.jwt else []), *(r.name for r in self.resources)]

    @property
    def table_models(self) -> list[tuple[str, str]]:
        """(module, class) of every table model."""
        pairs = [(r.name, r.class_name) for r in self.resources]
        return sorted([*pairs, *([("user", "User")] if self.jwt else [])])

    # -- endpoints --------------------------------------------------------------------------
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

    @property
    def has_unique_fields(self) -> bool:
        return any(r.unique_fields for r in self.resources)

    @property
    def has_checks(self) -> bool:
        """Whether any field has a range or a minimum length: a CHECK constraint."""
        return any(r.checks for r in self.resources)

    @property
    def links(self) -> tuple[Link, ...]:
        """Every many-to-many link: the first migration creates its table after the resources'."""
        return tuple(link for r in self.resources for link in r.links)

    @property
    def has_timestamps(self) -> bool:
        return any(r.timestamps for r in self.resources)

    @property
    def has_patterns(self) -> bool:
        return any(f.pattern is not None for r in self.resources for f in r.fields)

    @property
    def has_refs(self) -> bool:
        return any(r.refs for r in self.resources)

    # -- the first migration ----------------------------------------------------------------
    @property
    def migration_tables(self) -> list[Table]:
        """The first migration's tables, referenced tables first."""
        tables: list[Table] = []
        if self.jwt:
            roles = ", ".join(f'"{member}"' for member, _ in self.role_members)
            tables.append(
                Table(
                    name="user",
                    columns=(
                        Column("id", INT64_MIGRATION_TYPE, False),
                        Column("email", "sqlmodel.sql.sqltypes.AutoString(length=254)", False),
                        Column("full_name", "sqlmodel.sql.sqltypes.AutoString(length=255)", True),
                        Column("role", f'sa.Enum({roles}, name="role", native_enum=False)', False),
                        Column("is_active", "sa.Boolean()", False),
                        Column("hashed_password", "sqlmodel.sql.sqltypes.AutoString()", False),
                        Column("token_version", "sa.Integer()", False, "0"),
                    ),
                    foreign_keys=(),
                    unique=(),
                    indexes=(("email", True),),
                )
            )
        for r in self._creation_order():
            columns = [Column("id", INT64_MIGRATION_TYPE, False), *map(_column, r.fields)]
            foreign_keys = [(f.column, f.ref_table, f.on_delete) for f in r.refs]
            indexes = [(f.column, False) for f in r.refs]
            columns += [
                Column(f.column, f.migration_type, False, server_default_expression="sa.func.now()")
                for f in r.timestamp_fields
            ]
            if r.owned:
                columns.append(Column("owner_id", INT64_MIGRATION_TYPE, False))
                foreign_keys.append(("owner_id", "user", None))
                indexes.append(("owner_id", False))
            tables.append(
                Table(
                    name=r.table_name,
                    columns=tuple(columns),
                    foreign_keys=tuple(foreign_keys),
                    unique=tuple((f.column,) for f in r.unique_fields) + r.unique_together,
                    indexes=tuple(indexes),
                    checks=r.checks,
                )
            )
        return tables

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

    def _creation_order(self) -> list[Resource]:
        """Resources after the ones they reference (cycles through optional refs keep design order)."""
        ordered: list[Resource] = []

        def visit(resource: Resource, path: tuple[str, ...]) -> None:
            if resource in ordered or resource.name in path:
                return
            for f in resource.refs:
                if f.ref in self.by_name:
                    visit(self.by_name[f.ref], (*path, resource.name))
            ordered.append(resource)

        for resource in self.resources:
            visit(resource, ())
        return ordered


def _column(spec: FieldSpec) -> Column:
    return Column(spec.column, spec.migration_type, spec.optional, spec.server_default)
