"""The API contract (docs/api-contract.json) of a design: what a client depends on.

The rendered `tools/contract.py` reads the same contract out of the running app's OpenAPI
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
        ids = {link.ids_key: {"required": False, "type": "array(integer)"} for link in r.links}
        models[f"{c}Create"] = {
            **{f.column: _field(f, required=f in r.required_fields) for f in r.fields},
            **ids,
        }
        models[f"{c}Update"] = {
            **{f.column: _field(f, required=False) for f in r.fields},
            **ids,
        }
        models[f"{c}Public"] = {
            **{
                f.column: _field(f, required=f in r.required_fields, response=True)
                for f in r.fields
            },
            "id": {"required": True, "type": "integer"},
            **({"owner_id": {"required": True, "type": "integer"}} if r.owned else {}),
            **{f.column: _field(f, required=True, response=True) for f in r.timestamp_fields},
            **{link.ids_key: {"required": True, "type": "array(integer)"} for link in r.links},
            **{f.name_key: {"required": True, "type": "string | null"} for f in r.account_refs},
        }
        models[f"{c}Page"] = {
            "items": {"required": True, "type": f"array({c}Public)"},
            **{
                name: {"required": True, "type": "integer"} for name in ("total", "offset", "limit")
            },
        }
    return {"models": models, "operations": operations}


def contract_json(design: Design) -> str:
    """The contract as `python -m tools.contract --write` writes it."""
    text = json.dumps(api_contract(design), indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n"


def _operation(ep: Endpoint, resource: Resource | None) -> dict[str, Any]:
    page = {"offset": "integer >= 0", "limit": f"integer >= 1 <= {LIMITS.max_page_size}"}
    query = {name: page[name] for name in ep.query_params if name in page}
    if resource is not None and ep.action == "list":
        query["sort"] = f"array(enum({', '.join(resource.sort_keys)}))"
        if resource.search_fields:
            query["q"] = f"string max {LIMITS.max_search_length} min 1 | null"
        for f in resource.filters:
            kind = _filter_type(f)
            query[f.column] = f"array({kind})" if f.multi_valued else f"{kind} | null"
        for link in resource.links:
            query[link.filter_param] = "array(integer)"
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
    rules = _rules(f)
    if f.kind == "decimal" and not response:
        kind = kind.replace("number", "number" + rules, 1)  # a response's decimal is a string
    elif f.kind != "decimal":
        kind += rules
    return {"required": required, "type": f"{kind} | null" if f.optional else kind}


def _rules(f: FieldSpec) -> str:
    """` min 3`, ` >= 0 <= 100`, ` pattern ^[A-Z]+$`: as `tools/contract.py` reads them off
    the JSON schema."""
    words = [f" min {f.min_length}"] if f.min_length else []
    for bound, inclusive, exclusive in ((f.minimum, ">=", ">"), (f.maximum, "<=", "<")):
        if bound:
            number = float(bound.value)
            text = str(int(number)) if number.is_integer() else repr(number)
            words.append(f" {inclusive if bound.inclusive else exclusive} {text}")
    if f.pattern is not None:
        words.append(f" pattern {f.pattern}")
    return "".join(words)


def _filter_type(f: FieldSpec) -> str:
    return f"enum({', '.join(f.enum_values)})" if f.kind == "enum" else FILTER_TYPES[f.kind]
