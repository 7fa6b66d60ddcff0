"""What every list's data access shares: the order its sort keys give."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Enum, UnaryExpression, case
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel, col


def sort_order(model: type[SQLModel], keys: Sequence[str]) -> list[UnaryExpression[Any]]:
    """`("-price", "name")`: price descending, then name, then id, so equal rows keep one order."""
    columns = [key.removeprefix("-") for key in keys]
    order = []
    for key in (*keys, *([] if "id" in columns else ["id"])):
        column = _sort_value(col(getattr(model, key.removeprefix("-"))))
        order.append(column.desc() if key.startswith("-") else column.asc())
    return order


def _sort_value(column: Mapped[Any]) -> Mapped[Any] | ColumnElement[Any]:
    """An enum sorts in the order the design lists its values (`low` before `high`), not by name."""
    stored_as = getattr(column, "type", None)
    if isinstance(stored_as, Enum):
        return case({stored: rank for rank, stored in enumerate(stored_as.enums)}, value=column)
    return column
