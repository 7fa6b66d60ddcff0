"""Who may do what: the permission words of the design, the OAuth2 scopes a route demands, and
the status code each kind of caller gets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .suggestions import did_you_mean

PERMISSION_KEYS = ("read", "create", "update", "delete")
SPECIAL_WORDS = ("public", "authenticated", "owner")
DEFAULT_WORDS: dict[str, tuple[str, ...]] = {
    "read": ("authenticated",),
    "create": (),
    "update": (),
    "delete": (),
}
ACTIONS = ("create", "list", "read", "update", "delete")
SUCCESS = {"create": 201, "list": 200, "read": 200, "update": 200, "delete": 204}
VIA = "via "  # `read: [via ticket]`: whoever may read the ticket a row names may read the row
VIA_SCOPE = "via:"  # its OAuth2 scope, `via:ticket` (a scope holds no space)


@dataclass(frozen=True)
class Rule:
    """Who may perform one action on a resource."""

    action: str
    words: tuple[str, ...]  # as written (or defaulted), in design order
    design_roles: tuple[str, ...]  # every role of the design, the administrator first

    @property
    def admin_role(self) -> str:
        return self.design_roles[0]

    @property
    def public(self) -> bool:
        return "public" in self.words

    @property
    def authenticated(self) -> bool:
        return not self.public and "authenticated" in self.words

    @property
    def owner(self) -> bool:
        return not self.public and not self.authenticated and "owner" in self.words

    @property
    def via(self) -> tuple[str, ...]:
        """The reference fields through whose rows a caller may read a row (`via ticket`)."""
        if self.public or self.authenticated:
            return ()
        return tuple(w.removeprefix(VIA).strip() for w in self.words if w.startswith(VIA))

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles allowed on every row: the administrator first, then the design's roles."""
        named = [
            w
            for w in self.words
            if w not in SPECIAL_WORDS and w != self.admin_role and not w.startswith(VIA)
        ]
        return (self.admin_role, *named)

    @property
    def scopes(self) -> tuple[str, ...]:
        """What the route demands as OAuth2 scopes: empty for public or any logged-in user."""
        if self.public or self.authenticated:
            return ()
        via = tuple(VIA_SCOPE + name for name in self.via)
        return (*self.roles, *(("owner",) if self.owner else ()), *via)

    @property
    def summary(self) -> str:
        """Who may, in words, for the spec."""
        if self.public:
            return "public"
        if self.authenticated:
            return "authenticated"
        who = ", ".join([f"`{r}`" for r in self.roles] + ["owner"] * self.owner)
        return ", ".join([who, *(f"`{VIA_SCOPE}{name}`" for name in self.via)])

    def refuses_a_role(self, action: str) -> bool:
        """Whether some logged-in caller gets `403` here: only then does the route declare it."""
        return any(self.status_for(action, role) == 403 for role in self.design_roles)

    def status_for(self, action: str, role: str | None) -> int:
        """The status a caller of `role` (None: no token) gets on a row they did not create."""
        success = SUCCESS[action]
        if self.public:
            return success
        if role is None:
            return 401
        if self.authenticated or role in self.roles:
            return success
        if self.owner or self.via:
            return success if action == "list" else 404
        return 403


def validate_permissions(
    where: str, raw: object, *, owned: bool, roles: Sequence[str], jwt: bool
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The permission words per action, defaulted, or the problems found."""
    problems: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return dict(DEFAULT_WORDS), [
            f"{where}: permissions must be a mapping like {{read: [public], create: [editor]}}"
        ]
    unknown = sorted(set(map(str, raw)) - set(PERMISSION_KEYS))
    if unknown:
        problems.append(
            f"{where}: unknown permission action(s) {', '.join(map(repr, unknown))}; "
            f"the actions are {', '.join(PERMISSION_KEYS)} (list follows read)"
        )
    result = dict(DEFAULT_WORDS)
    for action in PERMISSION_KEYS:
        if action not in raw:
            continue
        words = raw[action]
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            problems.append(
                f"{where}: permissions.{action} must be a list of words, e.g. [public] or [editor, owner]"
            )
            continue
        if jwt:
            problems += _word_problems(where, action, words, owned=owned, roles=roles)
        result[action] = tuple(dict.fromkeys(words))
    return result, problems


def writer_problems(
    where: str,
    name: str,
    writers: Sequence[str],
    *,
    optional: bool,
    roles: Sequence[str],
) -> list[str]:
    """`write: [agent]` names roles of the design, and leaves a value for everyone else."""
    problems = [
        f"{where}, field '{name}': `write:` names {word!r}{did_you_mean(word, roles)}, which is "
        f"not a role ({', '.join(roles)}); only roles may be given the right to set a field"
        for word in writers
        if word not in roles
    ]
    if not optional:
        problems.append(
            f"{where}, field '{name}': only some roles may set it, so the others need a value "
            "without it; give it a default (`= value`) or make it optional with `?`"
        )
    return problems


def _word_problems(
    where: str, action: str, words: Sequence[str], *, owned: bool, roles: Sequence[str]
) -> list[str]:
    problems = [
        f"{where}: permission word {word!r} in {action}"
        f"{did_you_mean(word, (*SPECIAL_WORDS, *roles))} is neither public, authenticated, "
        f"owner nor a role ({', '.join(roles)}); add it to roles or fix the spelling"
        for word in words
        if word not in SPECIAL_WORDS and word not in roles and not word.startswith(VIA)
    ]
    problems += [
        f"{where}: {word!r} in {action}: access through a parent row is for read (and so list) "
        "only; update and delete take roles and owner"
        for word in words
        if word.startswith(VIA) and action != "read"
    ]
    if "owner" in words and not owned:
        problems.append(
            f"{where}: {action} allows 'owner' but the resource is not owned; set `owned: true` or drop 'owner'"
        )
    if "owner" in words and action == "create":
        problems.append(
            f"{where}: create cannot allow 'owner' (a new row has no owner yet); use authenticated or a role"
        )
    if owned and action == "create" and "public" in words:
        problems.append(
            f"{where}: create of an owned resource cannot be public (nobody would own the row); "
            "use authenticated or a role"
        )
    return problems
