"""Many-to-many links: `tags: refs tag` on a book keeps its tags in the link table `book_tags`.

A link is not a column: requests and responses carry the linked ids (`tag_ids`), the list takes
`tag_id` (repeatable) and deleting either row removes the links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .access import ReadAccess
from .column_types import INT64_MIGRATION_TYPE
from .naming import pascal, words

LINK_TYPE = re.compile(r"\s*refs\b(?P<rest>.*)")
LINK_TARGET = re.compile(r"\s+(?P<target>[a-z][a-z0-9_]*)\s*")
LINK_KEYS = ("type", "description")


@dataclass(frozen=True)
class Link:
    name: str  # the design's field: `tags`
    target: str  # the linked resource: `tag`
    resource: str  # the resource that declares it: `book`
    description: str = ""
    target_class: str = ""  # filled in once every resource is known
    target_access: ReadAccess | None = None  # who reads the linked rows, likewise

    @property
    def scoped(self) -> bool:
        """A link the service checks against the caller: not everyone reads its rows."""
        return self.target_access is not None and self.target_access.scoped

    @property
    def ids_key(self) -> str:
        """The request and response key of the linked ids: `tag_ids`."""
        return f"{self.target}_ids"

    @property
    def filter_param(self) -> str:
        """The list's filter: `?tag_id=3`, repeatable."""
        return f"{self.target}_id"

    @property
    def table_name(self) -> str:
        return f"{self.resource}_{self.name}"

    @property
    def class_name(self) -> str:
        return f"{pascal(self.resource)}{pascal(self.name)}Link"

    @property
    def owner_column(self) -> str:
        return f"{self.resource}_id"

    @property
    def target_column(self) -> str:
        return f"{self.target}_id"

    @property
    def label(self) -> str:
        return words(self.name)

    @property
    def column_type(self) -> str:
        """Both columns' type in the first migration: ids are 64-bit everywhere."""
        return INT64_MIGRATION_TYPE


def is_link(raw: object) -> bool:
    """Whether a field's type is written `refs ...` (in either form)."""
    text = raw.get("type") if isinstance(raw, Mapping) else raw
    return isinstance(text, str) and LINK_TYPE.match(text) is not None


def parse_link(resource: str, name: str, raw: object) -> tuple[Link | None, list[str]]:
    """`refs tag`, or the mapping form with a description; nothing else: a list of links is
    never null, has no default and is never unique."""
    where = f"resource '{resource}', field '{name}'"
    description = ""
    if isinstance(raw, Mapping):
        unknown = sorted(set(map(str, raw)) - set(LINK_KEYS))
        if unknown:
            return None, [
                f"{where}: a `refs` field takes only {' and '.join(LINK_KEYS)}, not "
                + ", ".join(map(repr, unknown))
            ]
        description = str(raw.get("description") or "").strip()
        raw = raw["type"]
    match = LINK_TYPE.match(str(raw))
    target = LINK_TARGET.fullmatch(match["rest"]) if match else None
    if target is None:
        return None, [
            f"{where}: write a many-to-many link as `refs <resource>` (e.g. `tags: refs tag`); "
            "it takes no `?`, default or modifier: a row links to any number of others, none included"
        ]
    return Link(name, target["target"], resource, description), []
