"""The design model: raw Copier answers in, a validated and normalized API design out.

Everything the templates need to know about a resource — its names, its Python and SQL
types, its constraints and who may do what — is decided here, so the `.jinja` files only
place values. A design that cannot become a working project raises `DesignError` with
every problem found, each naming the resource and field and saying how to fix it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import keyword
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import inflect

ACTIONS = ("list", "read", "create", "update", "delete")
PERMISSION_KEYS = ("read", "create", "update", "delete")
SPECIAL_WORDS = ("public", "authenticated", "owner")
SCALAR_TYPES = (
    "str",
    "text",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
)
TYPE_LIST = "str, str(N), text, int, float, decimal, bool, date, datetime, uuid, email, url, enum(a, b, ...), ref <resource>"
FILTERABLE_KINDS = frozenset({"bool", "enum", "ref"})
SORTABLE_KINDS = frozenset(
    {"str", "int", "float", "decimal", "bool", "date", "datetime", "email", "enum", "ref"}
)
AUTH_MODES = ("jwt", "none")

IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
RESERVED_RESOURCE_NAMES = frozenset(
    # Built-in account model and the modules a project always has.
    {
        "user",
        "users",
        "auth",
        "app",
        "api",
        "api_router",
        "core",
        "db",
        "deps",
        "main",
        "health",
        "conftest",
    }
)
# Names a model class body or a query model already uses, or that would shadow a type name
# the generated models import.
RESERVED_FIELD_NAMES = frozenset(
    {
        "id",
        "owner_id",
        "owner",
        "offset",
        "limit",
        "sort",
        "metadata",
        "registry",
        "str",
        "int",
        "float",
        "bool",
        "date",
        "datetime",
        "decimal",
        "uuid",
        "list",
        "dict",
        "self",
        "cls",
        # locals of the generated services and tests
        "changes",
        "same",
        "taken",
        "detail",
        "session",
        "query",
        "client",
        "headers",
        "n",
        "response",
        "row",
        "rows",
        "statement",
    }
)
# Class names the generated modules import; a resource class of the same name would shadow them.
RESERVED_CLASS_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "Date",
        "Decimal",
        "Depends",
        "EmailStr",
        "Enum",
        "Field",
        "Grant",
        "HttpUrl",
        "Literal",
        "Path",
        "Query",
        "Request",
        "Response",
        "Security",
        "Session",
        "AsyncSession",
        "SQLModel",
        "StrEnum",
        "Text",
        "UUID",
        "User",
        "Settings",
        "Token",
        "ErrorBody",
        "FieldError",
    }
)
ENUM_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-]*$")
API_PREFIX = re.compile(r"^(/[a-z0-9][a-z0-9_\-]*)*$")
DEFAULT_DECIMAL = (12, 2)
SQLITE_INT_MIN, SQLITE_INT_MAX = -(2**63), 2**63 - 1

_inflect = inflect.engine()


class DesignError(ValueError):
    """A design that cannot become a working project; `problems` lists each reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        head = "The design cannot be rendered" + (
            ":" if len(self.problems) == 1 else f" ({len(self.problems)} problems):"
        )
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


# --------------------------------------------------------------------------- naming


def pascal(name: str) -> str:
    """`book_loan` -> `BookLoan`."""
    return "".join(part.capitalize() for part in name.split("_"))


def pluralize(name: str) -> str:
    """Plural of a snake_case name: only the last word changes (`book_category` -> `book_categories`)."""
    head, _, last = name.rpartition("_")
    plural = _inflect.plural_noun(last) or last + "s"
    return f"{head}_{plural}" if head else plural


