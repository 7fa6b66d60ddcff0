"""One resource of the design: its names, fields, permission rules and endpoint table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .access import ReadAccess
from .endpoints import Endpoint, by_action, crud_errors
from .fields import IMPORTED_FROM, FieldSpec
from .generated_tests import GeneratedTestFacts
from .limits import LIMITS
from .links import Link
from .literals import md_code
from .naming import article, pascal, words
from .parameters import query_descriptions
from .permissions import SUCCESS, Rule

ACTIONS = ("create", "list", "read", "update", "delete")

LINE_LENGTH = 100  # the rendered pyproject's ruff line-length
RULES_IMPORT_CHARS = len("from app.models. import ")
# Section 6's words for the query parameters every list takes.
PAGE_PARAMETERS = (
    "`offset` (≥ 0, default 0)",
    f"`limit` (1–{LIMITS.max_page_size}, default {LIMITS.default_page_size})",
)
# The columns `timestamps: true` adds, and what they hold.
TIMESTAMPS = {
    "created_at": "When the row was created (UTC)",
    "updated_at": "When a PATCH last changed the row (UTC)",
}
# The classes each resource's model module defines, by suffix, and what each is.
MODEL_CLASSES = {
    "": "table model",
    "Base": "shared fields",
    "Create": "create body",
    "Update": "update body",
    "Public": "response model",
    "Page": "page model",
    "Query": "list query",
    "SortKey": "sort key",
}


@dataclass(frozen=True)
class Resource(GeneratedTestFacts):
    name: str
    plural: str
    description: str
    owned: bool
    fields: tuple[FieldSpec, ...]
    rules: Mapping[str, Rule]
    links: tuple[Link, ...] = ()  # many-to-many: `tags: refs tag`
    # the columns of each combination no two rows may share (`unique: [customer, product]`)
    unique_together: tuple[tuple[str, ...], ...] = ()
    timestamps: bool = False  # `created_at` and `updated_at`, set by the server
    jwt: bool = True
    referenced_by: tuple[str, ...] = field(default=())  # plural labels of resources that ref it
    referrers: tuple[FieldSpec, ...] = field(default=())  # the ref fields (of any resource) to it

    # -- names -----------------------------------------------------------------------------
    @property
    def class_name(self) -> str:
        return pascal(self.name)

    @property
    def table_name(self) -> str:
        return self.name

    @property
    def explicit_table_name(self) -> bool:
        """`__tablename__` only where SQLModel's default (the lower-cased class name) differs."""
        return self.class_name.lower() != self.table_name

    @property
    def label(self) -> str:
        return words(self.name)

    @property
    def a_label(self) -> str:
        """`a book`, `an author`."""
        return article(self.label)

    @property
    def plural_label(self) -> str:
        return words(self.plural)

    @property
    def path(self) -> str:
        """The URL segment: `book_loans` -> `/book-loans`."""
        return "/" + self.plural.replace("_", "-")

    @property
    def tag(self) -> str:
        return self.plural.replace("_", "-")

    @property
    def id_param(self) -> str:
        return f"{self.name}_id"

    @property
    def generated_classes(self) -> list[tuple[str, str]]:
        """(class, what it is) of every class the model module defines, enums included."""
        classes = [(self.class_name + suffix, role) for suffix, role in MODEL_CLASSES.items()]
        classes += [(f.enum_class, f"enum of field '{f.name}'") for f in self.enums]
        classes += [(link.class_name, f"link table of field '{link.name}'") for link in self.links]
        return classes

    # -- fields ----------------------------------------------------------------------------
    def uses(self, *kinds: str) -> bool:
        """Whether any field is of one of these kinds."""
        return any(f.kind in kinds for f in self.fields)

    def imports_from(self, module: str) -> list[str]:
        """The names the model module imports from `pydantic`, `sqlmodel` or `app.models.types`:
        those its annotations and column types use (the id column's always)."""
        used = {f.base_type for f in self.fields} | {f.filter_type for f in self.filters}
        used |= {
            "Field",
            "SQLModel",
            *(["Relationship"] if self.links or self.account_refs else []),
        }
        used |= {"UtcDatetime", "func"} if self.timestamps else set()
        used |= {f.range_type for f in self.range_filters}
        used |= {"LinkIds", "SafeIntParam"} if self.links else set()
        used |= {"StorableStr"} if self.search_fields else set()
        used |= {f.column_type_override for f in self.fields if f.column_type_override}
        used |= {"Int64", *(["enum_column"] if self.enums else [])}
        used |= {"CheckConstraint"} if self.checks else set()
        used |= {"UniqueConstraint"} if self.unique_together else set()
        used |= (
            {"MAX_SAFE_INTEGER"} if any(f.bounded_by_safe_integers for f in self.fields) else set()
        )
        # as ruff's isort orders them: constants, classes, then functions
        return sorted(
            (name for name in used if IMPORTED_FROM.get(name) == module),
            key=lambda name: (not name.isupper(), not name[0].isupper(), name),
        )

    def default_uses(self, kind: str) -> bool:
        """Whether a field of this kind has a non-null default (its literal needs an import)."""
        return any(f.kind == kind and f.default is not None for f in self.fields)

    @property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == "ref")

    @property
    def account_refs(self) -> tuple[FieldSpec, ...]:
        """References to user accounts: responses add each account's display name."""
        return tuple(f for f in self.refs if f.account_ref)

    @property
    def enums(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == "enum")

    @property
    def unique_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def checks(self) -> tuple[tuple[str, str], ...]:
        """(name, condition) of each CHECK constraint: the design's ranges and minimum lengths."""
        return tuple(f.check for f in self.fields if f.check)

    @property
    def refused_values(self) -> list[tuple[str, str, bool]]:
        """(column, Python literal, refused by the database too) of values just outside the
        design's rules, for the generated tests."""
        return [(f.column, value, check) for f in self.fields for value, check in f.refused_values]

    @property
    def filters(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.filterable)

    @property
    def list_parameters(self) -> tuple[str, ...]:
        """Section 6's words for each query parameter of the list, as `app/models/` declares them."""
        keys = ", ".join(md_code(c) for c in self.sort_columns)
        ranked = any(f.kind == "enum" and f.sortable for f in self.fields)
        sort = (
            f"`sort` (one or more of {keys}, comma-separated, the first deciding, each column at "
            "most once; a leading `-` sorts descending"
            + ("; an enum sorts in the order the design lists its values" if ranked else "")
            + ")"
        )
        clauses = [*PAGE_PARAMETERS, sort]
        if self.filters or self.links:
            most = f"at most {LIMITS.max_filter_values}"
            named = [
                md_code(f.column)
                + (f" (repeatable: any of the values, {most})" if f.multi_valued else "")
                for f in self.filters
            ]
            named += [
                f"{md_code(link.filter_param)} (repeatable: linked to any of the {link.label}, {most})"
                for link in self.links
            ]
            clauses.append(
                f"the exact-match filter{'s' if len(named) > 1 else ''} {', '.join(named)}"
            )
        if self.search_fields:
            searched = " or ".join(md_code(f.column) for f in self.search_fields)
            clauses.append(
                f"`q` (1–{LIMITS.max_search_length} characters, found anywhere in {searched}, "
                "ignoring letter case: on SQLite, of ASCII letters)"
            )
        if self.range_filters:
            bounds = [md_code(param) for f in self.range_filters for param in f.range_params]
            clauses.append(f"the inclusive bounds {', '.join(bounds)}")
        return tuple(clauses)

    @property
    def query_descriptions(self) -> dict[str, str]:
        return query_descriptions(self)

    @property
    def repeatable_filters(self) -> tuple[str, ...]:
        """The list's query parameters that take several values (`?genre=a&genre=b`: any of
        them), each at most `LIMITS.max_filter_values` times."""
        return tuple(param for param, _ in self.repeatable_filter_values)

    @property
    def repeatable_filter_values(self) -> tuple[tuple[str, str], ...]:
        """(parameter, a value it takes, as query text) of each repeatable filter, for the
        generated tests: an enum's first value; an id for a reference or a link."""
        values = [
            (f.column, f.enum_values[0] if f.kind == "enum" else "1")
            for f in self.filters
            if f.multi_valued
        ]
        return (*values, *((link.filter_param, "1") for link in self.links))

    @property
    def search_fields(self) -> tuple[FieldSpec, ...]:
        """The fields the list's `q` looks in."""
        return tuple(f for f in self.fields if f.searchable)

    @property
    def range_filters(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in (*self.fields, *self.timestamp_fields) if f.ranged)

    @property
    def timestamp_fields(self) -> tuple[FieldSpec, ...]:
        """`created_at` and `updated_at` where the design asks for them: in responses, sorts and
        bounds, never in a request body."""
        if not self.timestamps:
            return ()
        return tuple(
            FieldSpec(name=name, kind="datetime", resource=self.name, description=description)
            for name, description in TIMESTAMPS.items()
        )

    @property
    def required_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.optional and not f.has_default)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns a PATCH may leave out but not set to null."""
        return tuple(f.column for f in self.fields if not f.optional)

    @property
    def sort_columns(self) -> tuple[str, ...]:
        return ("id", *(f.column for f in (*self.fields, *self.timestamp_fields) if f.sortable))

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """Every `sort=` value the list endpoint accepts."""
        return tuple(key for c in self.sort_columns for key in (c, f"-{c}"))

    @property
    def has_checks(self) -> bool:
        """Whether writes need the service's own checks (references, unique values)."""
        return bool(self.refs or self.unique_fields or self.unique_together)

    @property
    def has_table_args(self) -> bool:
        """Whether the table model lists constraints besides its columns'."""
        return bool(self.checks or self.unique_together)

    def not_unique_alone(self, columns: tuple[str, ...]) -> str | None:
        """A column of a unique combination that is not unique by itself: the generated test
        shows that repeating it alone is no conflict."""
        alone = {f.column for f in self.unique_fields}
        return next((column for column in columns if column not in alone), None)

    @property
    def link_models(self) -> list[tuple[str, str]]:
        """(module, class) of every resource a link points at."""
        return sorted({(link.target, link.target_class) for link in self.links})

    @property
    def referenced_by_text(self) -> str:
        """`loans`, `loans or reviews`, `loans, holds or reviews`: for the 409 message."""
        *head, last = self.referenced_by or ("",)
        return f"{', '.join(head)} or {last}" if head else last

    # -- permissions -----------------------------------------------------------------------
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

    # -- endpoints -------------------------------------------------------------------------
    @cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The five CRUD routes, in the order the router declares them."""
        return tuple(self._endpoint(action) for action in ACTIONS)

    def endpoint(self, action: str) -> Endpoint:
        return by_action(self.endpoints)[action]

    @property
    def uses_grant(self) -> bool:
        return any(ep.grant for ep in self.endpoints)

    def _endpoint(self, action: str) -> Endpoint:
        c, n = self.class_name, self.name
        rule = self.rule(action)
        public = rule.public or not self.jwt
        one = f"{self.path}/{{{self.id_param}}}"
        method, path, status, function = {
            "create": ("POST", self.path, 201, f"create_{n}"),
            "list": ("GET", self.path, 200, f"list_{self.plural}"),
            "read": ("GET", one, 200, f"read_{n}"),
            "update": ("PATCH", one, 200, f"update_{n}"),
            "delete": ("DELETE", one, 204, f"delete_{n}"),
        }[action]
        summary = {
            "create": f"Create {self.a_label}",
            "list": f"List {self.plural_label}",
            "read": f"Read one {self.label}",
            "update": f"Change some fields of {self.a_label}",
            "delete": f"Delete {self.a_label}",
        }[action]
        body = {"create": f"{c}Create", "update": f"{c}Update"}.get(action)
        return Endpoint(
            action=action,
            method=method,
            path=path,
            router_prefix=self.path,
            function=function,
            summary=summary,
            status=status,
            errors=crud_errors(
                action,
                public=public,
                forbidden=rule.refuses_a_role(action)
                or (action in ("create", "update") and self.refuses_a_writer(action)),
                unique=bool(self.unique_fields or self.unique_together),
                referenced=bool(self.referenced_by),
            ),
            auth="public" if public else rule.summary,
            scopes=() if public else rule.scopes,
            body_model=body,
            response_model={"list": f"{c}Page", "delete": None}.get(action, f"{c}Public"),
            path_params=(self.id_param,) if path == one else (),
            query_params=(
                "offset",
                "limit",
                "sort",
                *(f.column for f in self.filters),
                *(link.filter_param for link in self.links),
            )
            if action == "list"
            else (),
            grant=not public
            and (self.takes_caller(action) or (self.owned and (rule.owner or action == "create"))),
            caller=self.takes_caller(action),
            rule=rule.action,
        )
