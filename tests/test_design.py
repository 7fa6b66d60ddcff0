"""The design model: every rule that refuses a design, with the message the user sees, and what it derives."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.helpers import ROOT, answers

sys.path.insert(0, str(ROOT))
from hooks.design import DesignError  # noqa: E402
from hooks.model_fields import schema_extra, validation_keywords  # noqa: E402
from hooks.naming import pluralize  # noqa: E402
from hooks.parsing import parse_field  # noqa: E402
from hooks.validate import build_design  # noqa: E402

BOOK = {"name": "book", "fields": {"title": "str(200)"}}


def problems(resources: list[Any], **overrides: Any) -> list[str]:
    with pytest.raises(DesignError) as refused:
        build_design(answers(resources, **overrides))
    return refused.value.problems


def field(spec: Any, name: str = "x") -> list[str]:
    return problems([{"name": "book", "fields": {name: spec}}])


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            [{"name": "BookLoan", "fields": {"a": "int"}}],
            "resource 'BookLoan': resource name 'BookLoan' is not snake_case: use lower-case letters, "
            "digits and single underscores, starting with a letter (e.g. 'book_loan')",
        ),
        (
            [{"name": "class", "fields": {"a": "int"}}],
            "resource 'class': resource name 'class' is a Python keyword and would break the generated "
            "code: pick another word",
        ),
        (
            [{"name": "user", "fields": {"a": "int"}}],
            "resource 'user': the name 'user' is taken by the generated project (the built-in account "
            "model); rename the resource (e.g. 'member' or 'customer')",
        ),
        (
            [{"name": "users", "fields": {"a": "int"}}],
            "resource 'users': the name 'users' is taken by the generated project (the built-in account "
            "model); rename the resource (e.g. 'member' or 'customer')",
        ),
        (
            [{"name": "before", "fields": {"a": "int"}}],
            "resource 'before': the name 'before' is taken by the generated project; rename the "
            "resource (e.g. 'member' or 'customer')",
        ),
        (
            [BOOK, BOOK],
            "resource 'book': defined twice (resources 1 and 2); merge them",
        ),
        (
            [{"name": "book", "fields": {"pages": "int searchable"}}],
            "resource 'book', field 'pages': only text is searchable (str, text, email, url), not "
            "int; drop `searchable`",
        ),
        (
            [{"name": "book", "fields": {"q": "str", "title": "str searchable"}}],
            "resource 'book', field 'q': `q` is the list's search of the searchable fields; "
            "rename the field",
        ),
        (
            [{"name": "book", "fields": {"pages_max": "int", "pages": "int"}}],
            "resource 'book', field 'pages_max': the list's filter `pages_max` is the range of field "
            "'pages'; rename the field",
        ),
        (
            [BOOK, {"name": "volume", "plural": "books", "fields": {"a": "int"}}],
            "resource 'volume': has the same plural 'books' as resource 'book'; set a different `plural:`",
        ),
        (
            [{"name": "book", "fields": {"author": "ref writer"}}],
            "resource 'book', field 'author': ref 'writer' names no resource (known: book); fix the name "
            "or add that resource",
        ),
        (
            [{"name": "book", "fields": {"a": "int"}, "permissions": {"read": ["owner"]}}],
            "resource 'book': read allows 'owner' but the resource is not owned; set `owned: true` or "
            "drop 'owner'",
        ),
        (
            [{"name": "book", "fields": {"a": "int"}, "permissions": {"update": ["editor"]}}],
            "resource 'book': permission word 'editor' in update is neither public, authenticated, owner "
            "nor a role (admin, librarian, member); add it to roles or fix the spelling",
        ),
        (
            [{"name": "task", "fields": {"parent": "ref task"}}],
            "resource 'task': required refs form a loop (task -> task), so no row could ever be created "
            "first; make one of these refs optional with `?`",
        ),
        (
            [
                {
                    "name": "plot",
                    "owned": True,
                    "fields": {"name": "str"},
                    "permissions": {"read": ["owner"], "create": ["member"]},
                },
                {
                    "name": "visit",
                    "fields": {"plot": "ref plot"},
                    "permissions": {"read": ["public"], "create": ["public"]},
                },
            ],
            "resource 'visit': create is public, but its field 'plot' names plots, which not everyone "
            "may read, so a caller without a login could name none; make create need a login "
            "(authenticated or a role) or make plot's read public",
        ),
        (
            [{"name": "book", "fields": {"state": {"type": "int?", "write": ["editor"]}}}],
            "resource 'book', field 'state': `write:` names 'editor', which is not a role (admin, "
            "librarian, member); only roles may be given the right to set a field",
        ),
        (
            [{"name": "book", "fields": {"state": {"type": "int", "write": ["librarian"]}}}],
            "resource 'book', field 'state': only some roles may set it, so the others need a value "
            "without it; give it a default (`= value`) or make it optional with `?`",
        ),
        (
            [
                {
                    "name": "book",
                    "fields": {"state": {"type": "int?", "write": ["librarian"]}},
                    "permissions": {"read": ["public"], "create": ["public"]},
                }
            ],
            "resource 'book': create is public, but only admin, librarian may set its field "
            "'state', and a caller without a login has no role; make create need a login "
            "(authenticated or a role) or drop `write:`",
        ),
        ([], "resources: the design has no resources; add at least one"),
    ],
)
def test_refused_designs_name_the_problem_and_the_fix(resources: list[Any], message: str) -> None:
    assert message in problems(resources)


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        ("from", "int", "resource 'book', field 'from': field name 'from' is a Python keyword"),
        (
            "self",
            "int",
            "resource 'book', field 'self': the name 'self' collides with a name the generated code uses",
        ),
        (
            # SQLModel's metaclass: a field of this name lost its UNIQUE (fuzzed)
            "register",
            "int unique",
            "resource 'book', field 'register': the name 'register' collides with a name the generated code uses (a method of every SQLModel model)",
        ),
        (
            "id",
            "int",
            "resource 'book', field 'id': the name 'id' collides with a name the generated code uses (a generated column)",
        ),
        (
            "owner_id",
            "int",
            "resource 'book', field 'owner_id': the name 'owner_id' collides with a name the generated code uses (a generated column)",
        ),
        (
            "pages",
            "strin",
            "resource 'book', field 'pages': unknown type 'strin' (did you mean 'str'?); valid types: str, str(N), str(M..N), text, text(M..), int, float, decimal (a number may take a range: `int >= 1`, `float 0..1`, `decimal > 0 <= 100`), bool, date, datetime, uuid, email, url, enum(a, b, ...), ref <resource>",
        ),
        (
            "title",
            "str(0)",
            "resource 'book', field 'title': str(0) allows no text; give a length of 1 or more, e.g. str(200)",
        ),
        (
            "genre",
            "enum()",
            "resource 'book', field 'genre': enum() has no values; list them, e.g. enum(draft, published)",
        ),
        (
            "genre",
            "enum(a, b, a)",
            "resource 'book', field 'genre': enum value(s) 'a' are listed twice; list each once",
        ),
        (
            "pages",
            "int = many",
            "resource 'book', field 'pages': default 'many' does not fit type int",
        ),
        (
            "done",
            "bool = yes",
            "resource 'book', field 'done': default 'yes' does not fit type bool: write true or false",
        ),
        (
            "genre",
            "enum(a, b) = c",
            "resource 'book', field 'genre': default 'c' does not fit type enum(a, b): expected one of a, b",
        ),
        (
            "due",
            "date = tomorrow",
            "resource 'book', field 'due': default 'tomorrow' does not fit type date",
        ),
        (
            "starts",
            "datetime = 2025-03-14T09:30:00",
            "resource 'book', field 'starts': default '2025-03-14T09:30:00' does not fit type datetime: "
            "no UTC offset; the API takes moments with one, so write it, e.g. 2025-03-14T09:30:00Z for UTC",
        ),
        (
            "code",
            "str(3) = abcd",
            "resource 'book', field 'code': default 'abcd' does not fit type str(3): longer than 3 characters",
        ),
        (
            "pages",
            "int sorted",
            "resource 'book', field 'pages': unknown modifier 'sorted'; the modifiers are `?` (optional), `unique`, `searchable` and `= default`",
        ),
        (
            "pages",
            12,
            "resource 'book', field 'pages': the type must be a string like 'str(200)' or 'int?', not 12",
        ),
        # ranges, lengths and patterns
        ("pages", "int 10..1", "resource 'book', field 'pages': the range '10..1' holds no value"),
        (
            "pages",
            "int > 5 < 5",
            "resource 'book', field 'pages': the range '> 5 < 5' holds no value",
        ),
        (
            "pages",
            "int >= 1 >= 2",
            "resource 'book', field 'pages': the range '>= 1 >= 2' gives two lower or two upper bounds",
        ),
        (
            "pages",
            "int >= 0.5",
            "resource 'book', field 'pages': an int's bound must be a whole number, not 0.5",
        ),
        (
            "price",
            "decimal <= 0.001",
            "resource 'book', field 'price': the bound 0.001 does not fit a decimal: at most 2 decimal places",
        ),
        (
            "title",
            "str >= 3",
            "resource 'book', field 'title': a range (>= 3) is for numbers (int, float, decimal), not str; for a length, write str(M..N)",
        ),
        (
            "title",
            "str(20..10)",
            "resource 'book', field 'title': str(20..10) asks for at least 20 and at most 10 characters; swap them",
        ),
        ("title", "str(0..10)", "resource 'book', field 'title': a minimum length of 0 is no rule"),
        ("title", "str(a..b)", "resource 'book', field 'title': cannot read the length str(a..b)"),
        (
            "pages",
            "int 1..5 = 9",
            "resource 'book', field 'pages': default '9' is above the field's range (int 1..5)",
        ),
        (
            "title",
            {"type": "str(3..20)", "example": "ab"},
            "resource 'book', field 'title': example 'ab' is shorter than the field's 3 characters minimum",
        ),
        (
            "code",
            {"type": "str(9)", "pattern": "^[A-Z]{3}-[0-9]{3}$", "example": "abc-123"},
            "resource 'book', field 'code': example 'abc-123' does not match the field's pattern",
        ),
        (
            "code",
            {"type": "str(9)", "pattern": "^[A-Z]{3}$"},
            "resource 'book', field 'code': a field with a pattern needs an `example:` that matches it",
        ),
        (
            "code",
            {"type": "str(9)", "pattern": "(?<=x)y", "example": "xy"},
            "resource 'book', field 'code': the pattern '(?<=x)y' is not a regular expression the API can use: look-around, including look-ahead and look-behind, is not supported",
        ),
        (
            "code",
            {"type": "int", "pattern": "^[0-9]+$", "example": 12},
            "resource 'book', field 'code': only str and text take a pattern, not int",
        ),
        (
            "code",
            {"type": "str(9) unique", "pattern": "^[A-Z]+$", "example": "ABC"},
            "resource 'book', field 'code': a unique field with a pattern needs an example whose last digits can count up",
        ),
    ],
)
def test_refused_fields(name: str, spec: Any, message: str) -> None:
    found = field(spec, name)
    assert any(problem.startswith(message) for problem in found), found


def test_a_refs_column_may_not_collide_with_a_field() -> None:
    found = problems([BOOK, {"name": "loan", "fields": {"book": "ref book", "book_id": "int"}}])
    assert (
        "resource 'loan', field 'book_id': its column 'book_id' collides with field 'book'; rename one of them"
        in found
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"roles": []},
            "roles: the list is empty; name the roles, the administrator first, separated by commas: admin, member",
        ),
        (
            {"roles": ["admin", "admin"], "default_role": "admin"},
            "roles: 'admin' is listed twice; list each role once",
        ),
        (
            {"roles": ["admin", "Head Librarian"], "default_role": "admin"},
            "roles: role name 'Head Librarian' is not snake_case",
        ),
        (
            {"default_role": "guest"},
            "default_role: 'guest' is not one of the roles (admin, librarian, member); pick one of them",
        ),
    ],
)
def test_refused_roles(overrides: dict[str, Any], message: str) -> None:
    assert any(problem.startswith(message) for problem in problems([BOOK], **overrides))


def test_every_problem_is_reported_at_once() -> None:
    error_count = len(
        problems([{"name": "class"}, {"name": "book", "fields": {"a": "strin", "b": "str(0)"}}])
    )
    assert error_count == 3


@pytest.mark.parametrize(
    ("spec", "written", "options", "check"),
    [
        ("int >= 1", "int >= 1", ["ge=1", "le=MAX_SAFE_INTEGER"], ("pages_ge_1", "pages >= 1")),
        (
            "int? 1..5",
            "int 1..5",
            ["ge=1", "le=5"],
            ("pages_ge_1_le_5", "pages >= 1 AND pages <= 5"),
        ),
        (
            "int > 0 <= 10 ?",
            "int > 0 <= 10",
            ["gt=0", "le=10"],
            ("pages_gt_0_le_10", "pages > 0 AND pages <= 10"),
        ),
        (
            "float 0..1",
            "float 0..1",
            ["ge=0.0", "le=1.0"],
            ("pages_ge_0_le_1", "pages >= 0 AND pages <= 1"),
        ),
        (
            "decimal > -0.5",
            "decimal > -0.5",
            ["gt=-0.5"],
            ("pages_gt_minus_0_5", "pages > -0.5"),
        ),
        ("str(3..40)", "str(3..40)", ["min_length=3"], ("pages_length_ge_3", "length(pages) >= 3")),
        (
            "text(10..)",
            "text(10..)",
            ["min_length=10"],
            ("pages_length_ge_10", "length(pages) >= 10"),
        ),
        ("str(40)", "str(40)", [], None),
    ],
)
def test_ranges_and_lengths_are_validated_and_checked(
    spec: str, written: str, options: list[str], check: tuple[str, str] | None
) -> None:
    """Written back as the design writes them; pydantic's keywords; the database's CHECK, named
    after its rule; and the tests' values keep the rule for every row."""
    parsed, found = parse_field("book", "pages", spec)
    assert parsed is not None, found
    rules = ("ge", "gt", "le", "lt", "min_length")  # the design's: lengths and digits aside
    keywords = [f"{k}={v}" for k, v in validation_keywords(parsed) if k in rules]
    assert (parsed.design_type, keywords, parsed.check) == (
        written,
        options,
        check,
    )
    values = [eval(parsed.test_value, {}, {"n": n}) for n in range(parsed.distinct_test_values)]
    assert len(set(values)) == len(values) >= 3
    for value in values:
        assert parse_field("book", "pages", f"{spec} = {value}")[1] == [], value
    for literal, _ in parsed.refused_values:
        refused = eval(literal)
        assert parse_field("book", "pages", f"{spec} = {refused}")[1], refused


