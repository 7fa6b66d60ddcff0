"""Which rows of a resource a caller may read, as far as references and links are concerned.

A reference (`task: ref task`) or a link (`tags: refs tag`) may name only rows the caller may read:
any other id gets the answer a missing id gets, and a filter on it finds nothing. Rendered as
`app/services/access.py`, one function per resource that something refers to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .naming import pascal, words
from .permissions import Rule


@dataclass(frozen=True)
class ReadAccess:
    """Who may read the rows of one resource: its `read` rule (None with `auth: none`)."""

    resource: str
    plural: str
    owned: bool
    rule: Rule | None
    accounts: bool = False  # the user accounts (`assignee: ref user?`): every active one
    # (column, the parent's function) of each reference through whose row a caller may read one
    via: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of_accounts(cls) -> ReadAccess:
        """Any logged-in caller may name an active account (and sees its id and display name)."""
        return cls("user", "users", owned=False, rule=None, accounts=True)

    @property
    def class_name(self) -> str:
        return pascal(self.resource)

    @property
    def function(self) -> str:
        """`readable_task_ids`: of the ids given, those the caller may read."""
        return f"readable_{self.resource}_ids"

    @property
    def everyone(self) -> bool:
        """Whether anyone, logged in or not, reads every row."""
        return not self.accounts and (self.rule is None or self.rule.public)

    @property
    def logged_in(self) -> bool:
        """Whether every logged-in caller (and only they) reads every row."""
        return self.accounts or (self.rule is not None and self.rule.authenticated)

    @property
    def readers(self) -> tuple[str, ...]:
        """The roles that read every row (the administrator first), where the rule names roles."""
        if self.rule is None or self.everyone or self.logged_in:
            return ()
        return self.rule.roles

    @property
    def owners_read_theirs(self) -> bool:
        return self.rule is not None and self.rule.owner

    @property
    def scoped(self) -> bool:
        """Whether some caller may not read some row: then references to it are checked against
        the caller, and filters on it find only the rows the caller may read."""
        return not self.everyone

    def reads_others(self, role: str) -> bool:
        """Whether a caller of `role` reads rows someone else created."""
        return self.everyone or self.logged_in or role in self.readers

    def reads_own(self, role: str) -> bool:
        """Whether a caller of `role` reads the rows they created."""
        return self.reads_others(role) or (self.owned and self.owners_read_theirs)

    @property
    def summary(self) -> str:
        """The function's docstring: who reads which rows, in words."""
        plural = words(self.plural)
        if self.accounts:
            return "Of `ids`, the active accounts, which any logged-in caller may name."
        if self.everyone:
            return f"Of `ids`, the {plural} that exist: everyone reads every one."
        if self.logged_in:
            return f"Of `ids`, the {plural} that exist, for any logged-in caller."
        who = _and(self.readers)
        others = " or ".join(
            ["their own"] * self.owners_read_theirs
            + [f"those whose {column.removesuffix('_id')} they may read" for column, _ in self.via]
        )
        verb = "reads" if len(self.readers) == 1 else "read"
        return f"Of `ids`, the {plural} `user` may read: {who} {verb} every one, others {others or 'none'}."


class AccessFacts:
    """Mixed into `FieldSpec`: what a field means for who may name or set what."""

    if TYPE_CHECKING:
        name: str
        kind: str
        optional: bool
        ref: str | None
        description: str
        target_access: ReadAccess | None
        writers: tuple[str, ...]

    @property
    def ref_scoped(self) -> bool:
        """A reference the service checks against the caller: not everyone reads its rows."""
        return self.target_access is not None and self.target_access.scoped

    @property
    def account_ref(self) -> bool:
        """A reference to a user account (`assignee: ref user?`), not to a resource."""
        return self.kind == "ref" and self.ref == "user"

    @property
    def on_delete(self) -> str | None:
        """What deleting the referenced row does: an optional account reference is cleared; any
        other reference refuses the delete (None)."""
        return "SET NULL" if self.account_ref and self.optional else None

    @property
    def name_key(self) -> str:
        """The response key of an account reference's display name: `assignee_name`."""
        return f"{self.name}_name"

    def names_others_for(self, role: str) -> bool:
        """Whether a caller of `role` may name a row someone else created here (a reference)."""
        return self.target_access is None or self.target_access.reads_others(role)

    @property
    def api_description(self) -> str:
        """The description OpenAPI shows, with who may set the field where only some roles may."""
        if not self.writers:
            return self.description
        *head, last = self.writers
        who = f"{', '.join(head)} and {last}" if head else last
        return " ".join(filter(None, [self.description, f"Only {who} may set it."]))


@dataclass(frozen=True)
class HiddenReference:
    """A generated test's case: a caller of `role` may write the resource, but may not read the
    row another caller's reference names, so that id must look missing."""

    key: str  # the body's key: `task_id`, or `tag_ids` for a link
    target: str  # the resource named
    role: str
    link: bool  # a list of ids rather than one
    required: bool  # a required reference: the test's payload already names another's row
    may_own: bool  # the role may create a target row of its own, and name that one
    patch_own: bool  # and may then change its own row: the PATCH is tested too
    filter_param: str | None  # the list's filter, where the role's list shows others' rows


@dataclass(frozen=True)
class GuardedWrite:
    """A generated test's case: `role` may create the resource but not set `column`; `writer`,
    another role that may, changes it on that row where it may change others' rows."""

    column: str
    role: str
    patch_own: bool  # the role may change its own row: its PATCH of the field is refused too
    writer: str | None


def _and(roles: tuple[str, ...]) -> str:
    *head, last = [f"{role}" for role in roles]
    return f"{', '.join(head)} and {last}" if head else last
