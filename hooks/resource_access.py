"""Who may do what with one resource's rows: the status each role gets, the scopes its router
declares, the rows a caller reads, and what its service is told of the caller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .access import ReadAccess
from .literals import LINE_LENGTH
from .permissions import ACTIONS, SUCCESS, Rule
from .resource_core import ResourceCore

if TYPE_CHECKING:
    from .fields import FieldSpec
    from .links import Link

RULES_IMPORT_CHARS = len("from app.models. import ")


class AccessRules(ResourceCore):
    """Mixed into `Resource`: its permission rules, as the routers, services and tests use them."""

    def rule(self, action: str) -> Rule:
        return self.rules["read" if action == "list" else action]

    @property
    def all_public(self) -> bool:
        return not self.jwt or all(rule.public for rule in self.rules.values())

    @property
    def scope_constants(self) -> list[tuple[str, tuple[str, ...]]]:
        """(`READ_SCOPES`, scopes) for each rule that demands scopes: declared once per router."""
        if not self.jwt:
            return []
        return [
            (f"{a.upper()}_SCOPES", rule.scopes) for a, rule in self.rules.items() if rule.scopes
        ]

    @property
    def read_access(self) -> ReadAccess:
        """Who reads which of its rows, as references and links to it are checked."""
        rule = self.rules["read"] if self.jwt else None
        via = tuple(
            (f.column, f"readable_{f.ref}_ids") for f in self.refs if rule and f.name in rule.via
        )
        return ReadAccess(self.name, self.plural, self.owned, rule, via=via)

    @property
    def reads_via(self) -> tuple[FieldSpec, ...]:
        """The references through whose rows a caller may read this resource's rows."""
        return tuple(f for f in self.refs if self.jwt and f.name in self.rules["read"].via)

    def access(self, action: str, role: str | None) -> int:
        """The status a caller of `role` (None: no token) gets for `action` on another's row; a
        create whose required references name rows the caller may not read is a 422."""
        if not self.jwt:
            return SUCCESS[action]
        status = self.rule(action).status_for(action, role)
        hidden = role and not all(f.names_others_for(role) for f in self.required_refs)
        return 422 if action == "create" and status == 201 and hidden else status

    @property
    def guarded_fields(self) -> tuple[FieldSpec, ...]:
        """Fields only some roles may set (`write: [agent]`)."""
        return tuple(f for f in self.fields if f.writers)

    def refuses_a_writer(self, action: str) -> bool:
        """Whether a role allowed to create or update may not set one of its fields (a 403)."""
        allowed = [
            r
            for r in self.rules["read"].design_roles
            if self.rule(action).status_for(action, r) < 300
        ]
        return any(role not in f.writers for f in self.guarded_fields for role in allowed)

    @property
    def scopes_filters(self) -> bool:
        """Whether the list's reference and link filters find only rows the caller may read: on a
        public list, whose rows everyone sees with their references, there is nothing to hide."""
        return self.jwt and not self.rules["read"].public

    @property
    def scoped_filters(self) -> tuple[FieldSpec, ...]:
        """Filters on references to rows not everyone reads, where the list scopes them."""
        return tuple(f for f in self.filters if f.ref_scoped) if self.scopes_filters else ()

    @property
    def scoped_link_filters(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.scoped) if self.scopes_filters else ()

    @property
    def read_functions(self) -> list[str]:
        """The functions of `app/services/access.py` the service calls."""
        targets = [*(f.target_access for f in self.refs), *(k.target_access for k in self.links)]
        own = [self.read_access] if self.reads_via else []
        return sorted({t.function for t in [*targets, *own] if t is not None})

    def takes_caller(self, action: str) -> bool:
        """Whether the service's function for `action` is told who calls: for the project's rules
        and to check references (create, update), or to scope filters (list) to the rows the
        caller may read."""
        if not self.jwt:
            return False
        if action in ("create", "update"):
            return True  # the project's rules are told who changes the row
        if action in ("list", "read") and self.reads_via:
            return True
        return action == "list" and bool(self.scoped_filters or self.scoped_link_filters)

    @property
    def checks_caller(self) -> bool:
        """Whether a write's own checks need the caller: references and links name only rows the
        caller may read, and guarded fields only some roles may set."""
        return self.jwt and bool(self.refs or self.links or self.guarded_fields)

    def permission_cases(self, roles: Sequence[str]) -> list[tuple[str, str | None, int]]:
        return [(a, role, self.access(a, role)) for a in ACTIONS for role in (None, *roles)]

    def owner_only_role(self, roles: Sequence[str]) -> str | None:
        """A role that may create rows but reaches them only as their owner, for the isolation test."""
        for role in roles:
            if self.access("create", role) == 201 and self.access("read", role) == 404:
                return role
        return None

    # -- the rules stub: the user's file, never reformatted, so laid out as ruff would ------
    @property
    def rules_imports(self) -> tuple[tuple[str, str, bool], ...]:
        """The models the rules stub imports, as (module, class, whether `from app.models.<module>
        import <Class>` fits ruff's 100 columns), in isort's order: the row's, and the caller's
        account where there are logins."""
        models = [(self.name, self.class_name)] + ([("user", "User")] if self.jwt else [])
        return tuple(
            (module, class_name, RULES_IMPORT_CHARS + len(module) + len(class_name) <= LINE_LENGTH)
            for module, class_name in sorted(models)
        )