def slugify(text: str) -> str:
    """`Lending Library` -> `lending-library`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def title_words(name: str) -> str:
    """`book_loan` -> `book loan`, for prose."""
    return name.replace("_", " ")


def _identifier_problem(kind: str, name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return f"{kind} name {name!r} must be a non-empty string"
    if not IDENTIFIER.match(name):
        return (
            f"{kind} name {name!r} is not snake_case: use lower-case letters, digits and single "
            "underscores, starting with a letter (e.g. 'book_loan')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{kind} name {name!r} is a Python keyword and would break the generated code: pick another word"
    return None


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class FieldSpec:
    """One field of a resource, fully resolved."""

    name: str
    kind: str  # one of SCALAR_TYPES, "enum" or "ref"
    optional: bool = False
    unique: bool = False
    max_length: int | None = None
    enum_values: tuple[str, ...] = ()
    ref: str | None = None  # the referenced resource's name
    default: Any = None
    has_default: bool = False
    description: str = ""
    example: Any = None
    has_example: bool = False
    resource: str = ""  # the owning resource's name
    # Filled in by Design once every resource is known.
    ref_table: str = ""
    ref_class: str = ""

    # -- names ---------------------------------------------------------------
    @property
    def column(self) -> str:
        """The attribute and column name: `author` (ref) -> `author_id`."""
        return f"{self.name}_id" if self.kind == "ref" else self.name

    @property
    def enum_class(self) -> str:
        return pascal(self.resource) + pascal(self.name)

    @property
    def label(self) -> str:
        return title_words(self.name)

    @property
    def enum_members(self) -> list[tuple[str, str]]:
        return [(_enum_member(v), v) for v in self.enum_values]

    # -- types ---------------------------------------------------------------
    @property
    def base_type(self) -> str:
        """The Python annotation without `| None`."""
        return {
            "str": "str",
            "text": "str",
            "int": "Int64",
            "float": "float",
            "decimal": "Decimal",
            "bool": "bool",
            "date": "date",
            "datetime": "AwareDatetime",
            "uuid": "UUID",
            "email": "EmailStr",
            "url": "HttpUrlStr",
            "enum": self.enum_class,
            "ref": "Int64",
        }[self.kind]

    @property
    def python_type(self) -> str:
        return f"{self.base_type} | None" if self.optional else self.base_type

    @property
    def update_type(self) -> str:
        """Every field of the Update model is optional."""
        return f"{self.base_type} | None"

    @property
    def json_type(self) -> str:
        """The type as the API shows it, for the spec."""
        return {
            "str": "string",
            "text": "string",
            "int": "integer",
            "float": "number",
            "decimal": "decimal string",
            "bool": "boolean",
            "date": "date (YYYY-MM-DD)",
            "datetime": "date-time (ISO 8601, with offset; returned in UTC)",
            "uuid": "uuid",
            "email": "email",
            "url": "url",
            "enum": "enum",
            "ref": "integer",
        }[self.kind]

    @property
    def sql_type(self) -> str:
        """The column type SQLAlchemy creates in SQLite, for the spec."""
        if self.kind in ("str", "email", "url"):
            return f"VARCHAR({self.max_length})" if self.max_length else "VARCHAR"
        return {
            "text": "TEXT",
            "int": "INTEGER",
            "float": "FLOAT",
            "decimal": "NUMERIC({},{})".format(*DEFAULT_DECIMAL),
            "bool": "BOOLEAN",
            "date": "DATE",
            "datetime": "DATETIME",
            "uuid": "CHAR(32)",
            "enum": f"VARCHAR({max(len(v) for v in self.enum_values)})"
            if self.enum_values
            else "VARCHAR",
            "ref": "INTEGER",
        }[self.kind]

    @property
    def design_type(self) -> str:
        """The field's type as the design language writes it."""
        if self.kind == "str" and self.max_length:
            return f"str({self.max_length})"
        if self.kind == "enum":
            return f"enum({', '.join(self.enum_values)})"
        if self.kind == "ref":
            return f"ref {self.ref}"
        return self.kind

    # -- constraints ---------------------------------------------------------
    @property
    def field_kwargs(self) -> list[str]:
        """Keyword arguments of `Field(...)` in the Base model, rendered as source."""
        kwargs: list[str] = []
        if self.has_default:
            kwargs.append(f"default={self.default_source}")
        elif self.optional:
            kwargs.append("default=None")
        if self.max_length:
            kwargs.append(f"max_length={self.max_length}")
        if self.kind == "decimal":
            kwargs += [f"max_digits={DEFAULT_DECIMAL[0]}", f"decimal_places={DEFAULT_DECIMAL[1]}"]
        if self.kind == "ref":
            kwargs.append(f'foreign_key="{self.ref_table}.id"')
            kwargs.append("index=True")
        if self.unique:
            kwargs.append("unique=True")
        if self.kind == "text":
            kwargs.append("sa_type=Text")
        if self.server_default is not None:
            kwargs.append(f'sa_column_kwargs={{"server_default": {self.server_default}}}')
        if self.description:
            kwargs.append(f"description={_py_str(self.description)}")
        if self.has_example:
            kwargs.append(f'schema_extra={{"examples": [{_example_source(self)}]}}')
        return kwargs

    @property
    def update_kwargs(self) -> list[str]:
        """`Field(...)` arguments of the Update model: validation only, no storage details."""
        kwargs = ["default=None"]
        if self.max_length:
            kwargs.append(f"max_length={self.max_length}")
        if self.kind == "decimal":
            kwargs += [f"max_digits={DEFAULT_DECIMAL[0]}", f"decimal_places={DEFAULT_DECIMAL[1]}"]
        return kwargs

    def declaration(self, indent: int = 4) -> str:
        """The Base model's line for this field, wrapped as ruff format would."""
        return _assign(f"{self.column}: {self.python_type}", self.field_kwargs, indent)

    def update_declaration(self, indent: int = 4) -> str:
        return _assign(f"{self.column}: {self.update_type}", self.update_kwargs, indent)

    @property
    def default_source(self) -> str:
        """The default as Python source."""
        return _literal_source(self, self.default)

    @property
    def server_default(self) -> str | None:
        """A SQL default for the column, as Python source, so a migration can fill existing rows."""
        if not self.has_default or self.default is None:
            return None
        value = self.default
        if isinstance(value, bool):
            return '"1"' if value else '"0"'
        if self.kind == "enum":
            return _py_str(_enum_member(value))  # SQLAlchemy stores an enum member's name
        if isinstance(value, dt.datetime):
            return _py_str(value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
        if isinstance(value, dt.date):
            return _py_str(value.isoformat())
        if isinstance(value, uuid.UUID):
            return _py_str(value.hex)
        return _py_str(str(value))

    @property
    def migration_type(self) -> str:
        """The column type as the first migration writes it: what SQLModel derives from the model."""
        if self.kind in ("str", "email", "url"):
            length = f"length={self.max_length}" if self.max_length else ""
            return f"sqlmodel.sql.sqltypes.AutoString({length})"
        if self.kind == "enum":
            members = ", ".join(_py_str(m) for m, _ in self.enum_members)
            return f'sa.Enum({members}, name="{self.enum_class.lower()}")'
        return {
            "text": "sa.Text()",
            "int": "sa.Integer()",
            "float": "sa.Float()",
            "decimal": "sa.Numeric(precision={}, scale={})".format(*DEFAULT_DECIMAL),
            "bool": "sa.Boolean()",
            "date": "sa.Date()",
            "datetime": "sqlmodel.sql.sqltypes.UTCDateTime()",
            "uuid": "sa.Uuid()",
            "ref": "sa.Integer()",
        }[self.kind]

    @property
    def migration_column(self) -> list[str]:
        args = [_py_str(self.column), self.migration_type, f"nullable={self.optional}"]
        if self.server_default is not None:
            args.append(f"server_default={self.server_default}")
        return args

    @property
    def constraints(self) -> list[str]:
        """Plain-language constraints, for the spec."""
        notes: list[str] = []
        notes.append("optional (null allowed)" if self.optional else "required")
        if self.max_length:
            notes.append(f"max {self.max_length} characters")
        if self.kind == "decimal":
            notes.append("{} digits, {} decimal places".format(*DEFAULT_DECIMAL))
        if self.unique:
            notes.append("unique")
        if self.kind == "enum":
            notes.append("one of " + ", ".join(f"`{v}`" for v in self.enum_values))
        if self.kind == "ref":
            notes.append(f"foreign key to `{self.ref_table}.id`")
        if self.has_default:
            notes.append(f"default `{_display(self.default)}`")
        return notes

    @property
    def query_declaration(self) -> str:
        """The list query's filter on this field: exact match, omitted means any."""
        return _assign(f"{self.column}: {self.base_type} | None", ["default=None"], 4)

    @property
    def filterable(self) -> bool:
        return self.kind in FILTERABLE_KINDS

    @property
    def sortable(self) -> bool:
        return self.kind in SORTABLE_KINDS

    @property
    def test_value(self) -> str:
        """Python source of a valid value for the generated tests, distinct for each `n`."""
        name = self.name.replace("_", "-")
        if self.kind == "str":
            room = (self.max_length or 60) - 4
            return f'f"{name[:room]}-{{n}}"' if room > 0 else "str(n)"
        return {
            "text": f'f"Some {self.label} text {{n}}."',
            "int": "10 + n",
            "float": "1.5 + n",
            "decimal": 'f"{12 + n}.50"',
            "bool": "n % 2 == 0",
            "date": 'f"2025-01-{1 + n % 28:02d}"',
            "datetime": 'f"2025-01-{1 + n % 28:02d}T09:30:00Z"',
            "uuid": 'f"00000000-0000-4000-8000-{n:012d}"',
            "email": f'f"{name[:20]}{{n}}@example.com"',
            "url": f'f"https://example.com/{name}/{{n}}"',
            "enum": f'"{self.enum_values[0]}"' if self.enum_values else '""',
        }[self.kind]

    @property
    def changed_value(self) -> str:
        """Python source of a valid value that `test_value` gives for no small `n`, for update tests."""
        if self.kind == "enum":
            return f'"{self.enum_values[-1]}"'
        if self.kind == "bool":
            return "False"
        value = eval(self.test_value, {}, {"n": 99})  # our own expression, see test_value
        return _py_str(value) if isinstance(value, str) else repr(value)


LINE_LENGTH = 100


def wrap_call(
    head: str, args: Sequence[str], indent: int = 0, tail: str = ")", *, hug: bool = True
) -> str:
    """`head(args)` as ruff format lays it out: on one line if it fits; else, for a statement (`hug`),
    the arguments together on the next line if they fit there; else one argument a line."""
    pad = " " * indent
    one_line = f"{pad}{head}{', '.join(args)}{tail}"
    if len(one_line) <= LINE_LENGTH or not args:
        return one_line
    hugged = f"{pad}    {', '.join(args)}"
    lone_parameter = head.lstrip().startswith(("def ", "async def ")) and len(args) == 1
    if hug and not lone_parameter and len(hugged) <= LINE_LENGTH:
        return f"{pad}{head}\n{hugged}\n{pad}{tail}"
    inner = "".join(_wrap_argument(arg, indent + 4) for arg in args)
    return f"{pad}{head}\n{inner}{pad}{tail}"


def _wrap_argument(arg: str, indent: int) -> str:
    """One argument on its own line; a call that is still too long is wrapped in turn (a lone
    argument on the next line, several one a line, as ruff format does inside a split list)."""
    line = f"{' ' * indent}{arg},"
    call = re.fullmatch(r"((?:\w+=)?[\w.]+\()(.*)\)", arg)
    if len(line) <= LINE_LENGTH or call is None:
        return line + "\n"
    inner = _split_args(call[2])
    return wrap_call(call[1], inner, indent, "),", hug=len(inner) == 1) + "\n"


def wrap_condition(keyword: str, operands: Sequence[str], indent: int, joiner: str = "and") -> str:
    """`if a and b:` on one line if it fits, else ruff format's parenthesized one-operand-a-line layout."""
    pad = " " * indent
    one_line = f"{pad}{keyword} {f' {joiner} '.join(operands)}:"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    lines = [f"{pad}    {operands[0]}", *(f"{pad}    {joiner} {op}" for op in operands[1:])]
    return f"{pad}{keyword} (\n" + "\n".join(lines) + f"\n{pad}):"


def import_line(module: str, names: Sequence[str]) -> str:
    """A `from ... import` as ruff's isort writes it: one line if it fits, else one name a line."""
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    inner = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{inner})"


def _assign(target: str, kwargs: Sequence[str], indent: int) -> str:
    """A model field's line, laid out as ruff format would when it is too long."""
    pad = " " * indent
    if len(kwargs) == 1 and kwargs[0].startswith("default="):
        value = kwargs[0].removeprefix("default=")
        line = f"{pad}{target} = {value}"
        call = re.fullmatch(r"([\w.]+\()(.*)\)", value)
        if len(line) <= LINE_LENGTH or re.fullmatch(r"[\w]+\.[\w.]+", value):
            return line  # fits, or an attribute ruff leaves as it is
        if call:
            return wrap_call(f"{target} = {call[1]}", _split_args(call[2]), indent)
        name, _, annotation = target.partition(": ")
        return f"{pad}{name}: (\n{pad}    {annotation}\n{pad}) = {value}"
    if kwargs:
        return wrap_call(f"{target} = Field(", kwargs, indent)
    line = pad + target
    if len(line) <= LINE_LENGTH:
        return line
    name, _, annotation = target.partition(": ")
    return f"{pad}{name}: (\n{pad}    {annotation}\n{pad})"


