"""The endpoint table: one row per route, read by the routers, the spec and the tests alike.

A resource's five CRUD routes and the auth and user routes are rows of the same `Endpoint`, so
the status codes, errors and scopes a router declares are the ones section 6 of the spec lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

STATUS_NAMES = {200: "HTTP_200_OK", 201: "HTTP_201_CREATED", 204: "HTTP_204_NO_CONTENT"}
PAGE_PARAMS = ("offset", "limit")


@dataclass(frozen=True)
class Endpoint:
    """One route: what its router declares and what the spec documents."""

    action: str
    method: str
    path: str  # below the API prefix, e.g. /books/{book_id}
    router_prefix: str  # the APIRouter's prefix, e.g. /books
    function: str
    summary: str
    status: int
    errors: tuple[int, ...]
    auth: str  # "public", "authenticated" or who may, in words
    scopes: tuple[str, ...] = ()
    body_model: str | None = None  # the model of a JSON body
    form_fields: tuple[str, ...] = ()  # the fields of a form body (the login)
    response_model: str | None = None
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    grant: bool = False  # the handler takes the caller's Grant (owner scoping, the caller)
    caller: bool = False  # the service is told who calls (the Grant's user; None where public)
    rule: str = ""  # the design's permission key (`read` for list), naming the scopes constant
    prefixed: bool = True  # under the API prefix (the health checks are not)

    @property
    def route(self) -> str:
        """The path as the router's decorator writes it, below the router's prefix."""
        return self.path.removeprefix(self.router_prefix)

    @property
    def scopes_constant(self) -> str:
        """`READ_SCOPES`: where the router declares this route's scopes."""
        return f"{self.rule.upper()}_SCOPES"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def public(self) -> bool:
        return self.auth == "public"

    @property
    def error_list(self) -> str:
        """The arguments of `error_responses(...)`."""
        return ", ".join(map(str, self.errors))


def crud_errors(
    action: str, *, public: bool, forbidden: bool, unique: bool, referenced: bool
) -> tuple[int, ...]:
    """The error statuses one CRUD route can answer with."""
    errors: list[int] = [400] if action in ("create", "update") else []
    if not public:
        errors.append(401)
        if forbidden:
            errors.append(403)
    if action in ("read", "update", "delete"):
        errors.append(404)
    if (action in ("create", "update") and unique) or (action == "delete" and referenced):
        errors.append(409)
    if action in ("create", "update"):
        errors.append(413)
    errors.append(422)
    return tuple(errors)


def system_endpoints(
    *, roles: Sequence[str], default_role: str, open_signup: bool
) -> tuple[Endpoint, ...]:
    """The auth and user routes of a design with logins; only the administrator manages users, so
    they answer `403` only when there is another role."""
    admin_role = roles[0]
    admin = (admin_role,)
    forbidden = (403,) if len(roles) > 1 else ()
    who = f"`{admin_role}`"
    one = "/users/{user_id}"
    rows = [
        Endpoint(
            "login",
            "POST",
            "/auth/token",
            "/auth",
            "login",
            "Log in (OAuth2 password flow: the e-mail goes in `username`)",
            200,
            (400, 401, 413, 422, 429),
            "public",
            form_fields=("username", "password"),
            response_model="Token",
        )
    ]
    if open_signup:
        rows.append(
            Endpoint(
                "register",
                "POST",
                "/auth/register",
                "/auth",
                "register",
                f"Sign up; new accounts get the `{default_role}` role",
                201,
                (400, 409, 413, 422, 429),
                "public",
                body_model="UserRegister",
                response_model="UserPublic",
            )
        )
    rows += [
        Endpoint(
            "me",
            "GET",
            "/users/me",
            "/users",
            "read_current_user",
            "The caller's own account",
            200,
            (401,),
            "authenticated",
            response_model="UserPublic",
        ),
        Endpoint(
            "list",
            "GET",
            "/users",
            "/users",
            "list_users",
            "List accounts",
            200,
            (401, *forbidden, 422),
            who,
            admin,
            response_model="UserPage",
            query_params=PAGE_PARAMS,
        ),
        Endpoint(
            "create",
            "POST",
            "/users",
            "/users",
            "create_user",
            "Create an account with any role",
            201,
            (400, 401, *forbidden, 409, 413, 422),
            who,
            admin,
            body_model="UserCreate",
            response_model="UserPublic",
        ),
        Endpoint(
            "read",
            "GET",
            one,
            "/users",
            "read_user",
            "Read one account",
            200,
            (401, *forbidden, 404, 422),
            who,
            admin,
            response_model="UserPublic",
            path_params=("user_id",),
        ),
        Endpoint(
            "update",
            "PATCH",
            one,
            "/users",
            "update_user",
            "Change name, password or role, or deactivate (not the last active administrator)",
            200,
            (400, 401, *forbidden, 404, 409, 413, 422),
            who,
            admin,
            body_model="UserUpdate",
            response_model="UserPublic",
            path_params=("user_id",),
        ),
        Endpoint(
            "delete",
            "DELETE",
            one,
            "/users",
            "delete_user",
            "Delete an account (not your own; not while it owns rows)",
            204,
            (401, *forbidden, 404, 409, 422),
            who,
            admin,
            path_params=("user_id",),
            grant=True,
        ),
    ]
    return tuple(rows)


def health_endpoints() -> tuple[Endpoint, ...]:
    """Liveness and readiness, at the root: probes need no knowledge of the API prefix."""
    return (
        Endpoint(
            "healthz",
            "GET",
            "/healthz",
            "",
            "healthz",
            "Liveness: the process answers (the database is not touched)",
            200,
            (),
            "public",
            response_model="Health",
            prefixed=False,
        ),
        Endpoint(
            "readyz",
            "GET",
            "/readyz",
            "",
            "readyz",
            "Readiness: the database answers and its schema is current",
            200,
            (503,),
            "public",
            response_model="Health",
            prefixed=False,
        ),
    )


def by_action(endpoints: Sequence[Endpoint]) -> dict[str, Endpoint]:
    return {ep.action: ep for ep in endpoints}
