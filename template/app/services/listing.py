"""What every list's data access shares: the order its sort keys give."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import UnaryExpression
from sqlmodel import SQLModel, col


def sort_order(model: type[SQLModel], keys: Sequence[str]) -> list[UnaryExpression[Any]]:
    """`("-price", "name")`: price descending, then name, then id, so equal rows keep one order."""
    columns = [key.removeprefix("-") for key in keys]
    order = []
    for key in (*keys, *([] if "id" in columns else ["id"])):
        column = col(getattr(model, key.removeprefix("-")))
        order.append(column.desc() if key.startswith("-") else column.asc())
    return order
