"""What the generated tests need of the whole design: the cases that span resources and roles
(a reference to rows the caller may not read, a field only some roles may set, a row read through
its parent) and what each test module imports from `tests/conftest.py`."""

from __future__ import annotations

from .access import GuardedWrite, HiddenReference
from .design_core import DesignCore
from .fields import FieldSpec
from .resources import Resource


class DesignTestFacts(DesignCore):
    """Mixed into `Design`: the cases of the generated tests that span resources and roles."""

    def hidden_references(self, resource: Resource) -> list[HiddenReference]:
        """For each reference and link of `resource` to rows some role may write it with but not
        read when another created them: the first such role, for the generated tests."""
        keys = [
            (f.column, f.ref or "", False, not f.optional)
            for f in resource.refs
            if f.ref_scoped and not f.account_ref
        ]
        keys += [(link.ids_key, link.target, True, False) for link in resource.links if link.scoped]
        cases = []
        for key, target_name, link, required in keys:
            target = self.by_name[target_name]
            others = [f for f in resource.required_refs if f.column != key]
            role = next(
                (
                    role
                    for role in self.roles
                    if resource.rule("create").status_for("create", role) == 201
                    and not target.read_access.reads_others(role)
                    and all(f.names_others_for(role) for f in others)
                ),
                None,
            )
            if role is None:
                continue
            may_own = target.access("create", role) == 201 and target.read_access.reads_own(role)
            update = resource.rule("update")
            patch_own = update.status_for("update", role) == 200 or (
                resource.owned and update.owner
            )
            sees_others = resource.read_access.reads_others(role)
            scoped = resource.scopes_filters and required and sees_others
            filter_param = key if scoped else None
            cases.append(
                HiddenReference(
                    key,
                    target_name,
                    role,
                    link,
                    required,
                    may_own,
                    may_own and patch_own,
                    filter_param,
                )
            )
        return cases

    @property
    def guarded_fields(self) -> list[FieldSpec]:
        """Every field only some roles may set, for section 4."""
        return [f for r in self.resources for f in r.guarded_fields]

    def guarded_writes(self, resource: Resource) -> list[GuardedWrite]:
        """For each field only some roles may set, a role that may create rows but not set it."""
        update = resource.rule("update")
        cases = []
        for f in resource.guarded_fields:
            role = next(
                (
                    r
                    for r in self.roles
                    if resource.access("create", r) == 201 and r not in f.writers
                ),
                None,
            )
            if role is None:
                continue
            patch_own = update.status_for("update", role) == 200 or (
                resource.owned and update.owner
            )
            writer = next(
                (
                    r
                    for r in f.writers[1:]
                    if update.status_for("update", r) == 200 and f.kind != "ref"
                ),
                None,
            )
            cases.append(GuardedWrite(f.column, role, patch_own, writer))
        return cases

    def via_cases(self, resource: Resource) -> list[tuple[FieldSpec, str]]:
        """(reference, role) for each parent a resource is read through: a role that reads only
        its own parent rows and may create one, so the test reads another's row through it."""
        cases = []
        for f in resource.reads_via:
            parent = self.by_name[f.ref or ""]
            role = next(
                (
                    role
                    for role in self.roles
                    if not resource.read_access.reads_others(role)
                    and parent.access("create", role) == 201
                    and parent.read_access.reads_own(role)
                ),
                None,
            )
            if role is not None:
                cases.append((f, role))
        return cases

    def conftest_imports(self, resource: Resource) -> list[str]:
        """What a resource's generated test module imports from `tests/conftest.py`."""
        names = {f"new_{resource.name}", f"{resource.name}_payload"}
        names |= {"post_json_text"} if resource.first_field("float", "str", "text") else set()
        names |= {
            f"{f.resource}_payload" for f in resource.referrers[:1] if f.resource != resource.name
        }
        names |= {f"new_{module}" for module, _ in resource.link_models}
        names |= {f"{resource.name}_payload_for_any_role"} if self.jwt else set()
        for case in self.hidden_references(resource):
            names |= {f"new_{case.target}"} if not case.required else set()
            names |= {f"{case.target}_payload_for_any_role"} if case.may_own else set()
        names |= {f"new_{f.ref}" for f in resource.guarded_fields if f.kind == "ref"}
        names |= {"new_user"} if resource.account_refs else set()
        names |= {f"{f.ref}_payload_for_any_role" for f, _ in self.via_cases(resource)}
        return sorted(names, key=lambda name: (not name[0].isupper(), name))
