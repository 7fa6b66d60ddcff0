"""A design's whole life, replayed: a prototype with rows and links, hand edits in its code, and a
team that keeps changing the design — on SQLite, through ownership added to a resource with rows
and an async switch, then moved to PostgreSQL and changed five more times there.

After every step the same promises are checked, not just the step's own change:
- every row and every link the API held before is still there, each old value as it was;
- no id is ever handed out twice (each table's highest id ever given out stays retired, across
  table rebuilds and the move);
- every hand edit is still in its file, and no file is left with a conflict;
- `python -m tools.contract --changes` records what the step did to clients.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from tests.postgres import Cluster
from tests.test_http import build_design, value
from tests.test_migrations import ADMIN, env, run, through_api
from tests.test_update import CONFLICT_END as AFTER
from tests.test_update import CONFLICT_START as BEFORE
from tests.test_update import answers, commit, conflicts, new_project, resources, update

Rows = dict[str, dict[int, dict[str, Any]]]

ROLES = ["admin", "organizer", "attendee"]
ORGANIZERS = {"read": ["public"], "create": ["organizer"], "update": ["organizer"]}
DESIGN: list[dict[str, Any]] = [
    {
        "name": "venue",
        "fields": {"name": "str(80) unique", "city": "str(60)?"},
        "permissions": ORGANIZERS,
    },
    {"name": "category", "fields": {"name": "str(40) unique"}, "permissions": ORGANIZERS},
    {
        "name": "event",
        "fields": {
            "title": "str(120)",
            "starts_on": "date",
            "venue": "ref venue",
            "categories": "refs category",
            "capacity": "int >= 0 = 100",
        },
        "permissions": ORGANIZERS,
    },
    {
        "name": "booking",
        "fields": {"event": "ref event", "seats": "int 1..10 = 1", "note": "text?"},
        "permissions": {"read": ["organizer"], "create": ["attendee"], "update": ["organizer"]},
    },
]

# Hand edits, each in a file the template owns or one that is the user's, kept by every update.
HELPER = '''

def seats_left(capacity: int, booked: int) -> int:
    """Hand-written: what the box office may still sell."""
    return max(capacity - booked, 0)
'''
RULE = '''

def bookings_per_attendee_limit() -> int:
    """Hand-written: how many bookings one attendee may hold."""
    return 4
'''
README_NOTE = "\nOur box office opens at nine.\n"
HAND_EDITS = {
    "app/services/event.py": HELPER,
    "app/rules/booking.py": RULE,
    "README.md": README_NOTE,
}


class Prototype:
    """A rendered project with its database, driven as its team would."""

    def __init__(self, project: Path, environment: dict[str, str]) -> None:
        self.project, self.environment = project, environment
        self.given: dict[str, int] = {}  # each resource's highest id ever handed out
        self.kept: Rows = {}  # every row (as the API shows it) that must survive

    @property
    def model(self) -> Any:
        recorded = {key: item for key, item in answers(self.project).items() if key[0] != "_"}
        return build_design(recorded)

    def api(self, requests: list[Any]) -> list[Any]:
        return through_api(self.project, self.environment, self.model.api_prefix, requests)

    def body(self, resource: Any, n: int, batch: dict[str, int]) -> dict[str, Any]:
        """A valid create body: every field's n-th sample; references to rows that stay, or to
        the row this batch made before (`{"$id": i}`: the i-th request's answer)."""
        body = {f.column: value(f, n) for f in resource.fields if f.kind != "ref"}
        for f in resource.fields:
            if f.kind == "ref" and self.kept.get(f.ref):
                body[f.column] = min(self.kept[f.ref])
            elif f.kind == "ref" and f.ref in batch:
                body[f.column] = {"$id": batch[f.ref]}
        return body

    def add_rows(self, n: int, *, keep: bool) -> Rows:
        """One new row per resource, whose id must never have been handed out before, kept or
        deleted again; in the same run, first, every row of every resource (returned)."""
        model = self.model
        order = model._creation_order()
        urls = [f"{model.api_prefix}{r.path}" for r in order]
        batch = {r.name: len(order) + i for i, r in enumerate(order)}
        requests = [("GET", f"{url}?limit=100", None) for url in urls]
        requests += [
            ("POST", url, self.body(r, n, batch)) for r, url in zip(order, urls, strict=True)
        ]
        if not keep:
            requests += [
                ("DELETE", f"{url}/{{${batch[r.name]}}}", None)
                for r, url in zip(order, urls, strict=True)
            ][::-1]
        answers = self.api(requests)
        rows: Rows = {}
        for resource, (status, page) in zip(order, answers, strict=False):
            assert status == 200 and page["total"] <= 100, page
            rows[resource.name] = {row["id"]: row for row in page["items"]}
        for resource, (status, row) in zip(order, answers[len(order) :], strict=False):
            assert status == 201, (resource.name, row)
            highest = self.given.get(resource.name, 0)
            assert row["id"] > highest, f"{resource.name}: id {row['id']} was handed out before"
            self.given[resource.name] = row["id"]
            if keep:
                self.kept.setdefault(resource.name, {})[row["id"]] = row
        assert all(status == 204 for status, _ in answers[2 * len(order) :]), answers
        return rows

    def check_kept(self, rows: Rows, changed: Collection[str] = ()) -> None:
        """Every kept row is in `rows` with its old values (but for `changed` `resource.field`)."""
        for name, kept in self.kept.items():
            for row_id, old in kept.items():
                assert row_id in rows.get(name, {}), f"{name} {row_id} is gone"
                new = rows[name][row_id]
                for key, was in old.items():
                    if key in new and f"{name}.{key}" not in changed:
                        assert new[key] == was, f"{name} {row_id}: {key} {was!r} -> {new[key]!r}"
        self.kept = {name: {i: rows[name][i] for i in kept} for name, kept in self.kept.items()}

    def check_hand_edits(self, conflicted: Collection[str]) -> None:
        """Every hand edit is kept, or (in `conflicted` files) shown as a conflict, which is then
        resolved as its owner would: the template's new lines, then the hand edit."""
        assert set(conflicts(self.project)) == set(conflicted)
        for path in conflicted:
            text = (self.project / path).read_text()
            block = re.search(f"{BEFORE}\n(.*?)=======\n(.*?){AFTER}\n", text, re.S)
            assert block and HAND_EDITS[path].strip() in block[1], f"{path}: no visible conflict"
            text = text.replace(block[0], block[2])
            (self.project / path).write_text(text.rstrip("\n") + "\n" + HAND_EDITS[path])
        for path, edit in HAND_EDITS.items():
            assert edit in (self.project / path).read_text(), f"the hand edit of {path} is gone"

    def change(
        self,
        edit: Callable[[list[dict[str, Any]]], None],
        message: str,
        *,
        records: list[str],
        data: dict[str, Any] | None = None,
        changed: Collection[str] = (),
        conflicted: Collection[str] = (),
        step: int,
    ) -> str:
        """One step: a design change through `copier update`, the migration, the change record;
        then every promise is checked. Returns the migration's output."""
        design = resources(self.project)
        edit(design)
        update(self.project, {"resources": design, **(data or {})})
        self.check_hand_edits(conflicted)
        recorded = run(self.project, self.environment, "-m", "tools.contract", "--changes")
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        entry = (self.project / "docs/api-changes.md").read_text().split("\n## ")[1]
        for line in records:
            assert line in entry, f"step {step}: {line!r} is not in the change record:\n{entry}"
        commit(self.project, message)
        migrated = run(self.project, self.environment, "-m", "tools.migrate", message)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        commit(self.project, f"Migration: {message}")
        # Every row kept; a new top row per table, deleted: each id stays retired.
        self.check_kept(self.add_rows(10 + step, keep=False), changed)
        return migrated.stdout


def autoincrement_everywhere(database: Path, tables: list[str]) -> None:
    with sqlite3.connect(database) as connection:
        sql = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for table in tables:
        assert "AUTOINCREMENT" in sql[table], f"{table} lost AUTOINCREMENT: {sql[table]}"


def test_a_design_evolves_for_weeks_and_keeps_every_promise(
    template_repo: Path, tmp_path: Path, postgres: Cluster
) -> None:
    data = {
        "project_name": "Box Office",
        "roles": ROLES,
        "default_role": "attendee",
        "resources": DESIGN,
        "async_db": False,
    }
    project = new_project(template_repo, tmp_path / "project", data)
    database = tmp_path / "data.db"
    prototype = Prototype(project, env(database, async_db=False))

    # Week 1: rows, links, hand edits; the top row of each table deleted (its id retired).
    for n in (1, 2, 3):
        prototype.add_rows(n, keep=True)
    events = sorted(prototype.kept["event"])
    categories = sorted(prototype.kept["category"])
    linked = prototype.api(
        [
            ("PATCH", f"/api/v1/events/{events[0]}", {"category_ids": categories[:2]}),
            ("PATCH", f"/api/v1/events/{events[1]}", {"category_ids": categories[1:]}),
        ]
    )
    assert [status for status, _ in linked] == [200, 200], linked
    prototype.check_kept(prototype.add_rows(4, keep=False), changed={"event.category_ids"})
    for path, edit in HAND_EDITS.items():
        with (project / path).open("a") as file:
            file.write(edit)
    commit(project, "Hand edits")
    prototype.check_hand_edits(conflicted=set())

    # Step 1: a field with a default, an optional field, an enum.
    def more_fields(design: list[dict[str, Any]]) -> None:
        venue, _, event, _ = design
        venue["fields"]["accessible"] = "bool = true"
        event["fields"]["status"] = "enum(draft, open, closed) = open"
        event["fields"]["subtitle"] = "str(200)?"

    prototype.change(
        more_fields,
        "Accessible venues, event status and subtitle",
        records=["`EventCreate.status`: added", "`VenuePublic.accessible`: added"],
        step=1,
    )
    assert all(row["status"] == "open" for row in prototype.kept["event"].values())

    # Step 2: rules on columns with rows (a narrower range, a minimum length): table rebuilds.
    def rules(design: list[dict[str, Any]]) -> None:
        _, category, _, booking = design
        booking["fields"]["seats"] = "int 1..8 = 1"
        category["fields"]["name"] = "str(2..40) unique"

    prototype.change(rules, "Fewer seats a booking", records=["`BookingCreate.seats`"], step=2)
    autoincrement_everywhere(database, ["venue", "category", "event", "booking"])

    # Step 3: a unique combination and timestamps, on tables with rows.
    def unique_and_timestamps(design: list[dict[str, Any]]) -> None:
        _, _, event, booking = design
        event["unique"] = ["venue", "starts_on"]
        booking["timestamps"] = True

    prototype.change(
        unique_and_timestamps,
        "One event a day a venue; booking times",
        records=["`BookingPublic.created_at`: added"],
        step=3,
    )
    autoincrement_everywhere(database, ["venue", "category", "event", "booking"])
    assert all(row["created_at"] for row in prototype.kept["booking"].values())

    # Step 4: bookings become owned; the rows they hold go to the first administrator.
    def owned_bookings(design: list[dict[str, Any]]) -> None:
        booking = design[3]
        booking["owned"] = True
        booking["permissions"] = {
            "read": ["organizer", "owner"],
            "create": ["attendee"],
            "update": ["organizer", "owner"],
        }

    migrated = prototype.change(
        owned_bookings,
        "Bookings have owners",
        records=["`BookingPublic.owner_id`: added"],
        step=4,
    )
    bookings = len(prototype.kept["booking"])
    assert f"{bookings} rows of booking now owned by {ADMIN['email']} (user 1)" in migrated
    assert {row["owner_id"] for row in prototype.kept["booking"].values()} == {1}

    # Step 5: the async switch, with a new resource and a new link on the way.
    prototype.environment = env(database, async_db=True)

    def speakers(design: list[dict[str, Any]]) -> None:
        design.append({"name": "speaker", "fields": {"name": "str(80)"}, "permissions": ORGANIZERS})
        design[2]["fields"]["speakers"] = "refs speaker"

    prototype.change(
        speakers,
        "Speakers, async",
        records=["`POST /api/v1/speakers`: added", "`EventCreate.speaker_ids`: added"],
        data={"async_db": True},
        # The helper follows the lines the switch rewrites (`await session.commit()`).
        conflicted={"app/services/event.py"},
        step=5,
    )
    assert answers(project)["async_db"] is True
    prototype.add_rows(5, keep=True)
    rows_before_move = prototype.add_rows(7, keep=False)
    prototype.check_kept(rows_before_move)
    assert rows_before_move["event"][events[0]]["category_ids"] == categories[:2]

    # The move to PostgreSQL: every row and link, ids continuing above every id given out.
    target = postgres.new_database(driver="psycopg")
    moved = run(project, prototype.environment, "-m", "tools.move_data", target)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    prototype.environment = {
        **prototype.environment,
        "DATABASE_URL": target.replace("+psycopg", "+asyncpg"),
    }
    assert prototype.add_rows(8, keep=False) == rows_before_move

    # Five more steps on PostgreSQL.
    def ticket_price(design: list[dict[str, Any]]) -> None:
        design[2]["fields"]["price"] = "decimal >= 0 = 0"

    prototype.change(ticket_price, "Ticket prices", records=["`EventCreate.price`: added"], step=6)

    def new_status(design: list[dict[str, Any]]) -> None:
        design[2]["fields"]["status"] = "enum(draft, open, closed, cancelled) = open"

    prototype.change(new_status, "Cancelled events", records=["cancelled"], step=7)

    def searchable(design: list[dict[str, Any]]) -> None:
        design[2]["fields"]["title"] = "str(120) searchable"
        design[4]["fields"]["bio"] = "text?"

    prototype.change(
        searchable, "Search titles; speaker bios", records=["`SpeakerCreate.bio`: added"], step=8
    )

    def wider_city(design: list[dict[str, Any]]) -> None:
        design[0]["fields"]["city"] = "str(120)?"

    prototype.change(wider_city, "Longer city names", records=["`VenueCreate.city`"], step=9)

    def stricter_reads(design: list[dict[str, Any]]) -> None:
        design[1]["permissions"] = {**ORGANIZERS, "read": ["authenticated"]}

    prototype.change(
        stricter_reads,
        "Categories for logged-in callers only",
        records=["**Breaking", "`GET /api/v1/categories`"],
        step=10,
    )
    assert sorted(prototype.given) == ["booking", "category", "event", "speaker", "venue"]