def _py_str(text: str) -> str:
    """A double-quoted Python string literal, as ruff format writes it."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, uuid.UUID, decimal.Decimal)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    return value


def _literal_source(spec: FieldSpec, value: Any) -> str:
    if value is None:
        return "None"
    if spec.kind == "enum":
        return f"{spec.enum_class}.{_enum_member(value)}"
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f'Decimal("{value}")'
    if isinstance(value, dt.datetime):
        return f"datetime.fromisoformat({_py_str(value.isoformat())})"
    if isinstance(value, dt.date):
        return f"date.fromisoformat({_py_str(value.isoformat())})"
    if isinstance(value, uuid.UUID):
        return f"UUID({_py_str(str(value))})"
    return _py_str(str(value))


def _example_source(spec: FieldSpec) -> str:
    """Examples are shown as JSON in OpenAPI, so they are rendered as JSON-ready literals."""
    value = _jsonable(spec.example)
    if isinstance(value, str):
        return _py_str(value)
    return repr(value)


def _enum_member(value: str) -> str:
    """Enum member name for a value: `in-progress` -> `in_progress`; Python keywords get a trailing `_`."""
    member = re.sub(r"[^A-Za-z0-9_]", "_", value)
    if member[0].isdigit():
        member = "v_" + member
    if (
        keyword.iskeyword(member)
        or keyword.issoftkeyword(member)
        or member in ("mro", "name", "value")
    ):
        member += "_"
    return member


_TYPE_RE = re.compile(
    r"""^\s*
    (?P<type>str\s*\(\s*(?P<len>-?\d+)\s*\)|enum\s*\((?P<values>[^)]*)\)|ref\s+(?P<ref>\S+?)|[A-Za-z_][A-Za-z0-9_]*)
    \s*(?P<optional>\?)?
    (?P<mods>(\s+[A-Za-z_]+)*)
    \s*$""",
    re.VERBOSE,
)


def parse_field(resource: str, name: str, raw: object) -> tuple[FieldSpec | None, list[str]]:
    """Parse one field of the design language; return the field or the problems found."""
    where = f"resource '{resource}', field '{name}'"
    problems: list[str] = []
    description, example, has_example = "", None, False
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - {"type", "description", "example"})
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a field mapping takes type, description, example"
            )
        if "type" not in raw:
            return None, [
                *problems,
                f'{where}: a field mapping needs a `type:` (e.g. type: "str(200)")',
            ]
        description = str(raw.get("description") or "").strip()
        has_example = "example" in raw
        example = raw.get("example")
        raw = raw["type"]
    if not isinstance(raw, str):
        return None, [
            *problems,
            f"{where}: the type must be a string like 'str(200)' or 'int?', not {raw!r}",
        ]
    text, _, default_text = raw.partition("=")
    has_default = bool(_)
    match = _TYPE_RE.match(text)
    if not match:
        return None, [*problems, f"{where}: cannot read the type {raw!r}; valid types: {TYPE_LIST}"]
    type_text = match["type"]
    optional = bool(match["optional"])
    mods = match["mods"].split()
    unique = False
    for mod in mods:
        if mod == "unique":
            unique = True
        else:
            problems.append(
                f"{where}: unknown modifier {mod!r}; the modifiers are `?` (optional), `unique` and `= default`"
            )
    max_length: int | None = None
    enum_values: tuple[str, ...] = ()
    ref: str | None = None
    if match["len"] is not None:
        kind = "str"
        max_length = int(match["len"])
        if max_length < 1:
            problems.append(
                f"{where}: str({max_length}) allows no text; give a length of 1 or more, e.g. str(200)"
            )
    elif match["values"] is not None:
        kind = "enum"
        values = [v.strip() for v in match["values"].split(",") if v.strip()]
        if not values:
            problems.append(
                f"{where}: enum() has no values; list them, e.g. enum(draft, published)"
            )
        bad = [v for v in values if not ENUM_VALUE.match(v)]
        if bad:
            problems.append(
                f"{where}: enum value(s) {', '.join(map(repr, bad))} are not plain words; use letters, digits, '_' and '-'"
            )
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            problems.append(
                f"{where}: enum value(s) {', '.join(map(repr, dupes))} are listed twice; list each once"
            )
        members = [_enum_member(v) for v in values]
        if len(set(members)) != len(members) and not dupes:
            problems.append(
                f"{where}: enum values {values} differ only in '-' and '_'; make them distinct"
            )
        enum_values = tuple(values)
    elif match["ref"] is not None:
        kind = "ref"
        ref = match["ref"]
    else:
        kind = type_text
        if kind not in SCALAR_TYPES:
            return None, [*problems, f"{where}: unknown type {kind!r}; valid types: {TYPE_LIST}"]
    spec = FieldSpec(
        name=name,
        kind=kind,
        optional=optional,
        unique=unique,
        max_length=max_length,
        enum_values=enum_values,
        ref=ref,
        description=description,
        resource=resource,
    )
    if has_default:
        if kind == "ref":
            problems.append(
                f"{where}: a ref cannot have a default; make it optional with `?` instead"
            )
        else:
            value, problem = _coerce(spec, default_text.strip(), "default")
            if problem:
                problems.append(f"{where}: {problem}")
            else:
                spec = replace(spec, default=value, has_default=True)
    if has_example:
        value, problem = _coerce(spec, example, "example")
        if problem:
            problems.append(f"{where}: {problem}")
        else:
            spec = replace(spec, example=value, has_example=True)
    if unique and kind in ("bool", "text"):
        problems.append(f"{where}: a {kind} field cannot be unique; drop `unique`")
    return (None if problems else spec), problems


def _coerce(spec: FieldSpec, raw: Any, what: str) -> tuple[Any, str | None]:
    """Turn a default or example into a value of the field's type, or say why it does not fit."""
    text = raw if isinstance(raw, str) else None
    if text is not None:
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
    if text is not None and text.lower() in ("null", "none", "~"):
        if spec.optional:
            return None, None
        return (
            None,
            f"{what} null does not fit a required field; mark the field optional with `?` or give a value",
        )
    try:
        value = _convert(spec, raw if text is None else text)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return None, f"{what} {raw!r} does not fit type {spec.design_type}: {exc}"
    return value, None


def _convert(spec: FieldSpec, raw: Any) -> Any:
    kind = spec.kind
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "false"):
            return str(raw).lower() == "true"
        raise ValueError("write true or false")
    if kind == "int":
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError("expected a whole number")
        whole = int(raw) if isinstance(raw, float) else int(str(raw))
        if not SQLITE_INT_MIN <= whole <= SQLITE_INT_MAX:
            raise ValueError("outside the 64-bit range SQLite stores")
        return whole
    if kind == "float":
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        return float(raw)
    if kind == "decimal":
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        number = decimal.Decimal(str(raw))
        if not number.is_finite():
            raise ValueError("expected a finite number")
        digits, places = DEFAULT_DECIMAL
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"at most {places} decimal places")
        if number.adjusted() + 1 > digits - places:
            raise ValueError(f"at most {digits - places} digits before the point")
        return number
    if kind == "date":
        return (
            raw
            if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime)
            else dt.date.fromisoformat(str(raw))
        )
    if kind == "datetime":
        moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if kind == "uuid":
        return uuid.UUID(str(raw))
    if kind == "enum":
        if str(raw) not in spec.enum_values:
            raise ValueError(f"expected one of {', '.join(spec.enum_values)}")
        return str(raw)
    if not isinstance(raw, str):
        raise ValueError("expected text")
    if kind == "str" and spec.max_length and len(raw) > spec.max_length:
        raise ValueError(f"longer than {spec.max_length} characters")
    if kind == "email" and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", raw):
        raise ValueError("not an email address")
    if kind == "url" and not re.match(r"^https?://[^\s/]+", raw):
        raise ValueError("not an http(s) URL")
    return raw


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Rule:
    """Who may perform one action on a resource."""

    action: str
    words: tuple[str, ...]  # as written (or defaulted), in design order
    admin_role: str

    @property
    def public(self) -> bool:
        return "public" in self.words

    @property
    def authenticated(self) -> bool:
        return not self.public and "authenticated" in self.words

    @property
    def owner(self) -> bool:
        return not self.public and not self.authenticated and "owner" in self.words

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles allowed on every row: the administrator first, then the design's roles."""
        named = [w for w in self.words if w not in SPECIAL_WORDS and w != self.admin_role]
        return (self.admin_role, *named)

    @property
    def scopes(self) -> tuple[str, ...]:
        """What the route demands as OAuth2 scopes: empty for public or any logged-in user."""
        if self.public or self.authenticated:
            return ()
        return (*self.roles, *(("owner",) if self.owner else ()))

    @property
    def summary(self) -> str:
        """Who may, in words, for the spec."""
        if self.public:
            return "public"
        if self.authenticated:
            return "authenticated"
        who = ", ".join(f"`{r}`" for r in self.roles)
        return f"{who}, owner" if self.owner else who


