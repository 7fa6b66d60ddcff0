"""The rendered test suite catches real defects: each deliberate mutation of a rendered project
must make that project's own tests fail.

Every mutation is a small textual edit of a rendered file that changes what the API does (never one
the database or another layer silently undoes). The edit must apply exactly once, so the catalogue
cannot rot unnoticed when the templates change. A mutation "is killed" when the rendered suite
reports a failed test: an import error, a collection error or a fixture error is no kill.

Every mutation must be killed: a survivor names a test the template should generate. That the
kills are real, tests/test_projects.py shows: every build the catalogue mutates passes its whole
suite there, unmutated.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import run_project_pytest
from tests.test_projects import VARIANTS

# The rendered project's own `addopts` are replaced, so the output has a known shape: quiet, a
# short summary of what failed, no captured logs, and the summary line last.
PYTEST_ARGS = ("-o", "addopts=", "-q", "-x", "-rfE", "--tb=line", "--show-capture=no")
CACHES = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


@dataclass(frozen=True)
class Edit:
    """Replace `old`, which must occur exactly once in `path`, with `new`."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutation:
    id: str
    breaks: str
    module: str
    edits: tuple[Edit, ...]
    design: str = "default"
    async_db: bool = False
    select: str | None = None  # a `-k` expression, where the catching test comes late in the module

    @property
    def build(self) -> tuple[str, bool]:
        return self.design, self.async_db


@dataclass(frozen=True)
class Outcome:
    returncode: int
    summary: str
    failed: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def killed(self) -> bool:
        return (
            self.returncode == 1
            and " failed" in self.summary
            and "error" not in self.summary
            and bool(self.failed)
        )

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and " passed" in self.summary and "failed" not in self.summary


BOOK_SERVICE = "app/services/book.py"
LOAN_SERVICE = "app/services/loan.py"
BOOK_ROUTER = "app/routers/book.py"
LISTING = "app/services/listing.py"
SEARCH_INDEX = "app/search_index.py"
QUERY_MODELS = "app/models/query.py"
GROUP_MODELS = "app/models/group.py"
ORDER_MODELS = "app/models/order.py"
CONNECTIONS = "app/core/connections.py"
MIDDLEWARE = "app/core/middleware.py"
SPEC = "docs/api-design-spec.md"

