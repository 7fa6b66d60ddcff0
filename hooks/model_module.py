"""What one resource's model module (`app/models/<resource>.py`) declares: its classes, what it
imports, its table's name and constraints. Each field's `Field(...)` is `model_fields`'s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .kinds import IMPORTED_FROM
from .resource_core import ResourceCore

if TYPE_CHECKING:
    pass

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


class ModelModule(ResourceCore):
    """Mixed into `Resource`: the facts its model module is written from."""

    @property
    def explicit_table_name(self) -> bool:
        """`__tablename__` only where SQLModel's default (the lower-cased class name) differs."""
        return self.class_name.lower() != self.table_name

    @property
    def generated_classes(self) -> list[tuple[str, str]]:
        """(class, what it is) of every class the model module defines, enums included."""
        classes = [(self.class_name + suffix, role) for suffix, role in MODEL_CLASSES.items()]
        classes += [(f.enum_class, f"enum of field '{f.name}'") for f in self.enums]
        classes += [(link.class_name, f"link table of field '{link.name}'") for link in self.links]
        return classes

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
    def checks(self) -> tuple[tuple[str, str], ...]:
        """(name, condition) of each CHECK constraint: the design's ranges and minimum lengths."""
        return tuple(f.check for f in self.fields if f.check)

    @property
    def has_table_args(self) -> bool:
        """Whether the table model lists constraints besides its columns'."""
        return bool(self.checks or self.unique_together)

    @property
    def link_models(self) -> list[tuple[str, str]]:
        """(module, class) of every resource a link points at."""
        return sorted({(link.target, link.target_class) for link in self.links})
