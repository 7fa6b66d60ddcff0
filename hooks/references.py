"""References between resources, resolved once every resource is known: each `ref` and `refs`
gets its target's class and who reads the target, each resource learns who refers to it, and
loops of required references are refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .access import ReadAccess
from .fields import FieldSpec
from .links import Link
from .naming import words
from .resources import Resource
from .suggestions import did_you_mean


def link_resources(resources: list[Resource], problems: list[str]) -> list[Resource]:
    """Resolve refs once every resource is known, and tell each resource who refers to it."""
    by_name = {r.name: r for r in resources}
    linked: list[Resource] = []
    for resource in resources:
        fields = []
        for spec in resource.fields:
            if spec.account_ref and resource.jwt:
                spec = replace(spec, ref_class="User", target_access=ReadAccess.of_accounts())
            elif spec.account_ref:
                continue  # without logins there are no accounts: left out, as ownership is
            elif spec.kind == "ref":
                target = by_name.get(spec.ref or "")
                if target is None:
                    known = ", ".join(sorted(by_name)) or "none"
                    problems.append(
                        f"resource '{resource.name}', field '{spec.name}': ref {spec.ref!r}"
                        f"{did_you_mean(spec.ref or '', by_name)} names no resource "
                        f"(known: {known}); fix the name or add that resource"
                    )
                    continue
                spec = replace(spec, ref_class=target.class_name, target_access=target.read_access)
            fields.append(spec)
        problems += [
            f"resource '{resource.name}': read allows 'via {name}', but {name!r} is not a required "
            "reference to another resource of the design; name one (e.g. `via ticket` for "
            "`ticket: ref ticket`)"
            for name in resource.rules["read"].via
            if not any(
                f.name == name and f.kind == "ref" and not f.optional and not f.account_ref
                for f in fields
            )
        ]
        if not resource.jwt and resource.fields and all(f.account_ref for f in resource.fields):
            problems.append(
                f"resource '{resource.name}': its only fields name user accounts, which exist only "
                "with `auth: jwt`; add a field of its own or set auth to jwt"
            )
        links = resolve_links(resource.name, resource.links, by_name, problems)
        problems += public_write_problems(resource, fields, links)
        referrers = tuple(f for r in resources for f in r.refs if f.ref == resource.name)
        referencing = dict.fromkeys(by_name[f.resource].plural_label for f in referrers)
        linked.append(
            replace(
                resource,
                fields=tuple(fields),
                links=tuple(links),
                referenced_by=tuple(referencing),
                referrers=referrers,
            )
        )
    return linked


def required_ref_cycles(resources: Sequence[Resource]) -> list[str]:
    """Required refs that loop back (a -> b -> a, or a -> a) leave no row that can be created first."""
    edges = {r.name: [f for f in r.refs if not f.optional] for r in resources}
    problems: list[str] = []
    reported: set[frozenset[str]] = set()

    def walk(start: str, name: str, path: list[str]) -> None:
        for spec in edges.get(name, []):
            target = spec.ref or ""
            if target == start:
                cycle = frozenset(path)
                if cycle not in reported:
                    reported.add(cycle)
                    loop = " -> ".join([*path, start])
                    problems.append(
                        f"resource '{start}': required refs form a loop ({loop}), so no row could "
                        "ever be created first; make one of these refs optional with `?`"
                    )
            elif target not in path and target in edges:
                walk(start, target, [*path, target])

    for resource in resources:
        walk(resource.name, resource.name, [resource.name])
    return problems


def resolve_links(
    resource: str, links: tuple[Link, ...], by_name: Mapping[str, Resource], problems: list[str]
) -> tuple[Link, ...]:
    """The links whose target exists (with its class name); a problem for each other one."""
    resolved = []
    for link in links:
        target = by_name.get(link.target)
        where = f"resource '{resource}', field '{link.name}'"
        if target is None:
            known = ", ".join(sorted(by_name)) or "none"
            problems.append(
                f"{where}: refs {link.target!r}{did_you_mean(link.target, by_name)} names no "
                f"resource (known: {known}); fix the name or add that resource"
            )
        elif target.name == resource:
            problems.append(
                f"{where}: a resource cannot link to itself yet; add a resource with two refs "
                f"to {resource} instead"
            )
        elif link.table_name in by_name:
            problems.append(
                f"{where}: its link table `{link.table_name}` is also a resource's name; "
                "rename the field or the resource"
            )
        else:
            resolved.append(
                replace(link, target_class=target.class_name, target_access=target.read_access)
            )
    return tuple(resolved)


def public_write_problems(
    resource: Resource, fields: Sequence[FieldSpec], links: Sequence[Link]
) -> list[str]:
    """A public create or update cannot name rows that not everyone may read: without a login the
    caller could name none of them."""
    if not resource.jwt:
        return []
    references = [(f.name, f.target_access) for f in fields if f.target_access]
    references += [(link.name, link.target_access) for link in links if link.target_access]
    guarded = [
        f"resource '{resource.name}': {action} is public, but only {', '.join(f.writers)} may set "
        f"its field '{f.name}', and a caller without a login has no role; make {action} need a "
        "login (authenticated or a role) or drop `write:`"
        for action in ("create", "update")
        if resource.rules[action].public
        for f in fields
        if f.writers
    ]
    return guarded + [
        f"resource '{resource.name}': {action} is public, but its field '{name}' names "
        f"{words(target.plural)}, which not everyone may read, so a caller without a login could "
        f"name none; make {action} need a login (authenticated or a role) or make "
        f"{target.resource}'s read public"
        for action in ("create", "update")
        if resource.rules[action].public
        for name, target in references
        if target.scoped
    ]
