"""docs/api-contract.json is the running code's API; a change to it is marked breaking or not."""

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from tools import contract
from tools.contract import (
    CONTRACT,
    Change,
    add_entry,
    changes,
    following,
    live_contract,
    record,
    same_as_rows,
)

BEFORE: dict[str, Any] = {
    "models": {
        "ItemCreate": {"name": {"required": True, "type": "string max 50"}},
        "ItemPublic": {
            "id": {"required": True, "type": "integer"},
            "name": {"required": True, "type": "string max 50"},
        },
    },
    "operations": {
        "POST /items": {
            "auth": ["admin", "editor"],
            "body": "ItemCreate",
            "errors": [401, 403, 422],
            "query": {},
            "response": "ItemPublic",
            "status": 201,
        },
        "GET /items/{item_id}": {
            "auth": "public",
            "body": None,
            "errors": [404, 422],
            "query": {},
            "response": "ItemPublic",
            "status": 200,
        },
    },
}


def changed(*keys: str, to: Any) -> dict[str, Any]:
    """BEFORE with the value at `keys` replaced (None: removed)."""
    after = copy.deepcopy(BEFORE)
    *path, last = keys
    holder = after
    for key in path:
        holder = holder[key]
    if to is None:
        del holder[last]
    else:
        holder[last] = to
    return after


def test_the_running_code_is_the_recorded_contract() -> None:
    drift = changes(json.loads(CONTRACT.read_text()), live_contract())
    assert drift == [], (
        "the code's API differs from docs/api-contract.json: record a change you meant with "
        "`python -m tools.contract --write`"
    )


def test_what_breaks_clients_is_marked_breaking() -> None:
    required = {"required": True, "type": "integer"}
    assert changes(BEFORE, changed("operations", "GET /items/{item_id}", to=None)) == [
        Change("GET /items/{item_id}", "removed", True)
    ]
    assert changes(BEFORE, changed("models", "ItemCreate", "size", to=required)) == [
        Change("ItemCreate.size", "added (integer, required)", True)
    ]
    assert changes(BEFORE, changed("models", "ItemPublic", "size", to=required)) == [
        Change("ItemPublic.size", "added (integer)", False)
    ]
    assert changes(BEFORE, changed("models", "ItemPublic", "name", to=None)) == [
        Change("ItemPublic.name", "removed", True)
    ]
    shorter = {"required": True, "type": "string max 30"}
    assert changes(BEFORE, changed("models", "ItemCreate", "name", to=shorter)) == [
        Change("ItemCreate.name", "string max 50 -> string max 30", True)
    ]
    longer = {"required": True, "type": "string max 80"}
    assert changes(BEFORE, changed("models", "ItemCreate", "name", to=longer)) == [
        Change("ItemCreate.name", "string max 50 -> string max 80", False)
    ]
    nullable = {"required": True, "type": "string max 50 | null"}
    assert changes(BEFORE, changed("models", "ItemPublic", "name", to=nullable)) == [
        Change("ItemPublic.name", "string max 50 -> string max 50 | null", True)
    ]


# Each pair narrows a type: the second takes only values the first takes, and not all of them.
NARROWINGS = [
    ("string max 50", "string max 30"),  # a lower maximum length
    ("string min 2 max 50", "string min 3 max 50"),  # a higher minimum length
    ("integer >= 0", "integer >= 1"),  # a higher lower bound
    ("integer >= 0", "integer > 0"),  # the bound itself left out
    ("number <= 100", "number < 100"),
    ("number <= 100", "number <= 99.5"),  # a lower upper bound
    ("integer", "integer >= 0 <= 100"),  # a range where there was none
    ("string", "string pattern ^[A-Z]{2,3}$"),  # a pattern where there was none
    ("string", "string(email)"),  # a format
    ("number", "integer"),
    ("string | null", "string"),  # no longer null
    ("enum(a, b, c)", "enum(a, b)"),  # a value no longer
]


@pytest.mark.parametrize(("wide", "narrow"), NARROWINGS)
def test_a_narrower_request_type_breaks_clients_and_a_narrower_response_type_does_not(
    wide: str, narrow: str
) -> None:
    """A request type that takes less breaks clients, and so does a response type that may hold
    more; a request type that takes more, or a response type that holds less, breaks none."""
    for model, narrowing_breaks in (("ItemCreate", True), ("ItemPublic", False)):
        before = changed("models", model, "name", to={"required": True, "type": wide})
        after = changed("models", model, "name", to={"required": True, "type": narrow})
        assert [c.breaking for c in changes(before, after)] == [narrowing_breaks], model
        assert [c.breaking for c in changes(after, before)] == [not narrowing_breaks], model


def test_a_changed_pattern_breaks_clients_and_a_response_field_always_present_does_not() -> None:
    for model in ("ItemCreate", "ItemPublic"):
        before = changed(
            "models", model, "name", to={"required": True, "type": "string pattern ^a"}
        )
        after = changed("models", model, "name", to={"required": True, "type": "string pattern ^b"})
        assert [c.breaking for c in changes(before, after)] == [True], model
    optional = {"required": False, "type": "string max 50"}
    for model, now_required_breaks in (("ItemCreate", True), ("ItemPublic", False)):
        before = changed("models", model, "name", to=optional)
        assert [c.breaking for c in changes(before, BEFORE)] == [now_required_breaks], model
        assert [c.breaking for c in changes(BEFORE, before)] == [not now_required_breaks], model


