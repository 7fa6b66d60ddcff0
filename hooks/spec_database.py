"""Section 6's words on what each endpoint does in the database: what it reads, what it checks,
what it writes, and what makes it answer `409`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .literals import md_code

if TYPE_CHECKING:
    from .design import Design
    from .endpoints import Endpoint
    from .resources import Resource
    from .spec_sections import EndpointGroup


def database_effect(design: Design, group: EndpointGroup, ep: Endpoint) -> str:
    """One sentence on the endpoint's reads, checks and writes, and its `409`s."""
    if group.resource is not None:
        return _resource_effect(group.resource, ep.action)
    return _system_effect(design, ep.action)


def _code(names: list[str]) -> str:
    return ", ".join(md_code(name) for name in names)


def _resource_effect(r: Resource, action: str) -> str:
    table = md_code(r.table_name)
    links = [md_code(link.table_name) for link in r.links]
    unique = [f.column for f in r.unique_fields]
    together = [" and ".join(md_code(c) for c in columns) for columns in r.unique_together]
    refs = [f.column for f in r.refs] + [link.ids_key for link in r.links]
    checks = []
    if refs:
        named = "names an existing row" if len(refs) == 1 else "name existing rows"
        checks.append(f"that {_code(refs)} {named} (`422` if not)")
    if unique or together:
        taken = [md_code(c) for c in unique] + [f"{t} together" for t in together]
        checks.append(
            f"that {', '.join(taken)} {'is' if len(taken) == 1 else 'are'} free (`409` if taken)"
        )
    reach = _reach(r, "read")
    if action == "list":
        parts = [f"one query for the page of {table} rows{reach}, one counting the same rows"]
        if links:
            parts.append(f"one reading their links in {', '.join(links)}")
        return "; ".join(parts)
    if action == "read":
        return f"reads one {table} row by id{reach}" + (
            f" and its links in {', '.join(links)}" if links else ""
        )
    if action == "create":
        writes = f"inserts one {table} row" + (" owned by the caller" if r.owned else "")
        writes += f" and its links in {', '.join(links)}" if links else ""
        checked = f"checks {'; '.join(checks)}; " if checks else ""
        return f"{checked}calls your rules (`app/rules/`); {writes}"
    if action == "update":
        changes = "replaces its links if sent" if links else ""
        checked = f"checks what the body changes: {'; '.join(checks)}; " if checks else ""
        return (
            f"reads the row{_reach(r, 'update')}; {checked}calls your rules (`app/rules/`); updates the row"
            f"{' and ' + changes if changes else ''}"
        )
    deleted = f"deletes the row{' and its links' if links else ''}"
    if r.referenced_by:
        return f"{deleted}; `409` while {r.referenced_by_text} still reference it (the foreign keys refuse)"
    return deleted


def _reach(r: Resource, action: str) -> str:
    """Which rows a caller reaches, where not every row: their own, or those of a parent row
    they may read."""
    rule = r.rule(action)
    if rule.via:
        parents = " or ".join(f.label for f in r.reads_via)
        return f" (only those the caller may read, also through their {parents})"
    if rule.owner:
        return " (only the caller's own, unless their role reaches all)"
    return ""


def _system_effect(design: Design, action: str) -> str:
    taken = "checks the e-mail is free (`409` if taken)"
    return {
        "login": "reads the `user` row of the e-mail and checks the password against its hash; writes "
        "nothing (failed logins are counted in memory)",
        "register": f"{taken}; inserts one `user` row with the `{design.default_role}` role",
        "me": "reads the caller's `user` row, as every route that needs a token does",
        "list": "one query for the page of `user` rows, one counting them",
        "create": f"{taken}; inserts one `user` row with the password's hash",
        "read": "reads one `user` row by id",
        "update": "reads the row; updates it, raising `token_version` when the password, role or "
        f"active flag changes; `409` if no other active `{design.admin_role}` would remain",
        "delete": "refuses the caller's own account (`409`); deletes the row; `409` while rows it "
        "owns or a required reference name it",
        "healthz": "nothing: the database is not touched",
        "readyz": "runs one query and compares the schema's migration with the code's",
    }[action]