def test_a_pattern_is_the_apis_and_its_test_values_count_up_in_its_example() -> None:
    parsed, found = parse_field(
        "group",
        "code",
        {"type": "str(7) unique", "pattern": "^GRP-[0-9]{3}$", "example": "GRP-001"},
    )
    assert parsed is not None, found
    assert parsed.check is None  # no regular expressions in SQLite: the API's rule alone
    assert (
        schema_extra(parsed, examples=True)
        == '{"pattern": r"^GRP-[0-9]{3}$", "examples": ["GRP-001"]}'
    )
    assert parsed.test_value == 'f"GRP-{n:03d}"'
    assert parsed.refused_values == [('"!"', False)]


REVIEW_FIELDS = {"customer": "str(80)", "product": "str(80)", "text": "text", "stars": "int 1..5"}


@pytest.mark.parametrize(
    ("unique", "message"),
    [
        (
            ["customer", "nobody"],
            "unique: 'nobody' is not a field of the resource; name its fields",
        ),
        (["customer"], "unique: [customer] is one field; write `unique` after its type instead"),
        (["customer", "customer"], "names a field twice"),
        (["customer", "text"], "a text field cannot be part of a unique combination"),
        (
            [["customer", "product"], ["product", "customer"], ["customer", "product"]],
            "is listed twice",
        ),
        ("customer, product", "`unique:` lists fields whose values no two rows may share together"),
        ([], "`unique:` lists fields whose values no two rows may share together"),
    ],
)
def test_refused_unique_combinations(unique: Any, message: str) -> None:
    found = problems([{"name": "review", "fields": REVIEW_FIELDS, "unique": unique}])
    assert any(message in problem for problem in found), found


