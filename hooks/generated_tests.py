"""What a resource's generated tests need of it: the rows they create, the fields they change and
the filters, sorts and searches whose test rows tell a right answer from a wrong one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .resource_core import ResourceCore
from .samples import ROWS_PER_TEST

if TYPE_CHECKING:
    from .fields import FieldSpec


class GeneratedTestFacts(ResourceCore):
    """Mixed into `Resource`: the facts its generated test module reads."""

    @property
    def testable_filters(self) -> tuple[FieldSpec, ...]:
        """Filters whose test rows differ: optional refs stay null, one-value enums cannot."""
        return tuple(
            f
            for f in self.filters
            if not (f.kind == "ref" and f.optional)
            and not (f.kind == "enum" and len(f.enum_values) < 2)
        )

    @property
    def sort_test_fields(self) -> tuple[FieldSpec, ...]:
        """Columns whose test values order rows otherwise than their ids, for the sort tests: the
        first of a kind that sorts by value, and the first enum (which sorts in the design's order
        of its values, not by name)."""
        ordered = ("str", "int", "float", "decimal", "date", "datetime", "email")
        sortable = [f for f in self.fields if f.distinct_test_values >= ROWS_PER_TEST]
        by_value = next((f for f in sortable if f.kind in ordered), None)
        by_rank = next((f for f in sortable if f.kind == "enum"), None)
        return tuple(f for f in (by_value, by_rank) if f is not None)

    @property
    def testable_range_filters(self) -> tuple[FieldSpec, ...]:
        """Bounds whose test rows hold three ascending values (a narrow range may hold fewer)."""
        return tuple(f for f in self.range_filters if f.distinct_test_values >= ROWS_PER_TEST)

    @property
    def search_test_field(self) -> FieldSpec | None:
        """A searchable field whose test rows differ and hold no `%` or `_`, for the `q` test."""
        return next(
            (
                f
                for f in self.search_fields
                if f.distinct_test_values >= 2 and not {"%", "_"} & set(f.test_value)
            ),
            None,
        )

    @property
    def tie_sort_field(self) -> FieldSpec | None:
        """A bool column, whose test rows 0 and 2 share a value: the multi-key sort test's."""
        return next((f for f in self.fields if f.kind == "bool"), None)

    @property
    def clearable_field(self) -> FieldSpec | None:
        """An optional field the test rows fill in, for the PATCH-to-null test."""
        return next((f for f in self.fields if f.optional and f.kind != "ref"), None)

    def first_field(self, *kinds: str) -> FieldSpec | None:
        """The first field of one of these kinds, for the tests of edge inputs."""
        return next((f for f in self.fields if f.kind in kinds), None)

    @property
    def patch_field(self) -> FieldSpec | None:
        """The field the generated update tests change: a plain one, so no other rule interferes."""
        plain = [f for f in self.fields if f.kind != "ref" and not f.unique]
        return plain[0] if plain else None
