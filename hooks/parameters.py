"""The OpenAPI description of each query parameter of a list: what it selects, in words, with the
design's field description and the limits, so /docs and generated clients explain every one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .limits import LIMITS

if TYPE_CHECKING:
    from .fields import FieldSpec
    from .resources import Resource

REPEATED = f"repeat the parameter for several, at most {LIMITS.max_filter_values}"


def query_descriptions(resource: Resource) -> dict[str, str]:
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
