"""The design language's top level: raw Copier answers in, a `Design` out, or `DesignError`
listing every problem, each naming the resource and field and saying how to fix it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .design import Design, DesignError
from .fields import FieldSpec
from .jobs import jobs_of, parse_jobs, queue_problems
from .links import Link, is_link, parse_link
from .naming import identifier_problem, pluralize, slugify
from .parsing import parse_field
from .permissions import (
    PERMISSION_KEYS,
    SPECIAL_WORDS,
    Rule,
    validate_permissions,
    writer_problems,
)
from .references import link_resources, required_ref_cycles
from .resources import Resource
from .samples import ROWS_PER_TEST
from .suggestions import did_you_mean

AUTH_MODES = ("jwt", "none")
API_PREFIX = re.compile(r"(/[a-z0-9][a-z0-9_\-]*)*")
RESOURCE_KEYS = (
    "name",
    "plural",
    "description",
    "owned",
    "timestamps",
    "fields",
    "unique",
    "permissions",
    "jobs",
)
# The built-in account model and the modules every project has.
RESERVED_RESOURCE_NAMES = frozenset(
    {"user", "users", "auth", "app", "api", "api_routers", "core", "db", "deps", "main"}
    | {"health", "conftest", "types", "migrate", "rules", "errors", "security", "config"}
    # parameters of the generated services and routers that a resource's own name would shadow
    | {"session", "service", "changes", "grant", "query", "router", "caller", "before"}
    # a builtin app/routers/__init__.py uses, where each resource's router module is imported
    | {"tuple"}
)
# Attributes the generated models already have, or names whose shadowing breaks a model body.
RESERVED_FIELD_NAMES = {
    "id": "a generated column",
    "owner_id": "a generated column",
    "owner": "a generated column",
    "offset": "a list query parameter",
    "limit": "a list query parameter",
    "sort": "a list query parameter",
    "metadata": "an attribute of every SQLModel table",
    "registry": "an attribute of every SQLModel table",
    "field_validator": "the validator the update model imports",
    "reject_null": "the update model's validator",
    "self": "the models' own methods",
    "object": "the update model's validator",
    "classmethod": "the update model's validator",
    "l": "an ambiguous name (ruff E741: l, 1 or I?)",
    "cls": "the models' own methods",
    **{t: "a type the models use" for t in ("str", "int", "float", "bool", "date", "datetime")},
    **{t: "a type the models use" for t in ("list", "decimal", "uuid")},
    **{
        m: "a method of every SQLModel model"
        for m in ("construct", "copy", "dict", "from_orm", "json", "parse_file", "parse_obj")
        + ("parse_raw", "schema", "schema_json", "sqlmodel_update", "update_forward_refs")
        + ("validate", "register")
    },
}
# Class names the generated modules import; a generated class of the same name would shadow them.
RESERVED_CLASS_NAMES = frozenset(
    {"Annotated", "Any", "AsyncSession", "Date", "Decimal", "Depends", "EmailStr", "Enum"}
    | {"ErrorBody", "Field", "FieldError", "Grant", "HttpUrl", "HttpUrlStr", "SafeInt", "Literal"}
    | {"PageQuery", "Path", "Query", "Request", "Response", "Role", "RowId", "Security", "Session"}
    | {"Settings", "SQLModel", "StrEnum", "Text", "Token", "UUID", "User", "AwareDatetime"}
    | {
        "CheckConstraint",
        "UniqueConstraint",
        "AutoString",
        "Email",
        "Float",
        "IsoDate",
        "LoginThrottle",
        "Password",
        "SafeInt",
    }
    | {"SafeIntParam", "StorableStr", "StrictBool", "TokenClaims", "UtcDatetime"}
)


def build_design(answers: Mapping[str, Any]) -> Design:
    """Validate the answers and build the design, or raise `DesignError` naming every problem."""
    project_name = " ".join(str(answers.get("project_name") or "").split())
    api_prefix = str(answers.get("api_prefix", "/api/v1") or "").rstrip("/")
    problems = answer_problems("project_name", answers) + answer_problems("api_prefix", answers)
    auth = str(answers.get("auth", "jwt"))
    if auth not in AUTH_MODES:
        problems.append(f"auth: {auth!r} is not a mode; choose jwt or none")
    jwt = auth == "jwt"
    roles, default_role, role_problems = validate_roles(
        auth, answers.get("roles"), answers.get("default_role")
    )
    problems += role_problems
    admin_view = answers.get("admin_view") is True
    if admin_view and not jwt:
        problems.append(
            "admin_view: the admin view logs in with the API's accounts, so it needs auth: jwt; "
            "answer auth=jwt, or leave admin_view out"
        )

    raw_resources = _as_list(answers.get("resources"))
    if raw_resources is None:
        raise DesignError(
            [
                *problems,
                "resources: must be a YAML list of resources (see the design language in README)",
            ]
        )
    if not raw_resources:
        problems.append("resources: the design has no resources; add at least one")
    if admin_view and any(
        r.get("name") == "admin" for r in raw_resources if isinstance(r, Mapping)
    ):
        problems.append(
            "resource 'admin': its tests/test_admin.py would be the admin view's; rename the "
            "resource, or leave admin_view out"
        )
    resources = _resources(raw_resources, roles=roles, jwt=jwt, problems=problems)
    resources = link_resources(resources, problems)
    problems += required_ref_cycles(resources)
    background_jobs = answers.get("background_jobs") or "none"
    problems += queue_problems(background_jobs, jobs_of(resources))
    if problems:
        raise DesignError(problems)
    return Design(
        project_name=project_name,
        description=str(answers.get("description") or "").strip(),
        api_prefix=api_prefix,
        auth=auth,
        roles=roles,
        default_role=default_role,
        open_signup=bool(answers.get("open_signup", False)) and jwt,
        async_db=bool(answers.get("async_db", False)),
        resources=tuple(resources),
        job_queue=background_jobs == "queue",
        admin_view=admin_view,
        design_source=str(answers.get("design_source") or "").strip(),
    )


def answer_problems(question: str, answers: Mapping[str, Any]) -> list[str]:
    """The problems of one answer, given the answers before it, for Copier to show as the question
    is answered; `resources`, asked last, is checked as the whole design."""
    if question == "project_name":
        name = " ".join(str(answers.get("project_name") or "").split())
        if slugify(name)[:1].isalpha():
            return []
        return [
            f"project_name: {name!r} gives no package name: it needs an ASCII letter "
            "first among its letters and digits (e.g. 'Café Orders', 'O'Brien's Books')"
        ]
    if question == "api_prefix":
        raw_prefix = answers.get("api_prefix", "/api/v1")
        if API_PREFIX.fullmatch(str(raw_prefix or "").rstrip("/")):
            return []
        return [
            f"api_prefix: {raw_prefix!r} must be empty or a path like /api/v1 (lower-case segments)"
        ]
    if question in ("roles", "default_role"):
        auth = str(answers.get("auth", "jwt"))
        _, _, problems = validate_roles(auth, answers.get("roles"), answers.get("default_role"))
        return [p for p in problems if p.startswith(f"{question}:")]
    if question == "resources":
        try:
            build_design(answers)
        except DesignError as error:
            return error.problems
        return []
    raise ValueError(f"no check for the answer {question!r}")


def validate_roles(
    auth: str, roles: object, default_role: object
) -> tuple[tuple[str, ...], str, list[str]]:
    """The roles (administrator first) and the sign-up role, or the problems found."""
    if auth != "jwt":
        return ("admin",), "admin", []
    role_list = _as_list(roles)
    if not role_list:
        return (
            (),
            "",
            [
                "roles: the list is empty; name the roles, the administrator first, separated by "
                "commas: admin, member"
            ],
        )
    problems: list[str] = []
    clean: list[str] = []
    for role in role_list:
        problem = identifier_problem("role", role)
        if problem:
            problems.append(f"roles: {problem}")
        elif role in SPECIAL_WORDS:
            problems.append(f"roles: {role!r} is a permission word, not a role; pick another name")
        elif role in clean:
            problems.append(f"roles: {role!r} is listed twice; list each role once")
        else:
            clean.append(role)
    if not isinstance(default_role, str) or default_role not in clean:
        problems.append(
            f"default_role: {default_role!r}{did_you_mean(str(default_role), clean)} is not one "
            f"of the roles ({', '.join(clean)}); pick one of them"
        )
    return tuple(clean), str(default_role), problems


def _resources(
    raw_resources: Sequence[Any], *, roles: Sequence[str], jwt: bool, problems: list[str]
) -> list[Resource]:
    resources: list[Resource] = []
    seen: dict[str, int] = {}
    plurals: dict[str, str] = {}
    paths: dict[str, str] = {}
    class_owner: dict[str, str] = {}
    for index, raw in enumerate(raw_resources, start=1):
        if not isinstance(raw, Mapping):
            problems.append(
                f"resources[{index}]: each resource must be a mapping with at least `name:` and `fields:`"
            )
            continue
        name = raw.get("name")
        where = f"resource '{name}'" if isinstance(name, str) and name else f"resources[{index}]"
        problem = identifier_problem("resource", name)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        assert isinstance(name, str)
        unknown = sorted(set(map(str, raw)) - set(RESOURCE_KEYS))
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a resource takes "
                + ", ".join(RESOURCE_KEYS)
            )
        if name in RESERVED_RESOURCE_NAMES:
            problems.append(
                f"{where}: the name {name!r} is taken by the generated project"
                + (" (the built-in account model); " if name in ("user", "users") else "; ")
                + "rename the resource (e.g. 'member' or 'customer')"
            )
            continue
        if name in seen:
            problems.append(
                f"{where}: defined twice (resources {seen[name]} and {index}); merge them"
            )
            continue
        seen[name] = index
        plural = raw.get("plural") or pluralize(name)
        if raw.get("plural") is not None:
            problem = identifier_problem("plural", plural)
            if problem:
                problems.append(f"{where}: {problem}")
                continue
        if plural in RESERVED_RESOURCE_NAMES:
            problems.append(
                f"{where}: the plural {plural!r} is taken by the generated project; set another `plural:`"
            )
        other = plurals.get(plural)
        if other is not None:
            problems.append(
                f"{where}: has the same plural {plural!r} as resource '{other}'; set a different `plural:`"
            )
        plurals[plural] = name
        path = "/" + str(plural).replace("_", "-")
        if path in paths and paths[path] != name and other is None:
            problems.append(
                f"{where}: its path {path} is also resource '{paths[path]}'s; set a different `plural:`"
            )
        paths[path] = name

        owned = raw.get("owned", False)
        if not isinstance(owned, bool):
            problems.append(f"{where}: owned must be true or false, not {owned!r}")
            owned = False
        owned = owned and jwt
        fields, links = _fields(where, name, raw.get("fields"), problems)
        fields = with_writers(where, fields, roles=roles, jwt=jwt, problems=problems)
        unique_together = _unique_together(where, raw.get("unique"), fields, problems, jwt=jwt)
        timestamps = raw.get("timestamps", False)
        if not isinstance(timestamps, bool):
            problems.append(f"{where}: timestamps must be true or false, not {timestamps!r}")
            timestamps = False
        for spec in fields if timestamps else ():
            taken = {"created_at", "updated_at", "created_at_min", "created_at_max"}
            taken |= {"updated_at_min", "updated_at_max"}
            if spec.column in taken:
                problems.append(
                    f"{where}, field '{spec.name}': `timestamps: true` adds created_at and "
                    "updated_at (and their list bounds); rename the field or drop timestamps"
                )
        words, permission_problems = validate_permissions(
            where, raw.get("permissions"), owned=owned, roles=roles, jwt=jwt
        )
        problems += permission_problems
        design_roles = tuple(roles) or ("admin",)
        resource = Resource(
            name=name,
            plural=str(plural),
            description=str(raw.get("description") or "").strip(),
            owned=owned,
            fields=tuple(fields),
            links=tuple(links),
            unique_together=unique_together,
            timestamps=timestamps,
            rules={
                a: Rule(action=a, words=words[a], design_roles=design_roles)
                for a in PERMISSION_KEYS
            },
            jwt=jwt,
            jobs=parse_jobs(where, name, raw.get("jobs"), problems),
        )
        problems += _class_problems(where, resource, class_owner)
        resources.append(resource)
    return resources


def _fields(
    where: str, resource: str, raw_fields: object, problems: list[str]
) -> tuple[list[FieldSpec], list[Link]]:
    if not isinstance(raw_fields, Mapping) or not raw_fields:
        problems.append(
            f"{where}: `fields:` must map each field name to its type, e.g. {{title: str(200)}}"
        )
        return [], []
    fields: list[FieldSpec] = []
    links: list[Link] = []
    for field_name, field_raw in raw_fields.items():
        fwhere = f"{where}, field '{field_name}'"
        problem = identifier_problem("field", field_name)
        if problem:
            problems.append(f"{fwhere}: {problem}")
            continue
        reason = RESERVED_FIELD_NAMES.get(field_name)
        if reason or field_name.startswith("model_"):
            problems.append(
                f"{fwhere}: the name {field_name!r} collides with a name the generated code uses "
                f"({reason or 'the methods of every Pydantic model'}); rename the field"
            )
            continue
        if is_link(field_raw):
            link, link_problems = parse_link(resource, field_name, field_raw)
            problems += link_problems
            links += [link] if link else []
            continue
        spec, field_problems = parse_field(resource, field_name, field_raw)
        problems += field_problems
        if spec is not None:
            fields.append(spec)
    columns: dict[str, str] = {}
    for spec in fields:
        if spec.column in columns:
            problems.append(
                f"{where}, field '{spec.name}': its column {spec.column!r} collides with field "
                f"'{columns[spec.column]}'; rename one of them"
            )
        columns[spec.column] = spec.name
    if "q" in columns and any(spec.searchable for spec in fields):
        problems.append(
            f"{where}, field 'q': `q` is the list's search of the searchable fields; rename the field"
        )
    for spec in fields:
        for param in spec.range_params if spec.ranged else ():
            if param in columns:
                problems.append(
                    f"{where}, field '{columns[param]}': the list's filter `{param}` is the range "
                    f"of field '{spec.name}'; rename the field"
                )
    if links and not fields:
        problems.append(f"{where}: has only links; give it at least one field of its own")
    for link in links:
        for key in (link.ids_key, link.filter_param):
            if key in columns:
                problems.append(
                    f"{where}, field '{link.name}': its key `{key}` is also field "
                    f"'{columns[key]}''s; rename that field, or link to {link.target} once"
                )
            columns[key] = link.name
    return fields, links


def _unique_together(
    where: str, raw: object, fields: list[FieldSpec], problems: list[str], *, jwt: bool
) -> tuple[tuple[str, ...], ...]:
    """`unique: [customer, product]`, or a list of such lists: the columns of each combination
    no two rows may share. Without logins a `ref user` field has no column, so it cannot be in one."""
    if raw is None:
        return ()
    nested = isinstance(raw, list) and bool(raw) and all(isinstance(g, list) for g in raw)
    groups: list[object] = list(raw) if nested and isinstance(raw, list) else [raw]
    by_name = {f.name: f for f in fields}
    found: list[tuple[str, ...]] = []
    for group in groups:
        if not isinstance(group, list) or not group or not all(isinstance(n, str) for n in group):
            problems.append(
                f"{where}: `unique:` lists fields whose values no two rows may share together, "
                "e.g. unique: [customer, product] (or a list of such lists)"
            )
            continue
        unknown = [n for n in group if n not in by_name]
        if unknown:
            problems.append(
                f"{where}: unique: {', '.join(map(repr, unknown))} is not a field of the "
                f"resource; name its fields ({', '.join(by_name)})"
            )
        elif len(set(group)) != len(group):
            problems.append(f"{where}: unique: {group} names a field twice; name each once")
        elif len(group) < 2:
            problems.append(
                f"{where}: unique: [{group[0]}] is one field; write `unique` after its type instead"
            )
        elif not jwt and any(by_name[n].account_ref for n in group):
            accounts = [n for n in group if by_name[n].account_ref]
            problems.append(
                f"{where}: unique: {group} names {', '.join(map(repr, accounts))}, a user account "
                "reference, which exists only with `auth: jwt` (with `auth: none` the field has "
                f"no column); drop {accounts[0]!r} from the combination or set auth to jwt"
            )
        elif any(by_name[n].kind == "text" for n in group):
            problems.append(
                f"{where}: unique: a text field cannot be part of a unique combination; use str(N)"
            )
        elif all(by_name[n].distinct_test_values < ROWS_PER_TEST for n in group):
            problems.append(
                f"{where}: unique: {group} can take fewer than {ROWS_PER_TEST} different "
                "combinations in the generated tests (each of its fields has too few values); "
                "add a field with more"
            )
        else:
            columns = tuple(by_name[n].column for n in group)
            if columns in found:
                problems.append(f"{where}: unique: {group} is listed twice; list it once")
            found.append(columns)
    return tuple(found)


def _class_problems(where: str, resource: Resource, class_owner: dict[str, str]) -> list[str]:
    """Every class the resource generates must be new: not imported, not another's."""
    problems: list[str] = []
    for class_name, role in resource.generated_classes:
        if class_name in RESERVED_CLASS_NAMES:
            problems.append(
                f"{where}: would generate the class {class_name} ({role}), which shadows a name the "
                "generated code imports; rename the resource or field"
            )
        elif class_name in class_owner:
            problems.append(
                f"{where}: would generate the class {class_name} ({role}), which "
                f"{class_owner[class_name]} already generates; rename one of them"
            )
        else:
            class_owner[class_name] = f"resource '{resource.name}' ({role})"
    return problems


def _as_list(value: object) -> list[Any] | None:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def with_writers(
    where: str, fields: Sequence[FieldSpec], *, roles: Sequence[str], jwt: bool, problems: list[str]
) -> list[FieldSpec]:
    """The fields, each `write:` checked and led by the administrator, who may set every field.
    Without logins every field is everyone's, as every permission is."""
    checked = []
    for spec in fields:
        if spec.writers and not jwt:
            spec = replace(spec, writers=())
        elif spec.writers:
            optional = spec.optional or spec.has_default
            problems += writer_problems(
                where, spec.name, spec.writers, optional=optional, roles=roles
            )
            spec = replace(spec, writers=tuple(dict.fromkeys([*roles[:1], *spec.writers])))
        checked.append(spec)
    return checked