@dataclass(frozen=True)
class Endpoint:
    """One route: what the router renders and the spec documents, from the same data."""

    action: str
    method: str
    path: str  # below the API prefix, e.g. /books/{book_id}
    function: str
    summary: str
    status: int
    errors: tuple[int, ...]
    auth: str  # "public", "authenticated" or a summary of roles
    scopes: tuple[str, ...]
    public: bool
    request_model: str | None
    response_model: str | None
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    decorator: str = ""
    signature: str = ""
    body: str = ""


STATUS_NAMES = {
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    204: "HTTP_204_NO_CONTENT",
}


@dataclass(frozen=True)
class Resource:
    name: str
    plural: str
    description: str
    owned: bool
    fields: tuple[FieldSpec, ...]
    rules: Mapping[str, Rule]

    @property
    def class_name(self) -> str:
        return pascal(self.name)

    @property
    def table_name(self) -> str:
        return self.name

    @property
    def explicit_table_name(self) -> str | None:
        """`__tablename__` only where SQLModel's default (the lower-cased class name) differs."""
        return None if self.class_name.lower() == self.table_name else self.table_name

    @property
    def label(self) -> str:
        return title_words(self.name)

    @property
    def plural_label(self) -> str:
        return title_words(self.plural)

    @property
    def path(self) -> str:
        """The URL segment: `book_loans` -> `/book-loans`."""
        return "/" + self.plural.replace("_", "-")

    @property
    def id_param(self) -> str:
        return f"{self.name}_id"

    @property
    def tag(self) -> str:
        return self.plural.replace("_", "-")

    @property
    def generated_class_names(self) -> dict[str, str]:
        c = self.class_name
        names = {
            c: "table model",
            f"{c}Base": "shared fields",
            f"{c}Create": "create body",
            f"{c}Update": "update body",
            f"{c}Public": "response model",
            f"{c}Page": "page model",
            f"{c}Query": "list query",
            f"{c}Sort": "sort keys",
        }
        for f in self.fields:
            if f.kind == "enum":
                names[f.enum_class] = f"enum of field '{f.name}'"
        return names

    @property
    def refs(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == "ref")

    @property
    def enums(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == "enum")

    @property
    def unique_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def filters(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.filterable)

    @property
    def sort_columns(self) -> tuple[str, ...]:
        return ("id", *(f.column for f in self.fields if f.sortable))

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """Every `sort=` value the list endpoint accepts."""
        columns = ["id", *(f.column for f in self.fields if f.sortable)]
        return tuple(key for c in columns for key in (c, f"-{c}"))

    @property
    def required_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.optional and not f.has_default)

    @property
    def python_imports(self) -> list[str]:
        """The model module's standard-library and pydantic imports, sorted as ruff's isort does."""
        kinds = {f.kind for f in self.fields}
        lines: list[str] = []
        with_default = {f.kind for f in self.fields if f.has_default and f.default is not None}
        dates = sorted({"date"} & kinds | {"datetime"} & with_default)
        if dates:
            lines.append(f"from datetime import {', '.join(dates)}")
        if "decimal" in kinds:
            lines.append("from decimal import Decimal")
        if "enum" in kinds:
            lines.append("from enum import StrEnum")
        lines.append("from typing import Literal")
        if "uuid" in kinds:
            lines.append("from uuid import UUID")
        return lines

    @property
    def pydantic_imports(self) -> str:
        names = ["AwareDatetime"] if any(f.kind == "datetime" for f in self.fields) else []
        names += (["EmailStr"] if self.uses_email else []) + (
            ["field_validator"] if self.not_null_on_update else []
        )
        return ", ".join(names)

    @property
    def types_import(self) -> str:
        """What the model module takes from app.models.types."""
        names = (
            ["Int64", "Offset"]
            if any(f.kind in ("int", "ref") for f in self.fields)
            else ["Offset"]
        )
        if self.uses_url:
            names.insert(0, "HttpUrlStr")
        return import_line("app.models.types", names)

    @property
    def sqlmodel_imports(self) -> str:
        return ", ".join(["Field", "SQLModel", *(["Text"] if self.uses_text else [])])

    @property
    def not_null_on_update(self) -> tuple[str, ...]:
        """Columns a PATCH may leave out but not set to null."""
        return tuple(f.column for f in self.fields if not f.optional)

    @property
    def update_not_null(self) -> str:
        """The decorator line that rejects null for those columns."""
        if not self.not_null_on_update:
            return ""
        return wrap_call(
            "@field_validator(", [f'"{c}"' for c in self.not_null_on_update], 4
        ).strip()

    @property
    def sort_alias(self) -> str:
        """`BookSort = Literal[...]`: every accepted `sort=` value, one a line so diffs stay small."""
        keys = "".join(f'    "{key}",\n' for key in self.sort_keys)
        return f"{self.class_name}Sort = Literal[\n{keys}]"

    @property
    def required_refs(self) -> tuple[FieldSpec, ...]:
        """Refs a new row must set: the generated tests create those rows first."""
        return tuple(f for f in self.refs if not f.optional)

    @property
    def testable_filters(self) -> tuple[FieldSpec, ...]:
        """Filters the generated tests can exercise: optional refs stay null in test rows."""
        return tuple(f for f in self.filters if not (f.kind == "ref" and f.optional))

    @property
    def patch_field(self) -> FieldSpec | None:
        """The field the generated update tests change: a plain one, so no other rule interferes."""
        plain = [f for f in self.fields if f.kind != "ref" and not f.unique]
        return plain[0] if plain else None

    def access(self, action: str, role: str | None) -> int:
        """The status a caller of `role` (None: no token) gets for `action` on a row they did not create."""
        success = {"create": 201, "list": 200, "read": 200, "update": 200, "delete": 204}[action]
        rule = self.rule(action)
        if rule.public:
            return success
        if role is None:
            return 401
        if rule.authenticated or role in rule.roles:
            return success
        if rule.owner:
            return success if action == "list" else 404
        return 403

    def permission_cases(self, roles: Sequence[str]) -> list[tuple[str, str | None, int]]:
        return [
            (a, role, self.access(a, role))
            for a in ("create", "list", "read", "update", "delete")
            for role in (None, *roles)
        ]

    def owner_only_role(self, roles: Sequence[str]) -> str | None:
        """A role that may create rows but reaches them only as their owner, for the isolation test."""
        for role in roles:
            if self.access("create", role) == 201 and self.access("read", role) == 404:
                return role
        return None

    @staticmethod
    def test_imports(names: Sequence[str]) -> str:
        """`from tests.conftest import ...` in isort's order: constants, classes, then functions."""

        def order(name: str) -> tuple[int, str]:
            kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
            return kind, name

        return import_line("tests.conftest", sorted(names, key=order))

    @property
    def has_checks(self) -> bool:
        """Whether writes need the service's own checks (references, unique values)."""
        return bool(self.refs or self.unique_fields)

    @property
    def ref_imports(self) -> list[tuple[str, str]]:
        """(module, class) of every other resource a ref points at, sorted for isort."""
        return sorted({(f.ref, f.ref_class) for f in self.refs if f.ref and f.ref != self.name})

    def service_error_imports(self, referencing: Sequence[object]) -> str:
        names = ["NotFound"]
        if self.unique_fields or referencing:
            names.insert(0, "Conflict")
        if self.refs:
            names.insert(-1, "InvalidInput")
        return ", ".join(names)

    @staticmethod
    def referenced_by_text(referencing: Sequence[tuple[Resource, FieldSpec]]) -> str:
        return " or ".join(dict.fromkeys(r.plural_label for r, _ in referencing))

    @property
    def all_public(self) -> bool:
        return all(rule.public for rule in self.rules.values())

    @property
    def service_model_imports(self) -> str:
        """The service's imports from app.models: its own module and those its refs point at, sorted."""
        lines = {
            f"app.models.{module}": import_line(f"app.models.{module}", [cls])
            for module, cls in self.ref_imports
        }
        lines[f"app.models.{self.name}"] = self.model_import
        return "\n".join(line for _, line in sorted(lines.items()))

    @property
    def a_label(self) -> str:
        """`a book`, `an author`."""
        return str(_inflect.a(self.label))

    @property
    def references_constant(self) -> str:
        """The service's map of each ref column to the model it points at."""
        pairs = [f'"{f.column}": {f.ref_class}' for f in self.refs]
        return wrap_call("REFERENCES: dict[str, type[SQLModel]] = {", pairs, 0, "}")

    @property
    def check_constants(self) -> list[str]:
        """What the service's `_check` walks: ref columns and their models, unique columns."""
        lines = [self.references_constant] if self.refs else []
        columns = [f'"{f.column}"' for f in self.unique_fields]
        if len(columns) == 1:
            lines.append(f"UNIQUE_COLUMNS = ({columns[0]},)")
        elif columns:
            lines.append(wrap_call("UNIQUE_COLUMNS = (", columns, 0, ")"))
        return lines

    @property
    def rules_import(self) -> str:
        return import_line(f"app.rules.{self.name}", [f"check_{self.name}"])

    @property
    def model_import(self) -> str:
        """What the router and the service import from the resource's model module."""
        c = self.class_name
        names = [c, f"{c}Create", f"{c}Page", f"{c}Public", f"{c}Query", f"{c}Update"]
        return import_line(f"app.models.{self.name}", names)

    @property
    def uses_text(self) -> bool:
        return any(f.kind == "text" for f in self.fields)

    @property
    def uses_email(self) -> bool:
        return any(f.kind == "email" for f in self.fields)

    @property
    def uses_url(self) -> bool:
        return any(f.kind == "url" for f in self.fields)

    def rule(self, action: str) -> Rule:
        return self.rules["read" if action == "list" else action]

    def scope_constants(self, jwt: bool) -> list[str]:
        """`READ_SCOPES = [...]` and the like: who may, once at the top of the router."""
        if not jwt:
            return []
        return [
            wrap_call(f"{action.upper()}_SCOPES = [", [f'"{s}"' for s in rule.scopes], 0, "]")
            for action, rule in self.rules.items()
            if rule.scopes
        ]

    def endpoints(self, *, jwt: bool, referenced: bool, async_db: bool) -> tuple[Endpoint, ...]:
        """The five CRUD routes, in the order the router declares them."""
        actions = ("create", "list", "read", "update", "delete")
        return tuple(
            self._endpoint(a, jwt=jwt, referenced=referenced, async_db=async_db) for a in actions
        )

    def _endpoint(self, action: str, *, jwt: bool, referenced: bool, async_db: bool) -> Endpoint:
        c, n = self.class_name, self.name
        rule = self.rule(action)
        public = rule.public or not jwt
        one = f"{self.path}/{{{self.id_param}}}"
        method, path, status, function = {
            "create": ("POST", self.path, 201, f"create_{n}"),
            "list": ("GET", self.path, 200, f"list_{self.plural}"),
            "read": ("GET", one, 200, f"read_{n}"),
            "update": ("PATCH", one, 200, f"update_{n}"),
            "delete": ("DELETE", one, 204, f"delete_{n}"),
        }[action]
        errors: list[int] = [400] if action in ("create", "update") else []
        if not public:
            errors.append(401)
            if rule.scopes and not rule.owner:
                errors.append(403)
        if action in ("read", "update", "delete"):
            errors.append(404)
        if (action in ("create", "update") and self.unique_fields) or (
            action == "delete" and referenced
        ):
            errors.append(409)
        errors.append(422)
        a_label = _inflect.a(self.label)
        summary = {
            "create": f"Create {a_label}",
            "list": f"List {self.plural_label}",
            "read": f"Read one {self.label}",
            "update": f"Change some fields of {a_label}",
            "delete": f"Delete {a_label}",
        }[action]
        request_model = {"create": f"{c}Create", "update": f"{c}Update"}.get(action)
        response_model = {
            "create": f"{c}Public",
            "list": f"{c}Page",
            "read": f"{c}Public",
            "update": f"{c}Public",
        }.get(action)
        # -- source of the route ------------------------------------------------
        constant = f"{rule.action.upper()}_SCOPES"
        security = (
            f"Security(authorize, scopes={constant})" if rule.scopes else "Security(authorize)"
        )
        needs_grant = not public and self.owned and (rule.owner or action == "create")
        decorator_args = [f'"{path.removeprefix(self.path)}"']
        decorator_args.append(f"status_code=status.{STATUS_NAMES[status]}")
        if response_model:
            decorator_args.append(f"response_model={response_model}")
        if not public and not needs_grant:
            decorator_args.append(f"dependencies=[{security}]")
        decorator_args.append(f"responses=error_responses({', '.join(map(str, errors))})")
        params = ["session: SessionDep"]
        if needs_grant:
            params.append(f"grant: Annotated[Grant, {security}]")
        if action in ("read", "update", "delete"):
            params.append(f"{self.id_param}: RowId")
        if action == "list":
            params.append(f"query: Annotated[{c}Query, Query()]")
        if request_model:
            params.append(f"{n}_in: {request_model}")
        returns = {"list": f"{c}Page", "delete": "None"}.get(action, c)
        owner_kw = ["owner_id=grant.owner_id"] if needs_grant and action != "create" else []
        find = ["session=session", f"{self.id_param}={self.id_param}", *owner_kw]
        aw = "await " if async_db else ""
        if action == "create":
            kw = [
                "session=session",
                f"{n}_in={n}_in",
                *(["owner_id=grant.user_id"] if needs_grant else []),
            ]
            body = [wrap_call(f"return {aw}service.create_{n}(", kw, 4)]
        elif action == "list":
            body = [
                wrap_call(
                    f"return {aw}service.list_{self.plural}(",
                    ["session=session", "query=query", *owner_kw],
                    4,
                )
            ]
        elif action == "read":
            body = [wrap_call(f"return {aw}service.get_{n}(", find, 4)]
        elif action == "update":
            body = [
                wrap_call(f"{n} = {aw}service.get_{n}(", find, 4),
                wrap_call(
                    f"return {aw}service.update_{n}(",
                    ["session=session", f"{n}={n}", f"{n}_in={n}_in"],
                    4,
                ),
            ]
        else:
            body = [
                wrap_call(f"{n} = {aw}service.get_{n}(", find, 4),
                wrap_call(f"{aw}service.delete_{n}(", ["session=session", f"{n}={n}"], 4),
            ]
        return Endpoint(
            action=action,
            method=method,
            path=path,
            function=function,
            summary=summary,
            status=status,
            errors=tuple(errors),
            auth="public" if public else rule.summary,
            scopes=() if public else rule.scopes,
            public=public,
            request_model=request_model,
            response_model=response_model,
            path_params=(self.id_param,) if action in ("read", "update", "delete") else (),
            query_params=("offset", "limit", "sort", *(f.column for f in self.filters))
            if action == "list"
            else (),
            decorator=wrap_call(f"@router.{method.lower()}(", decorator_args, 0),
            signature=wrap_call(
                f"{'async ' if async_db else ''}def {function}(", params, 0, f") -> {returns}:"
            ),
            body="\n".join(body),
        )


