"""One resource of the design as it is given: its names and fields, and the facts about them that
every view of it reads. The views (`model_module`, `resource_access`, `resource_endpoints`,
`parameters`, `generated_tests`) build on it; `resources.Resource` composes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .fields import FieldSpec
from .jobs import Job
from .links import Link
from .naming import article, pascal, words
from .permissions import Rule

# The columns `timestamps: true` adds, and what they hold.
TIMESTAMPS = {
    "created_at": "When the row was created (UTC)",
    "updated_at": "When a PATCH last changed the row (UTC)",
}


@dataclass(frozen=True)
class ResourceCore:
    """A resource's fields and the facts every output reads: its names, its kinds of field."""

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
    jobs: tuple[Job, ...] = ()  # background jobs: app/jobs/<name>.py

    # -- names -----------------------------------------------------------------------------
    @property
    def class_name(self) -> str:
        return pascal(self.name)

    @property
    def table_name(self) -> str:
        return self.name

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

    # -- fields ----------------------------------------------------------------------------
    def uses(self, *kinds: str) -> bool:
        """Whether any field is of one of these kinds."""
        return any(f.kind in kinds for f in self.fields)

    @property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == "ref")

    @property
    def required_refs(self) -> tuple[FieldSpec, ...]:
        """Refs a new row must set: the generated tests create those rows first."""
        return tuple(f for f in self.refs if not f.optional)

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
    def refused_values(self) -> list[tuple[str, str, bool]]:
        """(column, Python literal, refused by the database too) of values just outside the
        design's rules, for the generated tests."""
        return [(f.column, value, check) for f in self.fields for value, check in f.refused_values]

    @property
    def filters(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.filterable)

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

    def not_unique_alone(self, columns: tuple[str, ...]) -> str | None:
        """A column of a unique combination that is not unique by itself: the generated test
        shows that repeating it alone is no conflict."""
        alone = {f.column for f in self.unique_fields}
        return next((column for column in columns if column not in alone), None)

    @property
    def referenced_by_text(self) -> str:
        """`loans`, `loans or reviews`, `loans, holds or reviews`: for the 409 message."""
        *head, last = self.referenced_by or ("",)
        return f"{', '.join(head)} or {last}" if head else last
