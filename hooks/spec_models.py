"""Section 5's facts: every table with each column and its type (the ER diagram), and every
model the API reads or writes, which is a table and which a request or response shape (DTO)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .design import Design
    from .resources import Resource


@dataclass(frozen=True)
class Column:
    """One attribute of an ER diagram's entity: `string isbn UK "unique with ..."`."""

    type: str  # Mermaid's word for it: the design's kind, compactly (`int`, `string`, `date`)
    name: str
    keys: str = ""  # `PK`, `FK`, `UK`, or several: `PK, FK`
    comment: str = ""


@dataclass(frozen=True)
class Entity:
    name: str  # the table model's class
    columns: tuple[Column, ...]


# The user table of a design with logins (app/models/user.py).
USER = Entity(
    "User",
    (
        Column("int", "id", "PK"),
        Column("string", "email", "UK"),
        Column("string", "full_name"),
        Column("string", "role"),
        Column("bool", "is_active"),
        Column("string", "hashed_password"),
        Column("int", "token_version"),
    ),
)


def resource_entity(resource: Resource) -> Entity:
    """Every column of a resource's table: the id, the design's fields (references `FK`, unique
    ones `UK`, members of a unique combination commented), the owner and the timestamps."""
    columns = [Column("int", "id", "PK")]
    for f in resource.fields:
        keys = ", ".join(["FK"] * (f.kind == "ref") + ["UK"] * f.unique)
        partners = [
            c for columns in resource.unique_together if f.column in columns for c in columns
        ]
        others = [c for c in dict.fromkeys(partners) if c != f.column]
        comment = f"unique with {' and '.join(others)}" if others else ""
        columns.append(Column(f.mermaid_type, f.column, keys, comment))
    if resource.owned:
        columns.append(Column("int", "owner_id", "FK"))
    columns += [Column(f.mermaid_type, f.column) for f in resource.timestamp_fields]
    return Entity(resource.class_name, tuple(columns))


def er_entities(design: Design) -> list[Entity]:
    """Every table of the design, link tables included, each with every column."""
    entities = [USER] if design.jwt else []
    for r in design.resources:
        entities.append(resource_entity(r))
        entities += [
            Entity(
                link.class_name,
                (
                    Column("int", link.owner_column, "PK, FK"),
                    Column("int", link.target_column, "PK, FK"),
                ),
            )
            for link in r.links
        ]
    return entities


@dataclass(frozen=True)
class ModelRow:
    """One row of section 5's model table: a table model and the shapes that map to it."""

    table: str  # the table model's class, or "" for shapes of no table
    table_name: str
    requests: tuple[str, ...]  # each "`Model` (what it is)"
    responses: tuple[str, ...]
    enums: tuple[str, ...]
    maps: str


def resource_row(resource: Resource) -> ModelRow:
    c = resource.class_name
    server = ["`id`"] + ["`owner_id`"] * resource.owned
    server += [f"`{f.column}`" for f in resource.timestamp_fields]
    extra = [f"`{link.ids_key}`" for link in resource.links]
    extra += [f"`{f.name_key}`" for f in resource.account_refs]
    public = f"`{c}Public` ← the row" + (f" and {', '.join(extra)}" if extra else "")
    return ModelRow(
        c,
        resource.table_name,
        (f"`{c}Create` (`POST` body)", f"`{c}Update` (`PATCH` body)"),
        (f"`{c}Public`", f"`{c}Page`"),
        tuple(f"`{f.enum_class}`" for f in resource.enums),
        f"`{c}Create` → a new row, the server setting {', '.join(server)}; `{c}Update` → the "
        f"fields it sends; {public}; `{c}Page` ← a page of them",
    )


def model_rows(design: Design) -> list[ModelRow]:
    """Every model of the API: each resource's ladder and link tables, the accounts and tokens
    (with logins), the health checks and the error body."""
    rows: list[ModelRow] = []
    for r in design.resources:
        rows.append(resource_row(r))
        rows += [
            ModelRow(
                link.class_name,
                link.table_name,
                (),
                (),
                (),
                f"`{link.ids_key}` of `{r.class_name}Create`, `{r.class_name}Update` and "
                f"`{r.class_name}Public`: one row per linked `{link.target}`",
            )
            for link in r.links
        ]
    if design.jwt:
        requests = ["`UserCreate` (`POST` body)"]
        requests += ["`UserRegister` (sign-up body)"] * design.open_signup
        requests += ["`UserUpdate` (`PATCH` body)", "`Body_login` (login form)"]
        rows.append(
            ModelRow(
                "User",
                "user",
                tuple(requests),
                ("`UserPublic`", "`UserPage`", "`Token`"),
                ("`Role`",),
                "`password` → `hashed_password` (argon2), never returned; `UserPublic` ← `id`, "
                "`email`, `full_name`, `role`, `is_active`; `Token` ← a signed JWT for the user",
            )
        )
    rows += [
        ModelRow(
            "", "", (), ("`Health`",), (), "`status`: `ok` (`/healthz`) or `ready` (`/readyz`)"
        ),
        ModelRow(
            "",
            "",
            (),
            ("`ErrorBody`", "`FieldError`"),
            (),
            "every error (section 7); a `422`'s `detail` is a list of `FieldError`",
        ),
    ]
    return rows