MUTATIONS = [
    # --- lists: filters, sorting, paging --------------------------------------------------------
    Mutation(
        "list-filter-dropped",
        "GET /books ignores its filters (genre, available, author_id, the pages bounds)",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "statement = select(Book).where(*_conditions(query))",
                "statement = select(Book)",
            ),
        ),
    ),
    Mutation(
        "filter-takes-one-value",
        "`?genre=a&genre=b` matches only the first value",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "conditions.append(col(Book.genre).in_(query.genre))",
                "conditions.append(col(Book.genre) == query.genre[0])",
            ),
        ),
    ),
    Mutation(
        "range-bound-exclusive",
        "`pages_min` leaves out the rows equal to it",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "conditions.append(col(Book.pages) >= query.pages_min)",
                "conditions.append(col(Book.pages) > query.pages_min)",
            ),
        ),
    ),
    Mutation(
        "unknown-parameter-ignored",
        "a misspelt list parameter is ignored: the list answers with every row",
        "tests/test_book.py",
        (Edit(QUERY_MODELS, 'ConfigDict(extra="forbid")', 'ConfigDict(extra="ignore")'),),
    ),
    Mutation(
        "sort-descending-ignored",
        "`sort=-field` sorts ascending",
        "tests/test_book.py",
        (
            Edit(
                LISTING,
                'order.append(column.desc() if key.startswith("-") else column.asc())',
                "order.append(column.asc())",
            ),
        ),
    ),
    Mutation(
        "sort-direction-swapped",
        "`sort=field` sorts descending and `sort=-field` ascending",
        "tests/test_book.py",
        (
            Edit(
                LISTING,
                'order.append(column.desc() if key.startswith("-") else column.asc())',
                'order.append(column.asc() if key.startswith("-") else column.desc())',
            ),
        ),
    ),
    Mutation(
        "sort-field-ignored",
        "`sort=title` (any field) sorts by id",
        "tests/test_book.py",
        (
            Edit(
                LISTING,
                'column = _sort_value(col(getattr(model, key.removeprefix("-"))))',
                'column = _sort_value(col(getattr(model, "id")))',
            ),
        ),
    ),
    Mutation(
        "second-sort-key-ignored",
        "`sort=available,-id` orders by its first key only",
        "tests/test_book.py",
        (
            Edit(
                LISTING,
                'for key in (*keys, *([] if "id" in columns else ["id"])):',
                'for key in (keys[0], "id"):',
            ),
        ),
    ),
    Mutation(
        "offset-ignored",
        "`offset` is ignored: every page is the first",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "statement.offset(query.offset).limit(query.limit)",
                "statement.limit(query.limit)",
            ),
        ),
    ),
    Mutation(
        "limit-ignored",
        "`limit` is ignored: a page holds every row",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "statement.offset(query.offset).limit(query.limit)",
                "statement.offset(query.offset)",
            ),
        ),
    ),
    Mutation(
        "total-ignores-filters",
        "a page's `total` counts every loan, not those the filters and the owner scope leave",
        "tests/test_loan.py",
        (
            Edit(
                LOAN_SERVICE,
                "select(func.count()).select_from(statement.subquery())",
                "select(func.count()).select_from(Loan)",
            ),
        ),
    ),
    # --- uniqueness and references ---------------------------------------------------------------
    Mutation(
        "unique-dropped",
        "a taken isbn is accepted: the service check and the column's UNIQUE constraint are gone "
        "(the constraint alone would still answer 409 through the IntegrityError handler)",
        "tests/test_book.py",
        (
            Edit(
                "app/models/book.py",
                "isbn: StorableStr = Field(max_length=13, unique=True)",
                "isbn: StorableStr = Field(max_length=13)",
            ),
            Edit(
                BOOK_SERVICE, 'UNIQUE_COLUMNS = ("isbn",)', "UNIQUE_COLUMNS: tuple[str, ...] = ()"
            ),
        ),
    ),
    Mutation(
        "conflict-is-400",
        "a conflict (taken value, referenced row) answers 400 instead of 409",
        "tests/test_book.py",
        (
            Edit(
                "app/core/errors.py",
                "class Conflict(AppError):\n    status_code = status.HTTP_409_CONFLICT",
                "class Conflict(AppError):\n    status_code = status.HTTP_400_BAD_REQUEST",
            ),
        ),
    ),
    Mutation(
        "unique-conflicts-with-itself",
        "PATCH that resends a book's own isbn is refused as taken (409)",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "col(getattr(Book, column)) == value, col(Book.id) != book_id)",
                "col(getattr(Book, column)) == value)",
            ),
        ),
    ),
    Mutation(
        "reference-check-dropped",
        "a missing author_id is no longer refused with a 422 naming the field (the foreign key "
        "still refuses the row, as a 409 without the field)",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, '    "author_id": ("Author", readable_author_ids),\n', ""),),
    ),
    Mutation(
        "references-not-enforced",
        "SQLite's foreign keys are off: an author who still has books can be deleted (204), "
        "leaving the books pointing at nothing",
        "tests/test_author.py",
        (
            Edit(
                "app/db.py",
                'cursor.execute("PRAGMA foreign_keys=ON")',
                'cursor.execute("SELECT 1")',
            ),
        ),
    ),
    # --- changes and deletes ---------------------------------------------------------------------
    Mutation(
        "update-sends-everything",
        "PATCH ignores `exclude_unset`: fields left out are written as null",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "changes = book_in.model_dump(exclude_unset=True)",
                "changes = book_in.model_dump()",
            ),
        ),
    ),
    Mutation(
        "update-cannot-clear",
        "PATCH drops nulls: an optional field (pages) can no longer be cleared, yet 200 is answered",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "changes = book_in.model_dump(exclude_unset=True)",
                "changes = book_in.model_dump(exclude_unset=True, exclude_none=True)",
            ),
        ),
    ),
    Mutation(
        "null-guard-dropped",
        "PATCH {title: null} on a required field is no longer a 422 naming the field (the NOT "
        "NULL column turns it into a 409 conflict)",
        "tests/test_book.py",
        (
            Edit(
                "app/models/book.py",
                "    title: StorableStr = Field(default=None, max_length=200)",
                "    title: StorableStr | None = Field(default=None, max_length=200)",
            ),
        ),
    ),
    Mutation(
        "update-not-applied",
        "PATCH answers 200 but changes nothing",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    book.sqlmodel_update(changes)\n", ""),),
    ),
    # --- the project's rules are told what a change is (app/rules/) --------------------------------
    Mutation(
        "rules-before-is-the-changed-row",
        "a rule's `before` is the row the PATCH has already changed, so no rule sees a change",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    before = Book(**book.model_dump())", "    before = book"),),
        select="rules",
    ),
    Mutation(
        "rules-told-no-caller",
        "a rule is never told who makes the change",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "apply_rules(check_book, book, caller=caller, before=before)",
                "apply_rules(check_book, book, caller=None, before=before)",
            ),
        ),
        select="rules",
    ),
    Mutation(
        "delete-is-a-no-op",
        "DELETE answers 204 but the row stays",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    session.delete(book)\n", ""),),
    ),
    # --- status codes ----------------------------------------------------------------------------
    Mutation(
        "create-is-200",
        "POST /books answers 200 instead of 201",
        "tests/test_book.py",
        (Edit(BOOK_ROUTER, "status.HTTP_201_CREATED", "status.HTTP_200_OK"),),
    ),
    Mutation(
        "delete-is-200",
        "DELETE /books/{id} answers 200 instead of 204",
        "tests/test_book.py",
        (Edit(BOOK_ROUTER, "status.HTTP_204_NO_CONTENT", "status.HTTP_200_OK"),),
    ),
    Mutation(
        "not-found-is-403",
        "a missing row answers 403 instead of 404",
        "tests/test_book.py",
        (
            Edit(
                "app/core/errors.py",
                "class NotFound(AppError):\n    status_code = status.HTTP_404_NOT_FOUND",
                "class NotFound(AppError):\n    status_code = status.HTTP_403_FORBIDDEN",
            ),
        ),
    ),
    # --- permissions -----------------------------------------------------------------------------
    Mutation(
        "delete-scope-widened",
        "librarians may delete authors, which the design keeps for admin",
        "tests/test_author.py",
        (
            Edit(
                "app/routers/author.py",
                'DELETE_SCOPES = ["admin"]',
                'DELETE_SCOPES = ["admin", "librarian"]',
            ),
        ),
        select="permissions and delete",
    ),
    Mutation(
        "create-guard-removed",
        "every logged-in role may create books",
        "tests/test_book.py",
        (
            Edit(
                BOOK_ROUTER,
                "grant: Annotated[Grant, Security(authorize, scopes=CREATE_SCOPES)],",
                "grant: Annotated[Grant, Security(authorize)],",
            ),
        ),
    ),
    Mutation(
        "users-list-guard-removed",
        "every role may list the user accounts",
        "tests/test_users.py",
        (
            Edit(
                "app/routers/users.py",
                "    dependencies=[admin_only],\n    responses=error_responses(401, 403, 422),",
                "    responses=error_responses(401, 403, 422),",
            ),
        ),
    ),
    Mutation(
        "register-as-admin",
        "open sign-up hands out the administrator role",
        "tests/test_auth.py",
        (Edit("app/routers/auth.py", "role=Role.member)", "role=Role.admin)"),),
    ),
    Mutation(
        "password-not-checked",
        "logging in needs an e-mail only",
        "tests/test_auth.py",
        (
            Edit(
                "app/services/user.py",
                "if user is None or not valid or not user.is_active:",
                "if user is None or not user.is_active:",
            ),
        ),
    ),
    Mutation(
        "token-signature-not-verified",
        "forged, tampered and unsigned tokens are accepted",
        "tests/test_auth.py",
        (
            Edit(
                "app/core/security.py",
                'options={"require": ["exp", "sub", "ver"]}',
                'options={"require": ["exp", "sub", "ver"], "verify_signature": False}',
            ),
        ),
    ),
    Mutation(
        "deactivated-token-accepted",
        "a deactivated user's existing token keeps working",
        "tests/test_auth.py",
        (
            Edit(
                "app/deps.py",
                "if user is None or not user.is_active or user.token_version != claims.version:",
                "if user is None or user.token_version != claims.version:",
            ),
        ),
    ),
    Mutation(
        "token-version-unchecked",
        "a token keeps working after its user's password or role changed",
        "tests/test_auth.py",
        (
            Edit(
                "app/deps.py",
                "if user is None or not user.is_active or user.token_version != claims.version:",
                "if user is None or not user.is_active:",
            ),
        ),
    ),
    Mutation(
        "logins-never-throttled",
        "failed logins go on for ever, never a 429",
        "tests/test_auth.py",
        (
            Edit(
                "app/routers/auth.py",
                "    if wait is not None:\n",
                "    if wait is not None and False:\n",
            ),
        ),
    ),
    Mutation(
        "account-throttle-shared-across-clients",
        "an account's failures count from every address together: a guesser locks the owner out",
        "tests/test_auth.py",
        (
            Edit(
                "app/core/throttle.py",
                '        return f"{client} {account}"',
                "        return account",
            ),
        ),
    ),
    Mutation(
        "sign-ups-never-throttled",
        "one client signs up without end, never a 429",
        "tests/test_auth.py",
        (Edit("app/routers/auth.py", "    throttle.count(client=client)\n", ""),),
    ),
    Mutation(
        "failed-connection-kept",
        "a request that fails unexpectedly returns its connection to the pool, open read and all",
        "tests/test_failures.py",
        (Edit("app/db.py", "discard=unexpected)", "discard=False)"),),
    ),
    Mutation(
        "sort-key-repeats-accepted",
        "`sort=id,-id` is answered, a column sorted twice",
        "tests/test_book.py",
        (
            Edit(
                QUERY_MODELS,
                "AfterValidator(_each_column_once)",
                "AfterValidator(lambda keys: keys)",
            ),
        ),
    ),
    Mutation(
        "e-mail-case-sensitive",
        "an address typed in other case is another account",
        "tests/test_auth.py",
        (
            Edit(
                "app/services/user.py",
                "func.lower(User.email) == email.lower()",
                "User.email == email",
            ),
        ),
    ),
    Mutation(
        "last-administrator-unguarded",
        "the only administrator may deactivate or demote themselves",
        "tests/test_users.py",
        (
            Edit(
                "app/services/user.py",
                "        _keep_an_administrator(session=session, user=user)\n",
                "        pass\n",
            ),
        ),
    ),
    # --- inputs the database cannot take ---------------------------------------------------------
    Mutation(
        "unstorable-text-accepted",
        "a lone surrogate or NUL reaches the database (a 500)",
        "tests/test_author.py",
        (
            Edit(
                "app/models/types.py",
                "StorableStr = Annotated[str, AfterValidator(_storable_text)]",
                "StorableStr = str",
            ),
        ),
    ),
    Mutation(
        "ids-reused",
        "a deleted row's id is given to the next new row",
        "tests/test_author.py",
        (
            Edit(
                "app/models/author.py", '    __table_args__ = {"sqlite_autoincrement": True}\n', ""
            ),
        ),
    ),
    # --- ownership -------------------------------------------------------------------------------
    Mutation(
        "owner-ignored-on-read",
        "a member reads and changes another member's loan",
        "tests/test_loan.py",
        (
            Edit(
                LOAN_SERVICE,
                "if row is None or (owner_id is not None and row.owner_id != owner_id):",
                "if row is None:",
            ),
        ),
        select="owners",
    ),
    Mutation(
        "owner-ignored-on-list",
        "a member's list shows every member's loans",
        "tests/test_loan.py",
        (
            Edit(
                LOAN_SERVICE, "statement = statement.where(col(Loan.owner_id) == owner_id)", "pass"
            ),
        ),
        select="owners",
    ),
    Mutation(
        "owner-scope-unrestricted",
        "a caller let in through the `owner` scope reaches every row",
        "tests/test_loan.py",
        (
            Edit(
                "app/deps.py",
                "return Grant(user=user, owner_id=user.id)",
                "return Grant(user=user, owner_id=None)",
            ),
        ),
        select="owners",
    ),
    # --- the async build ---------------------------------------------------------------------------
    Mutation(
        "async-list-filter-dropped",
        "GET /books ignores its filters (async build)",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                "statement = select(Book).where(*_conditions(query))",
                "statement = select(Book)",
            ),
        ),
        async_db=True,
    ),
    Mutation(
        "async-owner-ignored-on-read",
        "a member reads another member's loan (async build)",
        "tests/test_loan.py",
        (
            Edit(
                LOAN_SERVICE,
                "if row is None or (owner_id is not None and row.owner_id != owner_id):",
                "if row is None:",
            ),
        ),
        async_db=True,
        select="owners",
    ),
    Mutation(
        "async-update-not-applied",
        "PATCH answers 200 but changes nothing (async build)",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    book.sqlmodel_update(changes)\n", ""),),
        async_db=True,
    ),
    Mutation(
        "async-rules-before-is-the-changed-row",
        "a rule's `before` is the row the PATCH has already changed (async build)",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    before = Book(**book.model_dump())", "    before = book"),),
        async_db=True,
        select="rules",
    ),
    # --- the task tracker: owned rows that owners may also change and delete ---------------------
    Mutation(
        "tasks-owner-ignored-on-delete",
        "an engineer deletes someone else's task",
        "tests/test_task.py",
        (
            Edit(
                "app/routers/task.py",
                "owner_id=grant.owner_id)\n    service.delete_task(",
                ")\n    service.delete_task(",
            ),
        ),
        design="task-tracker",
        select="permissions and delete",
    ),
    Mutation(
        "tasks-update-scope-widened",
        "engineers may change every task, not only their own",
        "tests/test_task.py",
        (
            Edit(
                "app/routers/task.py",
                'UPDATE_SCOPES = ["admin", "lead", "owner"]',
                'UPDATE_SCOPES = ["admin", "lead", "engineer", "owner"]',
            ),
        ),
        design="task-tracker",
        select="permissions and update",
    ),
    Mutation(
        "enum-sorted-by-name",
        "`sort=priority` orders low, normal, high, urgent by name (high first)",
        "tests/test_task.py",
        (
            Edit(
                "app/services/listing.py",
                "    if isinstance(stored_as, Enum):\n",
                "    if False:\n",
            ),
        ),
        design="task-tracker",
        select="sorts",
    ),
    Mutation(
        "tasks-self-reference-unchecked",
        "a missing parent task is no longer a 422 naming parent_id",
        "tests/test_task.py",
        (Edit("app/services/task.py", '    "parent_id": ("Task", readable_task_ids),\n', ""),),
        design="task-tracker",
    ),
    # --- references name only rows the caller may read ---------------------------------------------
    Mutation(
        "reference-scope-dropped",
        "an engineer's time entry names a task only its owner and the leads may read (201)",
        "tests/test_time_entry.py",
        (
            Edit(
                "app/services/access.py",
                "    return statement.where(col(Task.owner_id) == user.id)\n",
                "    return statement\n",
            ),
        ),
        design="task-tracker",
        select="looks_missing",
    ),
    Mutation(
        "reference-unchecked-on-create",
        "a new time entry's task_id is checked for existence by the foreign key alone: another's "
        "task is accepted",
        "tests/test_time_entry.py",
        (
            Edit(
                "app/services/time_entry.py",
                "if value is None or value == getattr(current, column, None):",
                "if value is None or current is None:",
            ),
        ),
        design="task-tracker",
        select="looks_missing",
    ),
    Mutation(
        "field-writers-unchecked",
        "an engineer sets a task's priority, which only leads may set",
        "tests/test_task.py",
        (
            Edit(
                "app/services/task.py",
                "if column in sent and role not in roles:",
                "if column in sent and role is None:",
            ),
        ),
        design="task-tracker",
        select="may_set",
    ),
    Mutation(
        "inactive-account-named",
        "a task is assigned to a deactivated account",
        "tests/test_task.py",
        (
            Edit(
                "app/services/access.py",
                "statement = select(col(User.id)).where(col(User.is_active))",
                "statement = select(col(User.id))",
            ),
        ),
        design="task-tracker",
        select="active_account",
    ),
    Mutation(
        "account-name-hidden",
        "a task's response gives no display name for its assignee",
        "tests/test_task.py",
        (
            Edit(
                "app/models/task.py",
                "return None if self.assignee is None else self.assignee.full_name",
                "return None",
            ),
        ),
        design="task-tracker",
        select="active_account",
    ),
    Mutation(
        "parent-access-dropped",
        "a customer no longer reads the agents' comments on their own ticket",
        "tests/test_comment.py",
        (
            Edit(
                "app/services/access.py",
                "            col(Comment.ticket_id).in_(readable_ticket_ids(user)),\n",
                "",
            ),
        ),
        design="helpdesk",
        select="read_through",
    ),
    Mutation(
        "private-tag-linked",
        "a customer links another customer's private tag to their ticket",
        "tests/test_ticket.py",
        (
            Edit(
                "app/services/access.py",
                "    return statement.where(col(Tag.owner_id) == user.id)\n",
                "    return statement\n",
            ),
        ),
        design="helpdesk",
        select="looks_missing",
    ),
    Mutation(
        "reference-unchecked-on-patch",
        "a PATCH moves an engineer's time entry onto a task they may not read",
        "tests/test_time_entry.py",
        (
            Edit(
                "app/services/time_entry.py",
                "if value is None or value == getattr(current, column, None):",
                "if value is None or current is not None:",
            ),
        ),
        design="task-tracker",
        select="looks_missing",
    ),
    Mutation(
        "updated-at-not-moved",
        "a PATCH leaves a task's updated_at as it was",
        "tests/test_task.py",
        (
            Edit(
                "app/services/task.py",
                "        task.updated_at = datetime.now(UTC)\n",
                "        pass\n",
            ),
        ),
        design="task-tracker",
        select="created_at",
    ),
    Mutation(
        "created-at-from-the-body",
        "a task's created_at can be rewritten by a PATCH",
        "tests/test_task.py",
        (
            Edit(
                "app/models/task.py",
                "    done: StrictBool = Field(default=None)\n",
                "    done: StrictBool = Field(default=None)\n    created_at: UtcDatetime | None = None\n",
            ),
        ),
        design="task-tracker",
        select="created_at",
    ),
    # --- search (lending-library: a book's title and summary are searchable) ----------------------
    Mutation(
        "search-index-misses-updates",
        "a PATCH takes the old text out of the search index but never puts the new one in",
        "tests/test_book.py",
        (
            Edit(
                SEARCH_INDEX,
                'f"ON {source} BEGIN {remove} {add} END",',
                'f"ON {source} BEGIN {remove} END",',
            ),
        ),
        design="lending-library",
        select="q_",
    ),
    Mutation(
        "search-case-sensitive",
        "`q` finds text only in the case it was written in",
        "tests/test_book.py",
        (
            Edit(
                SEARCH_INDEX,
                "sa.func.instr(sa.func.lower(c), sa.func.lower(text))",
                "sa.func.instr(c, text)",
            ),
        ),
        design="lending-library",
        select="q_",
    ),
    Mutation(
        "search-index-case-sensitive",
        "the search index keeps letter case, so it never offers a row whose case differs from `q`",
        "tests/test_book.py",
        (Edit(SEARCH_INDEX, "tokenize='trigram', ", "tokenize='trigram case_sensitive 1', "),),
        design="lending-library",
        select="q_",
    ),
    # --- many-to-many links (lending-library: books carry shelf tags) -----------------------------
    Mutation(
        "link-filter-dropped",
        "`?shelf_tag_id=` answers with every book",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "        conditions.append(col(Book.id).in_(linked))\n", ""),),
        design="lending-library",
        select="tags",
    ),
    Mutation(
        "missing-link-ids-ignored",
        "tag ids that name no shelf tag are dropped instead of a 422",
        "tests/test_book.py",
        (Edit(BOOK_SERVICE, "    if missing:\n", "    if missing and not rows:\n"),),
        design="lending-library",
        select="shelf_tag_ids",
    ),
    Mutation(
        "patch-keeps-links",
        "a PATCH that sends shelf_tag_ids leaves the links as they were",
        "tests/test_book.py",
        (
            Edit(
                BOOK_SERVICE,
                '    if "shelf_tag_ids" in book_in.model_fields_set:\n',
                '    if "shelf_tag_ids" in book_in.model_fields_set and not book.tags:\n',
            ),
        ),
        design="lending-library",
        select="tags",
    ),
    # --- background jobs (lending-library: a loan's remind_borrower runs after create, update) -----
    Mutation(
        "job-not-enqueued-after-create",
        "a new loan never gets its remind_borrower job",
        "tests/test_jobs.py",
        (
            Edit(
                LOAN_SERVICE,
                "before=None)\n    enqueue(loan_jobs.remind_borrower, loan.id)\n",
                "before=None)\n",
            ),
        ),
        design="lending-library",
    ),
    Mutation(
        "job-not-enqueued-after-update",
        "a changed loan never gets its remind_borrower job",
        "tests/test_jobs.py",
        (
            Edit(
                LOAN_SERVICE,
                "before=before)\n    enqueue(loan_jobs.remind_borrower, loan.id)\n",
                "before=before)\n",
            ),
        ),
        design="lending-library",
    ),
    Mutation(
        "readyz-ignores-the-queue",
        "/readyz answers 200 while the job queue cannot be reached",
        "tests/test_jobs.py",
        (
            Edit(
                "app/routers/health.py",
                "    problem = problem or await run_in_threadpool(queue_problem)\n",
                "",
            ),
        ),
        design="lending-library",
        select="readyz",
    ),
    # --- field rules: ranges, minimum lengths, patterns ------------------------------------------
    Mutation(
        "range-not-validated-on-create",
        "a discount outside 0..100 reaches the database (the CHECK constraint answers 409)",
        "tests/test_group.py",
        (
            Edit(
                GROUP_MODELS,
                "default=0, ge=0, le=100, sa_type=Int64,",
                "default=0, sa_type=Int64,",
            ),
        ),
        design="shop-orders",
        select="outside",
    ),
    Mutation(
        "range-not-validated-on-update",
        "PATCH takes a discount outside 0..100",
        "tests/test_group.py",
        (
            Edit(
                GROUP_MODELS,
                "discount_percent: StrictInt = Field(default=None, ge=0, le=100)",
                "discount_percent: StrictInt = Field(default=None)",
            ),
        ),
        design="shop-orders",
        select="outside",
    ),
    Mutation(
        "check-constraint-dropped",
        "the database takes a one-letter group name written past the API",
        "tests/test_group.py",
        (
            Edit(
                GROUP_MODELS,
                '        CheckConstraint("length(name) >= 2", name="name_length_ge_2"),\n',
                "",
            ),
        ),
        design="shop-orders",
        select="database",
    ),
    Mutation(
        "enum-check-dropped",
        "the database takes an order status the design does not list, written past the API",
        "tests/test_order.py",
        (
            Edit(
                ORDER_MODELS,
                "        CheckConstraint(\n"
                "            \"status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')\",\n"
                '            name="status_in_70ade9d1",\n'
                "        ),\n",
                "",
            ),
        ),
        design="shop-orders",
        select="database",
    ),
    Mutation(
        "pattern-dropped",
        "a group code that does not match ^GRP-[0-9]{3}$ is stored",
        "tests/test_group.py",
        (Edit(GROUP_MODELS, '"pattern": r"^GRP-[0-9]{3}$", "examples"', '"examples"'),),
        design="shop-orders",
        select="outside",
    ),
    # --- connection limits ------------------------------------------------------------------------
    Mutation(
        "head-deadline-dropped",
        "the production server waits without end for a request's line and headers",
        "tests/test_serve.py",
        (
            Edit(
                CONNECTIONS,
                "self.loop.call_later(timeout, self._head_too_slow)",
                "self.loop.call_later(timeout, self._stop_waiting)",
            ),
        ),
    ),
    Mutation(
        "head-deadline-not-renewed",
        "after an answer, a kept-alive connection may send the next head a byte at a time forever",
        "tests/test_serve.py",
        (
            Edit(
                CONNECTIONS,
                "            self.answered = answered\n            self._await_head()\n",
                "            self.answered = answered\n",
            ),
        ),
    ),
    Mutation(
        "header-count-unchecked",
        "ten times MAX_HEADER_COUNT headers pass",
        "tests/test_requests.py",
        (
            Edit(
                MIDDLEWARE,
                "if len(headers) > self.max_count:",
                "if len(headers) > 10 * self.max_count:",
            ),
        ),
        select="431",
    ),
    Mutation(
        "header-size-unchecked",
        "headers of ten times MAX_HEADER_BYTES pass",
        "tests/test_requests.py",
        (Edit(MIDDLEWARE, "elif size > self.max_bytes:", "elif size > 10 * self.max_bytes:"),),
        select="431",
    ),
    Mutation(
        "body-deadline-dropped",
        "a body that stops arriving halfway is waited for without end",
        "tests/test_errors.py",
        (
            Edit(
                MIDDLEWARE,
                "anyio.fail_after(max(deadline - anyio.current_time(), 0))",
                "anyio.fail_after(None)",
            ),
        ),
        select="408",
    ),
    Mutation(
        "er-column-dropped",
        "the spec's ER diagram leaves out a column of the book table",
        "tests/test_api_spec.py",
        (Edit(SPEC, "        int pages\n", ""),),
    ),
    Mutation(
        "spec-example-broken",
        "the spec's example body of POST /books sends pages as a string, which the API refuses",
        "tests/test_api_spec.py",
        (
            Edit(
                SPEC,
                '/api/v1/books`: `{"title": "The Left Hand of Darkness", "isbn": "isbn-99", "pages": 109',
                '/api/v1/books`: `{"title": "The Left Hand of Darkness", "isbn": "isbn-99", "pages": "109"',
            ),
        ),
    ),
    Mutation(
        "spec-model-unlisted",
        "section 5's list of every model leaves out the BookGenre enum",
        "tests/test_api_spec.py",
        (Edit(SPEC, "| `BookGenre` |", "| — |"),),
    ),
]