# --------------------------------------------------------------------------- design

# Alembic's files, rendered for every design (the first migration creates the design's tables).
MIGRATION_FILES = (
    "alembic.ini",
    "migrations/env.py",
    "migrations/script.py.mako",
    "migrations/versions/0001_initial.py",
)
FOLDER_NOTES = {
    "app": "the application package",
    "app/core": "settings, security, errors, middleware",
    "app/models": "SQLModel models: one module per resource",
    "app/rules": "your business rules: created once, never overwritten",
    "app/routers": "HTTP endpoints: one APIRouter per resource",
    "app/services": "data access and checks: keyword-only functions",
    "docs": "this specification",
    "migrations": "Alembic environment and migrations",
    "migrations/versions": "one file per schema change",
    "tests": "pytest suite, no server needed",
}
FILE_NOTES = {
    ".copier-answers.yml": "the design (Copier's answers); change it with `copier update`",
    ".env.example": "every setting, documented",
    "alembic.ini": "Alembic configuration",
    "pyproject.toml": "dependencies and tool settings",
    "app/main.py": "create_app(): lifespan, middleware, error handlers, routers",
    "app/migrate.py": "python -m app.migrate: back up, generate and apply a migration",
    "app/db.py": "engine, SQLite pragmas, session dependency, schema check",
    "app/deps.py": "SessionDep, SettingsDep, CurrentUser, authorize()",
    "app/core/config.py": "Settings (pydantic-settings)",
    "app/core/errors.py": "error classes, ErrorBody, exception handlers",
    "app/core/middleware.py": "request id and access log",
    "app/core/security.py": "argon2 hashing, JWT create/verify",
    "app/models/user.py": "accounts and roles",
    "app/models/types.py": "Int64, RowId and other validated column types",
    "app/routers/auth.py": "login and sign-up",
    "app/routers/users.py": "account management",
    "app/services/user.py": "accounts, login checks, first administrator",
    "migrations/env.py": "runs migrations against DATABASE_URL",
    "migrations/versions/0001_initial.py": "creates the design's tables",
    "tests/conftest.py": "fresh database per test, factories",
    "tests/test_api_spec.py": "fails when this document and the code disagree",
    "tests/test_auth.py": "login and token checks",
    "tests/test_users.py": "account management",
}


MERMAID_TYPES = {
    "str": "string",
    "text": "text",
    "int": "int",
    "float": "float",
    "decimal": "decimal",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "uuid": "uuid",
    "email": "string",
    "url": "string",
    "enum": "string",
    "ref": "int",
}