def test_a_unique_combination_with_a_user_account_needs_logins() -> None:
    """With `auth: none` a `ref user` field has no column (no accounts), so a combination that
    names it would be a constraint on a missing `um_id`: refused, saying how to fix it."""
    resource = {"name": "item", "fields": {"title": "str(40)", "um": "ref user?"}}
    found = problems([{**resource, "unique": ["title", "um"]}], auth="none")
    assert found == [
        "resource 'item': unique: ['title', 'um'] names 'um', a user account reference, which "
        "exists only with `auth: jwt` (with `auth: none` the field has no column); drop 'um' "
        "from the combination or set auth to jwt"
    ]
    with_logins = build_design(answers([{**resource, "unique": ["title", "um"]}]))
    assert with_logins.resources[0].unique_together == (("title", "um_id"),)
    without = build_design(answers([resource], auth="none"))
    assert [f.name for f in without.resources[0].fields] == ["title"]


def test_unique_combinations_become_constraints_checks_and_a_409() -> None:
    design = build_design(
        answers(
            [
                {"name": "product", "fields": {"name": "str(80)"}},
                {
                    "name": "review",
                    "fields": {
                        "customer": "str(80)",
                        "product": "ref product",
                        "stars": "int 1..5",
                    },
                    "unique": [["customer", "product"], ["customer", "stars"]],
                },
            ]
        )
    )
    review = design.by_name["review"]
    assert review.unique_together == (("customer", "product_id"), ("customer", "stars"))
    assert review.has_checks and review.has_table_args
    assert 409 in review.endpoint("create").errors and 409 in review.endpoint("update").errors
    table = next(t for t in design.migration_tables if t.name == "review")
    assert table.unique == (("customer", "product_id"), ("customer", "stars"))
    assert [(f.column, keys, comment) for f, keys, comment in design.er_attributes(review)] == [
        ("customer", "", "unique with product_id and stars"),
        ("product_id", "FK", "unique with customer"),
        ("stars", "", "unique with customer"),
    ]
    assert (
        "a combination of values declared unique together is already taken"
        in design.conflict_causes
    )
    assert review.not_unique_alone(("customer", "product_id")) == "customer"


