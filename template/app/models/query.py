"""The query string every list endpoint takes: its page, and the form of its sort keys."""

from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.models.types import MAX_SAFE_INTEGER

SortKey = TypeVar("SortKey", bound=str)


class PageQuery(BaseModel):
    """A parameter the list does not know is refused (422), so a misspelt filter never goes unseen."""

    model_config = ConfigDict(extra="forbid")

    offset: int = Field(default=0, ge=0, le=MAX_SAFE_INTEGER)
    limit: int = Field(default=20, ge=1, le=100)


def _comma_separated(value: object) -> object:
    """`sort=-price,name` as well as `sort=-price&sort=name`."""
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        return [key.strip() for item in items for key in str(item).split(",")]
    return value


# Sort keys, the first deciding: `-price` descends; a column's later keys change nothing, and
# rows equal on every key come in id order.
SortKeys = Annotated[tuple[SortKey, ...], BeforeValidator(_comma_separated)]
