"""The whole design, validated, and the project-wide facts derived from it. What each output
needs of it is a view of its own, mixed in: `migration` (the first migration's tables),
`spec_sections` (the spec's endpoint groups, errors and examples) and `design_tests`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .access import ReadAccess
from .dependencies import Requirement, requirements_for
from .design_tests import DesignTestFacts
from .fields import FieldSpec
from .kinds import MAX_SAFE_INTEGER, default_length_limits
from .limits import LIMITS, Limits
from .links import Link
from .migration import MigrationTables
from .naming import slugify
from .resources import Resource
from .spec_sections import SpecSections


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
class Design(MigrationTables, SpecSections, DesignTestFacts):
    """The design with every view of it, and the project-wide facts of the rendered files."""

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
        return requirements_for(
            jwt=self.jwt, async_db=self.async_db, admin=self.admin_view, jobs=self.job_queue
        )

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

    @property
    def has_checks(self) -> bool:
        """Whether any field has a range or a minimum length: a CHECK constraint (enums have
        theirs too, hooks/enum_checks.py)."""
        return any(f.check for r in self.resources for f in r.fields)

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