TAG = {"name": "tag", "fields": {"label": "str(40)"}}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"title": "str", "tags": "refs nothing"},
            "field 'tags': refs 'nothing' names no resource",
        ),
        (
            {"title": "str", "tags": "refs tag?"},
            "field 'tags': write a many-to-many link as `refs <resource>`",
        ),
        (
            {"title": "str", "tags": "refs tag unique"},
            "write a many-to-many link as `refs <resource>`",
        ),
        ({"title": "str", "tags": "refs"}, "write a many-to-many link as `refs <resource>`"),
        (
            {"title": "str", "tags": {"type": "refs tag", "example": [1]}},
            "a `refs` field takes only type and description",
        ),
        (
            {"title": "str", "tag": "ref tag", "tags": "refs tag"},
            "its key `tag_id` is also field 'tag''s",
        ),
        (
            {"title": "str", "tags": "refs tag", "labels": "refs tag"},
            "its key `tag_ids` is also field 'tags''s",
        ),
        ({"title": "str", "related": "refs book"}, "a resource cannot link to itself yet"),
        ({"tags": "refs tag"}, "has only links; give it at least one field of its own"),
    ],
)
def test_refused_links(fields: dict[str, Any], message: str) -> None:
    found = problems([TAG, {"name": "book", "fields": fields}])
    assert any(message in problem for problem in found), found


