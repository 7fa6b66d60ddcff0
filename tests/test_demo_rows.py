"""hooks/demo_rows.py: the facts `python -m tools.demo_data` is rendered from."""

from __future__ import annotations

import sys

from tests.helpers import ROOT, answers

sys.path.insert(0, str(ROOT))
from hooks import demo_rows  # noqa: E402
from hooks.validate import build_design  # noqa: E402


def test_resources_are_filled_after_what_they_refer_to_and_link() -> None:
    design = build_design(
        answers(
            [
                {"name": "loan", "fields": {"book": "ref book", "note": "str"}},
                {
                    "name": "book",
                    "fields": {"title": "str", "shelf": "ref shelf?", "tags": "refs tag"},
                },
                {"name": "tag", "fields": {"label": "str"}},
                {"name": "shelf", "fields": {"name": "str", "best": "ref book?"}},
            ]
        )
    )
    order = [r.name for r in demo_rows.demo_plan(design).resources]
    assert order.index("tag") < order.index("book") < order.index("loan")
    # shelf and book refer to each other, both optionally: the cycle is broken, neither dropped.
    assert sorted(order) == ["book", "loan", "shelf", "tag"]


def test_owners_are_the_roles_that_may_create_and_never_only_the_administrator() -> None:
    design = build_design(
        answers(
            [
                {
                    "name": "review",
                    "owned": True,
                    "fields": {"text": "str"},
                    "permissions": {"create": ["member"], "read": ["public"]},
                },
                {
                    "name": "shelf",
                    "owned": True,
                    "fields": {"name": "str"},
                    "permissions": {"create": ["admin"], "read": ["public"]},
                },
            ]
        )
    )
    plan = demo_rows.demo_plan(design)
    review, shelf = design.by_name["review"], design.by_name["shelf"]
    assert plan.owner_roles(review) == ["member"]
    assert plan.owner_roles(shelf) == ["admin"]


def test_account_references_name_the_roles_that_may_set_them() -> None:
    design = build_design(
        answers(
            [
                {
                    "name": "loan",
                    "fields": {
                        "handled_by": {"type": "ref user?", "write": ["librarian"]},
                        "reader": "ref user",
                    },
                }
            ]
        )
    )
    plan = demo_rows.demo_plan(design)
    handled_by, reader = design.by_name["loan"].refs
    assert plan.account_roles(handled_by) == ["librarian"]
    assert plan.account_roles(reader) == ["librarian", "member"]


def test_unique_columns_hold_single_fields_and_combinations() -> None:
    design = build_design(
        answers(
            [
                {"name": "shelf", "fields": {"name": "str unique"}},
                {
                    "name": "book",
                    "fields": {"shelf": "ref shelf", "title": "str", "isbn": "str(13) unique"},
                    "unique": ["shelf", "title"],
                },
            ]
        )
    )
    plan = demo_rows.demo_plan(design)
    assert plan.unique_columns(design.by_name["shelf"]) == [("name",)]
    assert plan.unique_columns(design.by_name["book"]) == [("isbn",), ("shelf_id", "title")]
