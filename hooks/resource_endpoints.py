"""One resource's endpoint table: its five CRUD routes, as the router declares them and the spec
and the contract describe them."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .endpoints import Endpoint, by_action, crud_errors
from .permissions import ACTIONS
from .resource_access import AccessRules

if TYPE_CHECKING:
    pass


class EndpointTable(AccessRules):
    """Mixed into `Resource`: its CRUD routes."""

    @cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The five CRUD routes, in the order the router declares them."""
        return tuple(self._endpoint(action) for action in ACTIONS)

    def endpoint(self, action: str) -> Endpoint:
        return by_action(self.endpoints)[action]

    @property
    def uses_grant(self) -> bool:
        return any(ep.grant for ep in self.endpoints)

    def _endpoint(self, action: str) -> Endpoint:
        c, n = self.class_name, self.name
        rule = self.rule(action)
        public = rule.public or not self.jwt
        one = f"{self.path}/{{{self.id_param}}}"
        method, path, status, function = {
            "create": ("POST", self.path, 201, f"create_{n}"),
            "list": ("GET", self.path, 200, f"list_{self.plural}"),
            "read": ("GET", one, 200, f"read_{n}"),
            "update": ("PATCH", one, 200, f"update_{n}"),
            "delete": ("DELETE", one, 204, f"delete_{n}"),
        }[action]
        summary = {
            "create": f"Create {self.a_label}",
            "list": f"List {self.plural_label}",
            "read": f"Read one {self.label}",
            "update": f"Change some fields of {self.a_label}",
            "delete": f"Delete {self.a_label}",
        }[action]
        body = {"create": f"{c}Create", "update": f"{c}Update"}.get(action)
        return Endpoint(
            action=action,
            method=method,
            path=path,
            router_prefix=self.path,
            function=function,
            summary=summary,
            status=status,
            errors=crud_errors(
                action,
                public=public,
                forbidden=rule.refuses_a_role(action)
                or (action in ("create", "update") and self.refuses_a_writer(action)),
                unique=bool(self.unique_fields or self.unique_together),
                referenced=bool(self.referenced_by),
            ),
            auth="public" if public else rule.summary,
            scopes=() if public else rule.scopes,
            body_model=body,
            response_model={"list": f"{c}Page", "delete": None}.get(action, f"{c}Public"),
            path_params=(self.id_param,) if path == one else (),
            query_params=(
                "offset",
                "limit",
                "sort",
                *(f.column for f in self.filters),
                *(link.filter_param for link in self.links),
            )
            if action == "list"
            else (),
            grant=not public
            and (self.takes_caller(action) or (self.owned and (rule.owner or action == "create"))),
            caller=self.takes_caller(action),
            rule=rule.action,
        )