def test_a_link_is_a_table_ids_in_bodies_and_a_list_filter() -> None:
    design = build_design(
        answers([TAG, {"name": "book", "fields": {"title": "str(80)", "tags": "refs tag"}}])
    )
    book = design.by_name["book"]
    (link,) = book.links
    assert (link.table_name, link.class_name, link.ids_key, link.filter_param) == (
        "book_tags",
        "BookTagsLink",
        "tag_ids",
        "tag_id",
    )
    assert (link.owner_column, link.target_column, link.target_class) == (
        "book_id",
        "tag_id",
        "Tag",
    )
    assert [f.column for f in book.fields] == ["title"]  # a link is no column
    assert "tag_id" in book.endpoint("list").query_params
    assert design.links == (link,)
    assert ("BookTagsLink", "link table of field 'tags'") in book.generated_classes


@pytest.mark.parametrize("name", ["order", "group", "select", "table"])
def test_sql_reserved_words_are_fine(name: str) -> None:
    design = build_design(answers([{"name": name, "fields": {"label": "str(40)"}}]))
    assert design.resources[0].table_name == name


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("category", "categories"),
        ("book_category", "book_categories"),
        ("person", "people"),
        ("box", "boxes"),
    ],
)
def test_plurals(name: str, plural: str) -> None:
    assert pluralize(name) == plural