def requirement_name(requirement: str) -> str:
    """`pwdlib[argon2]>=0.2,<1` -> `pwdlib[argon2]`."""
    return re.split(r"[<>=!~]", requirement, maxsplit=1)[0]


def requirement_range(requirement: str) -> str:
    """`pwdlib[argon2]>=0.2,<1` -> `>=0.2,<1`."""
    return requirement[len(requirement_name(requirement)) :]


def md_cell(text: object) -> str:
    """Text that stays inside one cell of a markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_code(text: object) -> str:
    return f"`{text}`"


@dataclass(frozen=True)
class MigrationTable:
    """One `op.create_table(...)` of the first migration."""

    name: str
    columns: list[list[str]]
    constraints: list[str]
    indexes: list[tuple[str, bool]]  # (column, unique)

    @property
    def create_lines(self) -> list[str]:
        """The arguments of `op.create_table`, one a line, each as ruff format lays it out."""
        columns = [wrap_call("sa.Column(", args, 8, "),", hug=False) for args in self.columns]
        constraints = []
        for constraint in self.constraints:
            head, _, args = constraint.partition("(")
            constraints.append(
                wrap_call(f"{head}(", _split_args(args.removesuffix(")")), 8, "),", hug=False)
            )
        return [*columns, *constraints]


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of a call (no nested calls with commas in our use)."""
    args, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            args.append(current.strip())
            current = ""
            continue
        depth += char in "([{"
        depth -= char in ")]}"
        current += char
    return [*args, current.strip()] if current.strip() else args


def _tree_line(depth: int, name: str, note: str) -> str:
    line = "  " * depth + name
    return f"{line:<40} # {note}" if note else line