BUILDS = sorted({mutation.build for mutation in MUTATIONS})


@pytest.fixture
def no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the rendered suite without this environment's pytest plugins (schemathesis, hypothesis,
    ...): the project depends on none, and importing them costs seconds a run."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def copy_project(project: Path, dst: Path) -> Path:
    return Path(shutil.copytree(project, dst, ignore=CACHES, symlinks=True))


def apply(project: Path, edit: Edit) -> None:
    target = project / edit.path
    text = target.read_text()
    count = text.count(edit.old)
    assert count == 1, (
        f"{edit.path}: the text to mutate occurs {count} times (the template changed? update the "
        f"catalogue):\n{edit.old}"
    )
    target.write_text(text.replace(edit.old, edit.new))


def run_suite(project: Path, *modules: str) -> Outcome:
    result: subprocess.CompletedProcess[str] = run_project_pytest(
        project, *PYTEST_ARGS, *modules, timeout=300
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else ""
    failed = [line for line in lines if line.startswith("FAILED ")]
    output = result.stdout[-4000:] + result.stderr[-2000:]
    return Outcome(result.returncode, summary, failed, output)


@pytest.mark.parametrize("mutation", [pytest.param(m, id=m.id) for m in MUTATIONS])
def test_the_rendered_suite_kills_the_mutation(
    rendered: Callable[..., Path], tmp_path: Path, no_plugins: None, mutation: Mutation
) -> None:
    project = copy_project(
        rendered(mutation.design, async_db=mutation.async_db), tmp_path / "project"
    )
    for edit in mutation.edits:
        apply(project, edit)
    selection = ("-k", mutation.select) if mutation.select else ()
    outcome = run_suite(project, mutation.module, *selection)
    assert outcome.returncode != 0, f"{mutation.id} ({mutation.breaks}) survived {mutation.module}"
    assert outcome.killed, (
        f"not a test failure (import, collection or setup error?):\n{outcome.output}"
    )


def test_the_catalogue_is_well_formed() -> None:
    # The kills are real: each build, unmutated, passes its whole suite in tests/test_projects.py
    # (the same render, through the same run_project_pytest), so no run here repeats that one.
    variants = {(p.values[0], p.values[1]) for p in VARIANTS if p.values[2] == "jwt"}
    assert set(BUILDS) <= variants, set(BUILDS) - variants
    ids = [mutation.id for mutation in MUTATIONS]
    assert len(ids) == len(set(ids)), "mutation ids must be unique"
    for mutation in MUTATIONS:
        assert re.fullmatch(r"[a-z0-9-]+", mutation.id), mutation.id
        assert mutation.edits and mutation.breaks, mutation.id
        assert re.fullmatch(r"tests/test_\w+\.py", mutation.module), mutation.id
        for edit in mutation.edits:
            assert edit.old != edit.new, mutation.id