def test_plural_override_sets_the_path() -> None:
    design = build_design(
        answers([{"name": "time_entry", "plural": "time_entries", "fields": {"h": "float"}}])
    )
    assert design.resources[0].path == "/time-entries"


def test_fields_are_parsed_with_their_modifiers() -> None:
    design = build_design(
        answers(
            [
                {"name": "author", "fields": {"name": "str"}},
                {
                    "name": "book",
                    "fields": {
                        "title": {
                            "type": "str(200)",
                            "description": "As printed.",
                            "example": "Dune",
                        },
                        "isbn": "str(13) unique",
                        "summary": "text?",
                        "available": "bool = true",
                        "genre": "enum(fiction, science) = science",
                        "price": "decimal = 9.99",
                        "author": "ref author?",
                    },
                },
            ]
        )
    )
    fields = {f.name: f for f in design.by_name["book"].fields}
    assert fields["title"].max_length == 200 and fields["title"].description == "As printed."
    assert fields["title"].example == "Dune"
    assert fields["isbn"].unique and not fields["isbn"].optional
    assert fields["summary"].optional and fields["summary"].kind == "text"
    assert fields["available"].default is True
    assert fields["genre"].default == "science" and fields["genre"].enum_values == (
        "fiction",
        "science",
    )
    assert str(fields["price"].default) == "9.99"
    assert fields["author"].column == "author_id" and fields["author"].ref_table == "author"


def test_permission_defaults_and_scopes() -> None:
    design = build_design(
        answers(
            [
                BOOK,
                {
                    "name": "loan",
                    "owned": True,
                    "fields": {"book": "ref book"},
                    "permissions": {"read": ["librarian", "owner"], "create": ["authenticated"]},
                },
            ]
        )
    )
    book, loan = design.resources
    assert book.rule("read").summary == "authenticated" and book.rule("read").scopes == ()
    assert book.rule("delete").scopes == ("admin",)
    assert loan.rule("list").scopes == ("admin", "librarian", "owner")
    assert loan.access("read", "member") == 404  # reaches only their own rows
    assert loan.access("read", None) == 401
    assert loan.access("delete", "librarian") == 403
    assert loan.access("create", "member") == 201


def test_endpoint_errors_follow_the_design() -> None:
    design = build_design(answers([{"name": "book", "fields": {"isbn": "str(13) unique"}}]))
    errors = {ep.action: ep.errors for ep in design.resources[0].endpoints}
    assert errors == {
        "create": (400, 401, 403, 409, 413, 422),
        "list": (401, 422),
        "read": (401, 404, 422),
        "update": (400, 401, 403, 404, 409, 413, 422),
        "delete": (401, 403, 404, 422),
    }


def test_auth_none_makes_everything_public() -> None:
    design = build_design(answers([BOOK], auth="none"))
    assert all(ep.public and ep.auth == "public" for ep in design.resources[0].endpoints)
    assert design.system_endpoints == ()


def test_an_account_reference_names_the_user_table_and_is_left_out_without_logins() -> None:
    task = {
        "name": "task",
        "fields": {"title": "str", "assignee": {"type": "ref user?", "write": ["librarian"]}},
    }
    design = build_design(answers([task]))
    [assignee] = design.account_refs
    assert (assignee.column, assignee.ref_class, assignee.on_delete, assignee.name_key) == (
        "assignee_id",
        "User",
        "SET NULL",
        "assignee_name",
    )
    assert assignee.writers == ("admin", "librarian")
    assert [access.function for access in design.read_accesses] == ["readable_user_ids"]
    table = next(t for t in design.migration_tables if t.name == "task")
    assert ("assignee_id", "user", "SET NULL") in table.foreign_keys
    without_logins = build_design(answers([task], auth="none"))
    assert [f.name for f in without_logins.resources[0].fields] == ["title"]