def test_who_may_call_breaks_clients_only_when_it_narrows() -> None:
    narrower = changes(BEFORE, changed("operations", "POST /items", "auth", to=["admin"]))
    assert narrower == [Change("POST /items", "access admin, editor -> admin", True)]
    wider = changes(BEFORE, changed("operations", "POST /items", "auth", to="authenticated"))
    assert wider == [Change("POST /items", "access admin, editor -> authenticated", False)]
    closed = changes(
        BEFORE, changed("operations", "GET /items/{item_id}", "auth", to="authenticated")
    )
    assert [change.breaking for change in closed] == [True]


def test_a_same_as_route_takes_the_access_of_the_route_it_follows() -> None:
    """A route added by hand whose row in docs/custom-endpoints.md says `same as` a generated
    route: the design's change of that route's access is its change too (the example aside)."""
    custom = (
        "```markdown\n| POST | `/items/{item_id}/copy` | Copy | — | `201` | — | same as `POST /items` |\n```\n"
        "| POST | `/items/{item_id}/archive` | Archive an item | — | `200` `ItemPublic` | `401`, "
        "`403`, `404` | same as `POST /items` |\n"
    )
    rows = same_as_rows(custom)
    assert rows == {"POST /items/{item_id}/archive": "POST /items"}
    archive = {**BEFORE["operations"]["POST /items"], "body": None, "status": 200}
    before = changed("operations", "POST /items/{item_id}/archive", to=archive)
    after = changed("operations", "POST /items/{item_id}/archive", to=archive)
    after["operations"]["POST /items"]["auth"] = ["admin"]
    followed = following(after, rows)
    assert followed["operations"]["POST /items/{item_id}/archive"]["auth"] == ["admin"]
    assert Change(
        "POST /items/{item_id}/archive", "access admin, editor -> admin", True
    ) in changes(before, followed)
    assert following(before, rows) == before


def test_statuses_and_query_parameters() -> None:
    assert changes(BEFORE, changed("operations", "POST /items", "status", to=200)) == [
        Change("POST /items", "answers 200 instead of 201", True)
    ]
    assert changes(
        BEFORE, changed("operations", "POST /items", "errors", to=[401, 403, 409, 422])
    ) == [Change("POST /items", "may now answer 409", False)]
    with_sort = changed("operations", "GET /items/{item_id}", "query", to={"sort": "enum(id, -id)"})
    assert changes(BEFORE, with_sort) == [
        Change("GET /items/{item_id}", "query parameter `sort` added", False)
    ]
    assert [change.breaking for change in changes(with_sort, BEFORE)] == [True]

    # Made repeatable, a parameter still takes the one value it took.
    kind = "enum(a, b) | null"
    for was, now, breaking in [
        (kind, "array(enum(a, b)) | null", False),
        ("array(enum(a, b)) | null", kind, True),
        (kind, "array(enum(a)) | null", True),
        # A repeatable filter left out is an empty list, no longer null: nothing a client sends.
        ("array(enum(a, b)) | null", "array(enum(a, b))", False),
    ]:
        before = changed("operations", "GET /items/{item_id}", "query", to={"kind": was})
        after = changed("operations", "GET /items/{item_id}", "query", to={"kind": now})
        assert [change.breaking for change in changes(before, after)] == [breaking], now
    sort = changed("operations", "GET /items/{item_id}", "query", to={"sort": "array(enum(a, b))"})
    more = changed(
        "operations", "GET /items/{item_id}", "query", to={"sort": "array(enum(a, b, c))"}
    )
    assert changes(sort, more) == [
        Change("GET /items/{item_id}", "query parameter `sort`: now also c", False)
    ]


def test_the_record_lists_breaking_changes_first_and_keeps_earlier_entries() -> None:
    found = changes(BEFORE, changed("operations", "GET /items/{item_id}", to=None))
    found += changes(
        BEFORE, changed("models", "ItemPublic", "size", to={"required": True, "type": "integer"})
    )
    entry = record(found, since="abc1234", today=datetime.date(2026, 1, 2))
    assert entry.splitlines()[:5] == [
        "## 2026-01-02: since abc1234",
        "",
        "**Breaking (clients must change):**",
        "",
        "- `GET /items/{item_id}`: removed",
    ]
    assert "- `ItemPublic.size`: added (integer)" in entry.split("**Other changes:**")[1]
    earlier = add_entry(None, record([], since="0000000", today=datetime.date(2026, 1, 1)))
    text = add_entry(add_entry(earlier, entry), entry)  # the same comparison run twice: one entry
    assert text.count("## 2026-01-02") == 1 and text.count("## 2026-01-01") == 1
    assert text.index("## 2026-01-02") < text.index("## 2026-01-01")


def test_changes_are_refused_while_conflict_markers_remain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `copier update` left a conflict, --changes names the files and writes nothing."""
    clean = tmp_path / "clean.py"
    clean.write_text('"""Mentions <<<<<<< mid-line only."""\n')
    marked = tmp_path / "conflicted.py"
    marked.write_text("<<<<<<< before updating\nx = 1\n=======\nx = 2\n>>>>>>> after updating\n")
    binary = tmp_path / "app.db"
    binary.write_bytes(b"\xff\xfe<<<<<<< \x00")
    written = tmp_path / "api-changes.md"
    monkeypatch.setattr(contract, "project_files", lambda: [clean, marked, binary])
    monkeypatch.setattr(contract, "CHANGES", written)

    assert contract.main(["--changes"]) == 1
    message = capsys.readouterr().err
    assert f"Conflict markers (<<<<<<<) remain in: {marked}." in message
    assert "Resolve them" in message and "then run this again" in message
    assert str(clean) not in message and str(binary) not in message
    assert not written.exists()
