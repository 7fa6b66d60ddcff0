"""The API contract (docs/api-contract.json) of a design: what a client depends on.

The rendered `app/api_contract.py` reads the same contract out of the running app's OpenAPI
document, and the project's tests compare the two, so each field's type here is written as that
module writes the JSON schema Pydantic gives the field: `string(date) | null`, `enum(a, b)`.
"""

from __future__ import annotations

import json
from typing import Any

from .design import Design
from .endpoints import Endpoint
from .fields import FieldSpec
from .limits import LIMITS
from .resources import Resource

# A field's type in a request body; decimals are sent as numbers or strings, and read as strings.
REQUEST_TYPES = {
    "str": "string",
    "text": "string",
    "int": "integer",
    "float": "number",
    "decimal": "number | string",
    "bool": "boolean",
    "date": "string(date)",
    "datetime": "string(date-time)",
    "uuid": "string(uuid)",
    "email": "string(email)",
    "url": "string",
    "ref": "integer",
}
RESPONSE_TYPES = {**REQUEST_TYPES, "decimal": "string"}
FILTER_TYPES = {"bool": "boolean", "ref": "integer"}


def api_contract(design: Design) -> dict[str, Any]:
    """Every operation, and the fields of the models the design's resources read and write."""
    operations = {
        f"{ep.method} {design.api_prefix if ep.prefixed else ''}{ep.path}": _operation(
            ep, group.resource
        )
        for group in design.endpoint_groups
        for ep in group.endpoints
    }
    models: dict[str, Any] = {}
    for r in design.resources:
        c = r.class_name
        models[f"{c}Create"] = {
            f.column: _field(f, required=f in r.required_fields) for f in r.fields
        }
        models[f"{c}Update"] = {f.column: _field(f, required=False) for f in r.fields}
        models[f"{c}Public"] = {
            **{
                f.column: _field(f, required=f in r.required_fields, response=True)
                for f in r.fields
            },
            "id": {"required": True, "type": "integer"},
            **({"owner_id": {"required": True, "type": "integer"}} if r.owned else {}),
        }
        models[f"{c}Page"] = {
            "items": {"required": True, "type": f"array({c}Public)"},
            **{
                name: {"required": True, "type": "integer"} for name in ("total", "offset", "limit")
            },
        }
    return {"models": models, "operations": operations}


def contract_json(design: Design) -> str:
    """The contract as `python -m app.api_contract --write` writes it."""
    text = json.dumps(api_contract(design), indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n"


def _operation(ep: Endpoint, resource: Resource | None) -> dict[str, Any]:
    query: dict[str, str] = {
        name: "integer" for name in ep.query_params if name in ("offset", "limit")
    }
    if resource is not None and ep.action == "list":
        query["sort"] = f"array(enum({', '.join(resource.sort_keys)}))"
        if resource.search_fields:
            query["q"] = f"string max {LIMITS.max_search_length} | null"
        for f in resource.filters:
            kind = _filter_type(f)
            query[f.column] = f"{f'array({kind})' if f.multi_valued else kind} | null"
        for f in resource.range_filters:
            query |= {param: f"{REQUEST_TYPES[f.kind]} | null" for param in f.range_params}
    return {
        "auth": "public" if ep.public else sorted(ep.scopes) if ep.scopes else "authenticated",
        "body": f"form({', '.join(ep.form_fields)})" if ep.form_fields else ep.body_model,
        "errors": sorted(ep.errors),
        "query": query,
        "response": ep.response_model,
        "status": ep.status,
    }


def _field(f: FieldSpec, *, required: bool, response: bool = False) -> dict[str, Any]:
    kind = (
        f"enum({', '.join(f.enum_values)})"
        if f.kind == "enum"
        else (RESPONSE_TYPES if response else REQUEST_TYPES)[f.kind]
    )
    if f.length_limit:
        kind += f" max {f.length_limit}"
    return {"required": required, "type": f"{kind} | null" if f.optional else kind}


def _filter_type(f: FieldSpec) -> str:
    return f"enum({', '.join(f.enum_values)})" if f.kind == "enum" else FILTER_TYPES[f.kind]