@dataclass(frozen=True)
class Design:
    project_name: str
    description: str
    api_prefix: str
    auth: str
    roles: tuple[str, ...]
    default_role: str
    open_signup: bool
    async_db: bool
    resources: tuple[Resource, ...]

    @property
    def jwt(self) -> bool:
        return self.auth == "jwt"

    @property
    def admin_role(self) -> str:
        return self.roles[0]

    @property
    def slug(self) -> str:
        return slugify(self.project_name)

    @property
    def package_name(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def owned_resources(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.owned)

    @property
    def uses_url(self) -> bool:
        return any(r.uses_url for r in self.resources)

    # -- what the project is made of (pyproject.toml, the spec and its tests read these) ----------
    @property
    def dependencies(self) -> list[tuple[str, str]]:
        """(requirement, why) of every runtime dependency, as pyproject.toml declares them."""
        deps = [
            (
                "fastapi[standard]>=0.120,<1",
                "the web framework, with uvicorn, the `fastapi` CLI, "
                "python-multipart (the login form) and email-validator",
            ),
            (
                "sqlmodel>=0.0.50,<0.1",
                "models that are Pydantic schemas and SQLAlchemy tables at once",
            ),
            ("pydantic-settings>=2.6,<3", "settings from environment variables and `.env`"),
            (
                "fastapi-offline>=1.7,<2",
                "Swagger UI and ReDoc served by the app itself, so `/docs` works without a CDN",
            ),
        ]
        if self.jwt:
            deps += [
                ("pyjwt>=2.9,<3", "signing and verifying the JWT access tokens (HS256)"),
                ("pwdlib[argon2]>=0.2,<1", "argon2 password hashing"),
            ]
        if self.async_db:
            deps += [
                ("aiosqlite>=0.20,<1", "the asyncio SQLite driver behind `AsyncSession`"),
                ("sqlalchemy[asyncio]>=2.0,<3", "SQLAlchemy's asyncio extension (greenlet)"),
            ]
        deps.append(("alembic>=1.14,<2", "schema migrations that keep existing rows"))
        return deps

    @property
    def dev_dependencies(self) -> list[tuple[str, str]]:
        return [
            ("pytest>=8,<10", "the test runner"),
            ("httpx>=0.27,<1", "the HTTP client behind FastAPI's `TestClient`"),
            ("ruff>=0.8", "lint and format"),
            ("mypy>=1.13", "static types, strict"),
        ]

    @property
    def sqlite_driver(self) -> str:
        return "aiosqlite" if self.async_db else "sqlite3 (standard library)"

    @property
    def rendered_files(self) -> list[str]:
        """Every file `copier copy` writes for this design, relative to the project root."""
        files = [
            ".copier-answers.yml",
            ".env.example",
            ".gitattributes",
            ".gitignore",
            "README.md",
            "pyproject.toml",
            "docs/api-design-spec.md",
            "app/__init__.py",
            "app/main.py",
            "app/migrate.py",
            "app/db.py",
            "app/deps.py",
            "app/core/__init__.py",
            "app/core/config.py",
            "app/core/errors.py",
            "app/core/middleware.py",
            "app/models/__init__.py",
            "app/models/types.py",
            "app/rules/__init__.py",
            "app/routers/__init__.py",
            "app/services/__init__.py",
            "tests/__init__.py",
            "tests/conftest.py",
            "tests/test_api_spec.py",
            *MIGRATION_FILES,
        ]
        if self.jwt:
            files += [
                "app/core/security.py",
                "app/models/user.py",
                "app/routers/auth.py",
                "app/routers/users.py",
                "app/services/user.py",
                "tests/test_auth.py",
                "tests/test_users.py",
            ]
        for r in self.resources:
            files += [
                f"app/models/{r.name}.py",
                f"app/rules/{r.name}.py",
                f"app/routers/{r.name}.py",
                f"app/services/{r.name}.py",
                f"tests/test_{r.name}.py",
            ]
        return sorted(files)

    @property
    def project_tree(self) -> str:
        """The rendered files as an indented tree, two spaces a level, with what each part holds."""
        lines: list[str] = [f"{self.slug}/"]
        seen: set[str] = set()
        for path in self.rendered_files:
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in seen:
                    seen.add(folder)
                    note = FOLDER_NOTES.get(folder, "")
                    lines.append(_tree_line(depth, parts[depth - 1] + "/", note))
            lines.append(_tree_line(len(parts), parts[-1], self._file_note(path)))
        return "\n".join(lines)

    def _file_note(self, path: str) -> str:
        name = path.rsplit("/", 1)[-1].removesuffix(".py")
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        if path in FILE_NOTES:
            return FILE_NOTES[path]
        if name in self.by_name:
            label = self.by_name[name].plural_label
            return {
                "app/models": f"SQLModel ladder of {label}",
                "app/rules": f"your rules for {label} (never overwritten)",
                "app/routers": f"the {label} endpoints",
                "app/services": f"data access for {label}",
            }.get(folder, "")
        if folder == "tests" and name.removeprefix("test_") in self.by_name:
            return f"tests of {self.by_name[name.removeprefix('test_')].plural_label}"
        return ""

    @property
    def system_endpoints(self) -> tuple[Endpoint, ...]:
        """The auth and users routes (only with auth: jwt), described as the routers declare them."""
        if not self.jwt:
            return ()
        admin = (self.admin_role,)
        one = "/users/{user_id}"
        rows: list[tuple[Any, ...]] = [
            (
                "login",
                "POST",
                "/auth/token",
                "Log in (OAuth2 password flow: the e-mail goes in `username`)",
                200,
                (401, 422),
                "public",
                (),
                "OAuth2 form: `username`, `password`",
                "Token",
            ),
        ]
        if self.open_signup:
            rows.append(
                (
                    "register",
                    "POST",
                    "/auth/register",
                    f"Sign up; new accounts get the `{self.default_role}` role",
                    201,
                    (400, 409, 422),
                    "public",
                    (),
                    "UserRegister",
                    "UserPublic",
                )
            )
        rows += [
            (
                "me",
                "GET",
                "/users/me",
                "The caller's own account",
                200,
                (401,),
                "authenticated",
                (),
                None,
                "UserPublic",
            ),
            (
                "list",
                "GET",
                "/users",
                "List accounts",
                200,
                (401, 403, 422),
                f"`{self.admin_role}`",
                admin,
                None,
                "UserPage",
            ),
            (
                "create",
                "POST",
                "/users",
                "Create an account with any role",
                201,
                (400, 401, 403, 409, 422),
                f"`{self.admin_role}`",
                admin,
                "UserCreate",
                "UserPublic",
            ),
            (
                "read",
                "GET",
                one,
                "Read one account",
                200,
                (401, 403, 404, 422),
                f"`{self.admin_role}`",
                admin,
                None,
                "UserPublic",
            ),
            (
                "update",
                "PATCH",
                one,
                "Change name, password or role, or deactivate",
                200,
                (400, 401, 403, 404, 422),
                f"`{self.admin_role}`",
                admin,
                "UserUpdate",
                "UserPublic",
            ),
            (
                "delete",
                "DELETE",
                one,
                "Delete an account (not your own; not while it owns rows)",
                204,
                (401, 403, 404, 409, 422),
                f"`{self.admin_role}`",
                admin,
                None,
                None,
            ),
        ]
        return tuple(
            Endpoint(
                action=action,
                method=method,
                path=path,
                function=action,
                summary=summary,
                status=status,
                errors=errors,
                auth=auth,
                scopes=scopes,
                public=auth == "public",
                request_model=request,
                response_model=response,
                path_params=("user_id",) if path == one else (),
                query_params=("offset", "limit") if (method, path) == ("GET", "/users") else (),
            )
            for action, method, path, summary, status, errors, auth, scopes, request, response in rows
        )

    @property
    def endpoint_groups(self) -> list[tuple[str, tuple[Endpoint, ...]]]:
        """Section 6 of the spec: the endpoints, grouped by resource, then auth and users."""
        groups = [(r.plural_label.capitalize(), self.endpoints_of(r)) for r in self.resources]
        system = self.system_endpoints
        if system:
            groups.append(("Auth", tuple(ep for ep in system if ep.path.startswith("/auth"))))
            groups.append(("Users", tuple(ep for ep in system if ep.path.startswith("/users"))))
        return groups

    @property
    def mermaid(self) -> str:
        """An erDiagram of every table, its columns and its references."""
        lines = ["erDiagram"]
        if self.jwt:
            lines += [
                "    User {",
                "        int id PK",
                "        string email",
                "        string role",
                "    }",
            ]
        for r in self.resources:
            lines.append(f"    {r.class_name} {{")
            lines.append("        int id PK")
            for f in r.fields:
                key = " FK" if f.kind == "ref" else (" UK" if f.unique else "")
                lines.append(f"        {MERMAID_TYPES[f.kind]} {f.column}{key}")
            if r.owned:
                lines.append("        int owner_id FK")
            lines.append("    }")
        for r in self.resources:
            for f in r.refs:
                left = "|o" if f.optional else "||"
                lines.append(f'    {f.ref_class} {left}--o{{ {r.class_name} : "{f.name}"')
            if r.owned:
                lines.append(f'    User ||--o{{ {r.class_name} : "owns"')
        return "\n".join(lines)

    @property
    def migration_tables(self) -> list[MigrationTable]:
        """The first migration's tables, referenced tables first, as SQLModel would create them."""
        tables: list[MigrationTable] = []
        if self.jwt:
            roles = ", ".join(_py_str(role) for role in self.roles)
            tables.append(
                MigrationTable(
                    name="user",
                    columns=[
                        ['"id"', "sa.Integer()", "nullable=False"],
                        [
                            '"email"',
                            "sqlmodel.sql.sqltypes.AutoString(length=255)",
                            "nullable=False",
                        ],
                        [
                            '"full_name"',
                            "sqlmodel.sql.sqltypes.AutoString(length=255)",
                            "nullable=True",
                        ],
                        ['"role"', f'sa.Enum({roles}, name="role")', "nullable=False"],
                        ['"is_active"', "sa.Boolean()", "nullable=False"],
                        [
                            '"hashed_password"',
                            "sqlmodel.sql.sqltypes.AutoString()",
                            "nullable=False",
                        ],
                    ],
                    constraints=['sa.PrimaryKeyConstraint("id", name=op.f("pk_user"))'],
                    indexes=[("email", True)],
                )
            )
        for r in self._creation_order():
            columns = [
                ['"id"', "sa.Integer()", "nullable=False"],
                *(f.migration_column for f in r.fields),
            ]
            t = r.table_name
            constraints = [
                f'sa.ForeignKeyConstraint(["{f.column}"], ["{f.ref_table}.id"], '
                f'name=op.f("fk_{t}_{f.column}_{f.ref_table}"))'
                for f in r.refs
            ]
            indexes = [(f.column, False) for f in r.refs]
            if r.owned:
                columns.append(['"owner_id"', "sa.Integer()", "nullable=False"])
                constraints.append(
                    f'sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_{t}_owner_id_user"))'
                )
                indexes.append(("owner_id", False))
            constraints.append(f'sa.PrimaryKeyConstraint("id", name=op.f("pk_{t}"))')
            constraints += [
                f'sa.UniqueConstraint("{f.column}", name=op.f("uq_{t}_{f.column}"))'
                for f in r.unique_fields
            ]
            tables.append(MigrationTable(r.table_name, columns, constraints, indexes))
        return tables

    def _creation_order(self) -> list[Resource]:
        """Resources after the ones they reference (cycles through optional refs keep design order)."""
        ordered: list[Resource] = []

        def visit(resource: Resource, path: tuple[str, ...]) -> None:
            if resource in ordered or resource.name in path:
                return
            for f in resource.refs:
                if f.ref and f.ref in self.by_name:
                    visit(self.by_name[f.ref], (*path, resource.name))
            ordered.append(resource)

        for resource in self.resources:
            visit(resource, ())
        return ordered

    @property
    def router_modules(self) -> list[str]:
        """The modules of app/routers, in the order their routes appear in OpenAPI."""
        return [*(["auth", "users"] if self.jwt else []), *(r.name for r in self.resources)]

    @property
    def routers_import(self) -> str:
        return import_line("app.routers", sorted(self.router_modules))

    @cached_property
    def referenced(self) -> frozenset[str]:
        """Resources some ref points at: deleting one of their rows can conflict."""
        return frozenset(f.ref for r in self.resources for f in r.refs if f.ref)

    def endpoints_of(self, resource: Resource) -> tuple[Endpoint, ...]:
        return resource.endpoints(
            jwt=self.jwt, referenced=resource.name in self.referenced, async_db=self.async_db
        )

    def referencing(self, resource: Resource) -> list[tuple[Resource, FieldSpec]]:
        """The (resource, field) pairs whose ref points at `resource`."""
        return [(r, f) for r in self.resources for f in r.refs if f.ref == resource.name]

    @property
    def table_modules(self) -> list[tuple[str, str]]:
        """(module, class) of every table model, in import order."""
        pairs = [(r.name, r.class_name) for r in self.resources]
        if self.jwt:
            pairs.append(("user", "User"))
        return sorted(pairs)

    @property
    def models_all(self) -> str:
        return wrap_call("__all__ = [", [f'"{c}"' for _, c in self.table_modules], 0, "]")

    @cached_property
    def by_name(self) -> dict[str, Resource]:
        return {r.name: r for r in self.resources}


def _as_list(value: object) -> list[Any] | None:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _validate_roles(
    auth: str, roles: object, default_role: object
) -> tuple[tuple[str, ...], str, list[str]]:
    problems: list[str] = []
    role_list = _as_list(roles)
    if auth != "jwt":
        return ("admin",), "admin", problems
    if not role_list:
        return (
            (),
            "",
            [
                "roles: the list is empty; name at least the administrator role first, e.g. [admin, member]"
            ],
        )
    clean: list[str] = []
    for role in role_list:
        problem = _identifier_problem("role", role)
        if problem:
            problems.append(f"roles: {problem}")
        elif role in SPECIAL_WORDS:
            problems.append(f"roles: {role!r} is a permission word, not a role; pick another name")
        elif role in clean:
            problems.append(f"roles: {role!r} is listed twice; list each role once")
        else:
            clean.append(role)
    if not isinstance(default_role, str) or default_role not in clean:
        problems.append(
            f"default_role: {default_role!r} is not one of the roles ({', '.join(clean)}); pick one of them"
        )
    return tuple(clean), str(default_role), problems


def _validate_permissions(
    where: str,
    raw: object,
    owned: bool,
    roles: Sequence[str],
    jwt: bool,
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    problems: list[str] = []
    defaults = {"read": ("authenticated",), "create": (), "update": (), "delete": ()}
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return defaults, [
            f"{where}: permissions must be a mapping like {{read: [public], create: [editor]}}"
        ]
    unknown = sorted(set(map(str, raw)) - set(PERMISSION_KEYS))
    if unknown:
        problems.append(
            f"{where}: unknown permission action(s) {', '.join(map(repr, unknown))}; "
            f"the actions are {', '.join(PERMISSION_KEYS)} (list follows read)"
        )
    result = dict(defaults)
    for action in PERMISSION_KEYS:
        if action not in raw:
            continue
        words = raw[action]
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            problems.append(
                f"{where}: permissions.{action} must be a list of words, e.g. [public] or [editor, owner]"
            )
            continue
        if not jwt:
            result[action] = tuple(words)
            continue
        for word in words:
            if word not in SPECIAL_WORDS and word not in roles:
                problems.append(
                    f"{where}: permission word {word!r} in {action} is neither public, authenticated, owner "
                    f"nor a role ({', '.join(roles)}); add it to roles or fix the spelling"
                )
        if "owner" in words and not owned:
            problems.append(
                f"{where}: {action} allows 'owner' but the resource is not owned; set `owned: true` or drop 'owner'"
            )
        if "owner" in words and action == "create":
            problems.append(
                f"{where}: create cannot allow 'owner' (a new row has no owner yet); use authenticated or a role"
            )
        if owned and action == "create" and "public" in words:
            problems.append(
                f"{where}: create of an owned resource cannot be public (nobody would own the row); "
                "use authenticated or a role"
            )
        result[action] = tuple(dict.fromkeys(words))
    return result, problems


def _required_ref_cycles(resources: Sequence[Resource]) -> list[str]:
    """Required refs that loop back (a -> b -> a, or a -> a) leave no row that can be created first."""
    edges = {r.name: [f for f in r.refs if not f.optional] for r in resources}
    problems: list[str] = []
    reported: set[frozenset[str]] = set()

    def walk(start: str, name: str, path: list[str]) -> None:
        for spec in edges.get(name, []):
            target = spec.ref or ""
            if target == start:
                cycle = frozenset(path)
                if cycle not in reported:
                    reported.add(cycle)
                    loop = " -> ".join([*path, start])
                    problems.append(
                        f"resource '{start}': required refs form a loop ({loop}), so no row could "
                        "ever be created first; make one of these refs optional with `?`"
                    )
            elif target not in path and target in edges:
                walk(start, target, [*path, target])

    for resource in resources:
        walk(resource.name, resource.name, [resource.name])
    return problems


def build_design(answers: Mapping[str, Any]) -> Design:
    """Validate the answers and build the design model, or raise `DesignError` naming every problem."""
    problems: list[str] = []
    project_name = str(answers.get("project_name") or "").strip()
    if not project_name or not PROJECT_NAME.match(project_name):
        problems.append(
            f"project_name: {project_name!r} must start with a letter and hold only letters, digits, spaces, '-' and '_'"
        )
    api_prefix = str(answers.get("api_prefix", "/api/v1") or "").rstrip("/")
    if not API_PREFIX.match(api_prefix):
        problems.append(
            f"api_prefix: {answers.get('api_prefix')!r} must be empty or a path like /api/v1 (lower-case segments)"
        )
    auth = str(answers.get("auth", "jwt"))
    if auth not in AUTH_MODES:
        problems.append(f"auth: {auth!r} is not a mode; choose jwt or none")
    jwt = auth == "jwt"
    roles, default_role, role_problems = _validate_roles(
        auth, answers.get("roles"), answers.get("default_role")
    )
    problems += role_problems

    raw_resources = _as_list(answers.get("resources"))
    if raw_resources is None:
        raise DesignError(
            [
                *problems,
                "resources: must be a YAML list of resources (see the design language in README)",
            ]
        )
    if not raw_resources:
        problems.append("resources: the design has no resources; add at least one")

    resources: list[Resource] = []
    seen_names: dict[str, int] = {}
    seen_plurals: dict[str, str] = {}
    seen_paths: dict[str, str] = {}
    class_owner: dict[str, str] = {}
    for index, raw in enumerate(raw_resources, start=1):
        if not isinstance(raw, Mapping):
            problems.append(
                f"resources[{index}]: each resource must be a mapping with at least `name:` and `fields:`"
            )
            continue
        name = raw.get("name")
        where = f"resource '{name}'" if isinstance(name, str) and name else f"resources[{index}]"
        problem = _identifier_problem("resource", name)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        assert isinstance(name, str)
        unknown = sorted(
            set(map(str, raw)) - {"name", "plural", "description", "owned", "fields", "permissions"}
        )
        if unknown:
            problems.append(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a resource takes "
                "name, plural, description, owned, fields, permissions"
            )
        if name in RESERVED_RESOURCE_NAMES:
            problems.append(
                f"{where}: the name {name!r} is taken by the generated project "
                + ("(the built-in account model); " if name in ("user", "users") else "; ")
                + "rename the resource (e.g. 'member' or 'customer')"
            )
            continue
        if name in seen_names:
            problems.append(
                f"{where}: defined twice (resources {seen_names[name]} and {index}); merge them"
            )
            continue
        seen_names[name] = index
        plural = raw.get("plural") or pluralize(name)
        if raw.get("plural") is not None:
            problem = _identifier_problem("plural", plural)
            if problem:
                problems.append(f"{where}: {problem}")
                continue
        if plural in RESERVED_RESOURCE_NAMES:
            problems.append(
                f"{where}: the plural {plural!r} is taken by the generated project; set another `plural:`"
            )
        other = seen_plurals.get(plural)
        if other is not None:
            problems.append(
                f"{where}: has the same plural {plural!r} as resource '{other}'; set a different `plural:`"
            )
        seen_plurals[plural] = name
        path = "/" + str(plural).replace("_", "-")
        if path in seen_paths and seen_paths[path] != name and other is None:
            problems.append(
                f"{where}: its path {path} is also resource '{seen_paths[path]}'s; set a different `plural:`"
            )
        seen_paths[path] = name

        owned = raw.get("owned", False)
        if not isinstance(owned, bool):
            problems.append(f"{where}: owned must be true or false, not {owned!r}")
            owned = False
        owned = owned and jwt
        description = str(raw.get("description") or "").strip()

        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, Mapping) or not raw_fields:
            problems.append(
                f"{where}: `fields:` must map each field name to its type, e.g. {{title: str(200)}}"
            )
            raw_fields = {}
        fields: list[FieldSpec] = []
        for field_name, field_raw in raw_fields.items():
            fwhere = f"{where}, field '{field_name}'"
            problem = _identifier_problem("field", field_name)
            if problem:
                problems.append(f"{fwhere}: {problem}")
                continue
            if field_name in RESERVED_FIELD_NAMES or field_name.startswith("model_"):
                problems.append(
                    f"{fwhere}: the name {field_name!r} collides with a name the generated code uses "
                    + (
                        "(a generated column); "
                        if field_name in ("id", "owner_id", "owner")
                        else "; "
                    )
                    + "rename the field"
                )
                continue
            spec, field_problems = parse_field(name, field_name, field_raw)
            problems += field_problems
            if spec is not None:
                fields.append(spec)
        columns: dict[str, str] = {}
        for spec in fields:
            if spec.column in columns:
                problems.append(
                    f"{where}, field '{spec.name}': its column {spec.column!r} collides with field "
                    f"'{columns[spec.column]}'; rename one of them"
                )
            columns[spec.column] = spec.name

        words, perm_problems = _validate_permissions(
            where, raw.get("permissions"), owned, roles, jwt
        )
        problems += perm_problems
        admin = roles[0] if roles else "admin"
        rules = {a: Rule(action=a, words=words[a], admin_role=admin) for a in PERMISSION_KEYS}
        resource = Resource(
            name=name,
            plural=str(plural),
            description=description,
            owned=bool(owned),
            fields=tuple(fields),
            rules=rules,
        )
        for class_name, role in resource.generated_class_names.items():
            if class_name in RESERVED_CLASS_NAMES:
                problems.append(
                    f"{where}: would generate the class {class_name} ({role}), which shadows a name the "
                    "generated code imports; rename the resource or field"
                )
            elif class_name in class_owner:
                problems.append(
                    f"{where}: would generate the class {class_name} ({role}), which {class_owner[class_name]} "
                    "already generates; rename one of them"
                )
            else:
                class_owner[class_name] = f"resource '{name}'"
        resources.append(resource)

    # References resolve once every resource is known.
    table_of = {r.name: r for r in resources}
    linked: list[Resource] = []
    for resource in resources:
        new_fields = []
        for spec in resource.fields:
            if spec.kind == "ref":
                target = table_of.get(spec.ref or "")
                if target is None:
                    known = ", ".join(sorted(table_of)) or "none"
                    problems.append(
                        f"resource '{resource.name}', field '{spec.name}': ref {spec.ref!r} names no resource "
                        f"(known: {known}); fix the name or add that resource"
                    )
                    continue
                spec = replace(spec, ref_table=target.table_name, ref_class=target.class_name)
            new_fields.append(spec)
        linked.append(replace(resource, fields=tuple(new_fields)))
    problems += _required_ref_cycles(linked)

    if problems:
        raise DesignError(problems)
    return Design(
        project_name=project_name,
        description=str(answers.get("description") or "").strip(),
        api_prefix=api_prefix,
        auth=auth,
        roles=roles,
        default_role=default_role,
        open_signup=bool(answers.get("open_signup", False)) and jwt,
        async_db=bool(answers.get("async_db", False)),
        resources=tuple(linked),
    )


__all__ = [
    "ACTIONS",
    "Design",
    "DesignError",
    "FieldSpec",
    "Resource",
    "Rule",
    "build_design",
    "parse_field",
    "pluralize",
    "slugify",
]
