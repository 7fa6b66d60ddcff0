"""A resource list's query parameters: the spec's words for them (section 6), and the OpenAPI
description of each (what it selects, in words, with the design's field description and the
limits, so /docs and generated clients explain every one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .limits import LIMITS
from .literals import md_code
from .resource_core import ResourceCore

if TYPE_CHECKING:
    from .fields import FieldSpec

REPEATED = f"repeat the parameter for several, at most {LIMITS.max_filter_values}"
# Section 6's words for the query parameters every list takes.
PAGE_PARAMETERS = (
    "`offset` (≥ 0, default 0)",
    f"`limit` (1–{LIMITS.max_page_size}, default {LIMITS.default_page_size})",
)


class ListParameters(ResourceCore):
    """Mixed into `Resource`: its list's query parameters, in the spec's words and OpenAPI's."""

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


def query_descriptions(resource: ListParameters) -> dict[str, str]:
    """Parameter name -> description, for `sort`, `q`, the filters and the range bounds (the
    page's `offset` and `limit` are described once, in `app/models/query.py`)."""
    rows = resource.plural_label
    ranked = any(f.kind == "enum" and f.sortable for f in resource.fields)
    found = {
        "sort": "Sort keys, comma-separated or repeated, the first deciding, each column at most "
        "once; a leading `-` sorts descending"
        + ("; an enum sorts in the order the design lists its values" if ranked else "")
    }
    if resource.search_fields:
        searched = " or ".join(f"`{f.column}`" for f in resource.search_fields)
        found["q"] = (
            f"Only {rows} with this text anywhere in {searched}, ignoring letter case "
            f"(at most {LIMITS.max_search_length} characters)"
        )
    for f in resource.filters:
        if f.multi_valued:
            what = f"Only {rows} whose `{f.column}` is any of these values ({REPEATED})"
        else:
            what = f"Only {rows} whose `{f.column}` is this value"
        found[f.column] = _with_description(what, f)
    for link in resource.links:
        found[link.filter_param] = (
            f"Only {rows} linked to any of these {link.label} (their ids; {REPEATED})"
        )
    for f in resource.range_filters:
        low, high = f.range_params
        found[low] = _with_description(f"Only {rows} whose `{f.column}` is at least this", f)
        found[high] = _with_description(f"Only {rows} whose `{f.column}` is at most this", f)
    return found


def _with_description(what: str, f: FieldSpec) -> str:
    """The selection, then the design's own words for the field."""
    return f"{what}. {f.description}" if f.description else what
