"""The spec's example bodies: a create request and its response for each resource, and an error.

Each value is the design's `example:` where it gives one, else the value the generated tests send
as a changed one (`samples.changed_json`), so the spec shows what the tests show. The examples
are JSON text; the rendered agreement test validates each with its model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .literals import json_ready
from .samples import changed_json

if TYPE_CHECKING:
    from .design import Design
    from .fields import FieldSpec
    from .resources import Resource

# What the server sets in a response: the first row's id, the first administrator as its owner
# and as a referenced account, and a moment in UTC.
EXAMPLE_ID = 1
EXAMPLE_ACCOUNT_NAME = "Ada Lovelace"
EXAMPLE_TIME = "2025-01-15T09:30:00Z"


def sample(spec: FieldSpec) -> Any:
    """One valid JSON value of a field a client writes."""
    if spec.kind == "ref":
        return EXAMPLE_ID
    if spec.has_example:
        return json_ready(spec.example)
    return changed_json(spec)


def create_body(resource: Resource) -> dict[str, Any]:
    """The body of `POST`: every field the client writes, and the linked ids."""
    body = {f.column: sample(f) for f in resource.fields}
    body |= {link.ids_key: [EXAMPLE_ID] for link in resource.links}
    return body


def public_body(resource: Resource) -> dict[str, Any]:
    """The response to that `POST`: the row as stored, with what the server adds."""
    body: dict[str, Any] = {"id": EXAMPLE_ID, **{f.column: sample(f) for f in resource.fields}}
    if resource.owned:
        body["owner_id"] = EXAMPLE_ID
    body |= {f.column: EXAMPLE_TIME for f in resource.timestamp_fields}
    body |= {link.ids_key: [EXAMPLE_ID] for link in resource.links}
    body |= {f.name_key: EXAMPLE_ACCOUNT_NAME for f in resource.account_refs}
    return body


def create_example(resource: Resource) -> str:
    return _json(create_body(resource))


def public_example(resource: Resource) -> str:
    return _json(public_body(resource))


def not_found_example(design: Design) -> str:
    """Section 7's error body: the `404` for a row of the design's first resource, worded as the
    service words it (`capitalize`, as the template's filter does)."""
    label = design.resources[0].label
    return _json({"detail": f"{label.capitalize()} 7 not found", "code": "not_found"})


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
