"""The hooks package's small modules: names, escaping, requirements, the file tree, the refusals."""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jinja2
import pytest
import yaml
from markdown_it import MarkdownIt
from packaging.requirements import Requirement as PipRequirement

from tests.helpers import EXAMPLES, ROOT, answers

sys.path.insert(0, str(ROOT))
from hooks import (  # noqa: E402
    contract,
    dependencies,
    evolution,
    kinds,
    limits,
    literals,
    naming,
    questionnaire,
    spec_database,
    spec_examples,
    spec_models,
    suggestions,
    tree,
)
from hooks.design import DesignError  # noqa: E402
from hooks.validate import answer_problems, build_design  # noqa: E402

TRICKY = [
    "",
    'say "hi"',
    "it's",
    "back\\slash",
    "two\nlines",
    "tab\there",
    "{{ braces }} and {% tags %}",
    "café — naïve ✓",
    "`tick` and ``double``",
    "pipe | and <b>html</b>",
    "\\n is not a newline",
]


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("book_16", "book_16s"),
        ("entry", "entries"),
        ("day", "days"),
        ("status", "statuses"),
        ("wolf", "wolves"),
        ("series", "series"),
        ("time_entry", "time_entries"),
    ],
)
def test_plurals_keep_digits_and_follow_english(name: str, plural: str) -> None:
    assert naming.pluralize(name) == plural


@pytest.mark.parametrize(
    ("words", "expected"),
    [("book", "a book"), ("author", "an author"), ("user", "a user"), ("hour", "an hour")],
)
def test_articles(words: str, expected: str) -> None:
    assert naming.article(words) == expected


@pytest.mark.parametrize("text", TRICKY)
def test_python_literals_round_trip(text: str) -> None:
    assert ast.literal_eval(literals.py_str(text)) == text


@pytest.mark.parametrize("text", TRICKY)
def test_toml_strings_round_trip(text: str) -> None:
    assert tomllib.loads(f"value = {literals.toml_str(text)}")["value"] == text


@pytest.mark.parametrize("text", TRICKY)
def test_markdown_cells_and_code_spans_render_as_written(text: str) -> None:
    md = MarkdownIt("commonmark").enable("table")
    row = md.render(f"| a | b |\n| --- | --- |\n| {literals.md_cell(text)} | x |\n")
    assert row.count("<td>") == 2, row
    if text.strip():
        code = md.render(literals.md_code(text)).strip()
        assert code.count("<code>") == 1, code


# Patterns with Markdown's and the spec reader's punctuation: commas, `{m,n}`, pipes (alternation,
# an escaped one, one after an escaped backslash), backticks, spaces at both ends.
PUNCTUATED_PATTERNS = [
    ("^[A-Z][0-9]{1,3}$", "B12"),
    ("^[a-z]{2,8}(-[a-z]{2,8})?$", "en-gb"),
    ("[,;]", "a, b"),
    ("^(red|green|blue)$", "green"),
    (r"^a\|b$", "a|b"),
    (r"\\|x", "x"),
    ("^`[a-z]+`$", "`ab`"),
    ("x``y|z", "z"),
    ("` x`", "a` x`"),
    (" [a-z]+ ", "x ab y"),
    ("min 3 characters|≥ 5|< 2", "≥ 5"),
]


@pytest.mark.parametrize(("pattern", "example"), PUNCTUATED_PATTERNS)
def test_a_pattern_in_the_spec_table_renders_as_written(pattern: str, example: str) -> None:
    field = {"type": "str", "pattern": pattern, "example": example}
    design = build_design(answers([{"name": "book", "fields": {"code": field}}]))
    cell = "; ".join(design.resources[0].fields[0].constraints)
    md = MarkdownIt("commonmark").enable("table")
    row = md.render(f"| a | b | c |\n| --- | --- | --- |\n| x | {cell} | y |\n")
    assert row.count("<td>") == 3, row
    spans = re.findall(r"<code>(.*?)</code>", row, re.S)
    assert [html.unescape(span) for span in spans] == [pattern], row


def test_every_requirement_is_valid_and_the_formatter_pin_is_in_the_projects_range() -> None:
    requirements = dependencies.read_requirements()
    assert {r.group for r in requirements} == set(dependencies.GROUPS)
    for requirement in requirements:
        assert PipRequirement(requirement.requirement).name
    pin = next(
        line.split("==")[1].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.startswith("ruff==")
    )
    ruff = next(r for r in requirements if r.name == "ruff")
    assert PipRequirement(ruff.requirement).specifier.contains(pin)


def test_a_malformed_requirement_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "requirements-project.txt"
    path.write_text("fastapi>=0.1\n")
    with pytest.raises(ValueError, match=r"requirements-project.txt:1: expected"):
        dependencies.read_requirements(path)


def test_every_template_file_and_folder_has_a_note_in_the_tree() -> None:
    design = build_design(answers([{"name": "book", "fields": {"title": "str"}}]))
    files = tree.rendered_files(design)
    assert {f.path for f in files} >= {"app/models/book.py", "tests/test_book.py", "README.md"}
    listed = [
        f for f in files if f.path not in tree.UNLISTED and not f.path.endswith("__init__.py")
    ]
    for file in listed:
        note = tree.FILE_NOTES.get(file.path) or tree.docstring_line(file.source)
        assert note, f"{file.path} has no note: give it a module docstring or a FILE_NOTES entry"
    folders = {f.path.rsplit("/", 1)[0] for f in listed if "/" in f.path}
    alone = {
        folder for folder in folders if sum(f.path.startswith(folder + "/") for f in listed) == 1
    }
    assert folders - alone <= set(tree.FOLDER_NOTES), folders - alone - set(tree.FOLDER_NOTES)
    shown = tree.project_tree(design, lambda text, resource: text)
    assert "  .github/workflows/ci.yml " in shown and "book.py" in shown and "__init__" not in shown


def test_the_formatter_pass_never_touches_the_users_files() -> None:
    design = build_design(answers([{"name": "book", "fields": {"title": "str"}}]))
    formatted = tree.python_files(design)
    assert "app/models/book.py" in formatted and "tests/test_book.py" in formatted
    assert not [p for p in formatted if p.startswith(("app/rules/", "migrations/versions/"))]
    assert set(tree.python_files(design, kept=True)) == {
        "app/rules/__init__.py",
        "app/rules/book.py",
        "migrations/versions/0001_initial.py",
    }


def test_no_hooks_module_is_long_or_builds_python_statements() -> None:
    for module in (ROOT / "hooks").glob("*.py"):
        source = module.read_text()
        assert len(source.splitlines()) <= 500, f"{module.name} is over 500 lines"
        assert not re.search(r"""["'](async )?def |["']return |["']@router""", source), module.name
        assert "eval(" not in source, module.name


def _hooks_imports() -> dict[str, set[str]]:
    """Each hooks module and the hooks modules it imports, those under TYPE_CHECKING included."""
    modules = {path.stem: ast.parse(path.read_text()) for path in (ROOT / "hooks").glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        imported = set()
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                parts = [node.module] if node.module else [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hooks."):
                parts = [str(node.module).removeprefix("hooks.")]
            elif isinstance(node, ast.Import):
                parts = [
                    a.name.removeprefix("hooks.") for a in node.names if a.name.startswith("hooks.")
                ]
            else:
                continue
            imported |= {part.split(".")[0] for part in parts} & set(modules)
        graph[name] = imported - {name}
    return graph


def test_hooks_modules_import_each_other_without_a_circle() -> None:
    """Each module reads only modules below it, for types too: the package is a stack of floors
    a reader climbs from `naming` and `literals` up to `validate` and `copier_bridge`."""
    graph = _hooks_imports()
    # the walk sees imports
    assert graph["resource_core"] >= {"fields", "links"}, graph["resource_core"]
    assert "fields" in graph["model_fields"]  # a TYPE_CHECKING import is an edge too
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        assert name not in path, "import circle: " + " -> ".join([*path[path.index(name) :], name])
        if name not in done:
            for imported in sorted(graph[name]):
                walk(imported, [*path, name])
            done.add(name)

    for name in sorted(graph):
        walk(name, [])


def test_no_hooks_class_is_over_200_lines() -> None:
    """A class that grows past a screenful of facts is split into views of one concern each."""
    for path in (ROOT / "hooks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                length = int(node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 200, f"{path.name}: class {node.name} is {length} lines"


def test_copier_still_has_what_the_patches_use() -> None:
    """hooks/copier_patches.py reaches into Copier's private modules; an upgrade that moves or
    changes what it uses fails here, not silently in a prompt or an update."""
    import importlib  # noqa: PLC0415
    import inspect  # noqa: PLC0415
    from contextvars import ContextVar  # noqa: PLC0415

    from hooks import copier_patches  # noqa: PLC0415

    for module, attribute in copier_patches.RELIES_ON:
        assert hasattr(importlib.import_module(module), attribute), (module, attribute)
    main = importlib.import_module("copier._main")
    assert isinstance(main._operation, ContextVar)
    assert '@as_operation("update")' in inspect.getsource(main), "the operation's name changed"
    assert copier_patches.updating() is False  # outside an update, and without falling back
    question = importlib.import_module("copier._user_data").Question
    for method in ("get_default", "get_type_name", "get_multiline"):
        assert list(inspect.signature(getattr(question, method)).parameters) == ["self"], method
    copier_patches.show_yaml_defaults_as_written()
    patched = question.get_default_rendered
    assert patched.keeps_key_order
    # What the patch replaces: Copier's own YAML default, dumped with sorted keys (copier#1888).
    original = inspect.getsource(patched.__closure__[0].cell_contents)
    assert "yaml.safe_dump(" in original and "sort_keys" not in original, original


def test_the_questionnaire_patches_still_fit_copier() -> None:
    """hooks/copier_patches.py's `adapt_the_questionnaire` replaces four methods of Copier's
    private `Question` and prompt_toolkit's one-line validation toolbar: each still exists, takes
    what it took, and is used where the patch expects; and a question built as Copier builds one
    behaves as the questionnaire promises."""
    import importlib  # noqa: PLC0415
    import inspect  # noqa: PLC0415

    from hooks import copier_patches  # noqa: PLC0415

    user_data = importlib.import_module("copier._user_data")
    question_class = user_data.Question
    copier_patches.adapt_the_questionnaire(comma_lists=("roles",))
    copier_patches.adapt_the_questionnaire(comma_lists=("roles",))  # once per process
    originals = {
        name: getattr(question_class, name).__wrapped__
        for name in ("get_default", "validate_answer", "cast_answer", "get_questionary_structure")
    }
    assert "__wrapped__" not in vars(originals["cast_answer"]), "patched twice"
    for name, parameters in (
        ("get_default", ["self"]),
        ("validate_answer", ["self", "answer"]),
        ("cast_answer", ["self", "answer"]),
        ("get_questionary_structure", ["self"]),
    ):
        assert list(inspect.signature(originals[name]).parameters) == parameters, name
    # Why each is patched: Copier checks a default as it computes it, and a question's checks
    # reach the prompt as the structure's "validate".
    assert "self.validate_answer(" in inspect.getsource(originals["get_default"])
    assert 'result["validate"]' in inspect.getsource(originals["get_questionary_structure"])
    session = importlib.import_module("prompt_toolkit.shortcuts.prompt")
    assert "ValidationToolbar()" in inspect.getsource(session.PromptSession)
    assert session.ValidationToolbar.__name__ == "WrappedValidationToolbar"

    def question(name: str, **details: object) -> object:
        environment = importlib.import_module("copier._jinja_ext").SandboxedEnvironment()
        answers = user_data.AnswersMap()
        return question_class(
            var_name=name, answers=answers, context={}, jinja_env=environment, **details
        )

    roles = question("roles", type="yaml", default="[a, b]", validator="{{ 'no' if roles }}")
    assert roles.cast_answer("admin, agent") == ["admin", "agent"]  # type: ignore[attr-defined]
    assert question("other", type="str").cast_answer("a, b") == "a, b"  # type: ignore[attr-defined]
    assert roles.get_default() == ["a", "b"]  # type: ignore[attr-defined]  # checked when submitted
    with pytest.raises(ValueError, match="no"):
        roles.validate_answer(["a"])  # type: ignore[attr-defined]
    validate = roles.get_questionary_structure()["validate"]  # type: ignore[attr-defined]
    assert validate("[a, b") == (
        "not valid YAML at line 1, column 6: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)"
    )
    assert str(validate("[a]")).endswith(": no")  # the question's own check, after the YAML's


@pytest.mark.parametrize("name", ["Café Orders", "O'Brien's Books", "  Spaced   Out  "])
def test_project_names_are_free_text_with_an_ascii_slug(name: str) -> None:
    design = build_design(answers([{"name": "book", "fields": {"t": "str"}}], project_name=name))
    assert re.fullmatch(r"[a-z][a-z0-9-]*", design.slug), design.slug


def test_a_project_name_without_letters_is_refused() -> None:
    with pytest.raises(DesignError) as refused:
        build_design(answers([{"name": "book", "fields": {"t": "str"}}], project_name="42 ✓"))
    assert refused.value.problems[0].startswith("project_name: '42 ✓' gives no package name")


@pytest.mark.parametrize("field", ["query", "session", "response", "detail", "rows", "changes"])
def test_names_of_generated_locals_are_fine_as_field_names(field: str) -> None:
    design = build_design(answers([{"name": "book", "fields": {field: "str"}}]))
    assert design.resources[0].fields[0].name == field


@pytest.mark.parametrize("field", ["page", "public", "base", "create", "update", "query"])
def test_an_enum_class_colliding_with_a_generated_model_is_refused(field: str) -> None:
    resource = {"name": "ticket", "fields": {field: "enum(a, b)"}}
    with pytest.raises(DesignError) as refused:
        build_design(answers([resource]))
    clash = f"Ticket{field.capitalize()}"
    assert any(
        f"would generate the class {clash} (enum of field '{field}')" in problem
        for problem in refused.value.problems
    ), refused.value.problems


def test_the_endpoint_table_drives_the_system_routes() -> None:
    design = build_design(answers([{"name": "book", "fields": {"t": "str"}}], open_signup=False))
    routes = {(ep.method, ep.path): ep for ep in design.system_endpoints}
    assert ("POST", "/auth/register") not in routes
    assert routes[("GET", "/users")].scopes == ("admin",)
    assert routes[("DELETE", "/users/{user_id}")].route == "/{user_id}"
    assert json.loads(json.dumps([ep.errors for ep in design.system_endpoints]))


def test_the_admin_view_brings_its_dependencies_and_needs_logins() -> None:
    book = [{"name": "book", "fields": {"t": "str"}}]
    names = {r.name for r in build_design(answers(book, admin_view=True)).dependencies}
    assert {"sqladmin", "itsdangerous"} <= names
    without = {r.name for r in build_design(answers(book)).dependencies}
    assert not {"sqladmin", "itsdangerous"} & without
    assert "app/admin.py" in tree.python_files(build_design(answers(book, admin_view=True)))
    assert "app/admin.py" not in tree.python_files(build_design(answers(book)))
    with pytest.raises(DesignError) as refused:
        build_design(answers(book, auth="none", roles=None, default_role=None, admin_view=True))
    assert any("admin_view:" in p and "auth: jwt" in p for p in refused.value.problems)
    with pytest.raises(DesignError) as refused:
        build_design(answers([{"name": "admin", "fields": {"t": "str"}}], admin_view=True))
    assert any("resource 'admin'" in p for p in refused.value.problems)
    assert build_design(answers([{"name": "admin", "fields": {"t": "str"}}]))


@pytest.mark.parametrize("field", ["object", "classmethod", "json", "copy", "validate", "l"])
def test_names_that_would_break_a_model_body_are_refused(field: str) -> None:
    with pytest.raises(DesignError) as refused:
        build_design(answers([{"name": "book", "fields": {field: "str"}}]))
    assert f"the name '{field}' collides with a name the generated code uses" in str(
        refused.value.problems
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("datetime = 0001-01-01T00:00+01:00", "does not fit type datetime"),
        ({"type": "ref book?", "example": "zzz"}, "does not fit type ref book"),
    ],
)
def test_values_no_column_could_hold_are_refused(spec: object, message: str) -> None:
    with pytest.raises(DesignError) as refused:
        build_design(answers([{"name": "book", "fields": {"at": spec}}]))
    assert message in refused.value.message


@pytest.mark.parametrize("where", ["resource", "field", "role"])
def test_a_trailing_newline_is_no_snake_case(where: str) -> None:
    resource = {"name": "book\n" if where == "resource" else "book", "fields": {"t": "str"}}
    if where == "field":
        resource["fields"] = {"t\n": "str"}
    roles = ["admin", "member\n"] if where == "role" else ["admin", "member"]
    with pytest.raises(DesignError, match="is not snake_case"):
        build_design(answers([resource], roles=roles, default_role="admin"))


def test_enum_members_never_shadow_str_methods() -> None:
    assert [naming.enum_member(v) for v in ("count", "title", "l", "mro", "draft")] == [
        "count_",
        "title_",
        "l_",
        "mro_",
        "draft",
    ]


# Short and long names, and names that sort before, after and just around `user` (the account
# model the stub imports too).
STUB_NAMES = ["a", "us_x", "usa", "user_note", "uv", "ticket", "x" * 38, "x" * 39, "y" * 60]


@pytest.mark.parametrize("name", STUB_NAMES)
def test_the_rules_stub_is_laid_out_as_ruff_would(name: str, tmp_path: Path) -> None:
    """The user's rules file is never reformatted after the first copy (a resource added by an
    update gets it as the template writes it), so the template must match ruff by itself: rendered
    for each build, it is what `ruff format` and isort would leave."""
    stub = next((ROOT / "template/app/rules").glob("{%*.jinja"))
    jinja = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    template = jinja.from_string(stub.read_text())
    for auth in ("jwt", "none"):
        for async_db in (False, True):
            resource = {"name": name, "fields": {"t": "str"}}
            design = build_design(answers([resource], auth=auth, async_db=async_db))
            r = design.resources[0]
            for module, class_name, fits in r.rules_imports:
                assert fits == (len(f"from app.models.{module} import {class_name}") <= 100)
            text = template.render(r=r, design=design, async_="async " if async_db else "")
            assert ("caller: User | None" in text) == (auth == "jwt")
            assert f"before: {r.class_name} | None," in text
            (tmp_path / f"{auth}_{'async' if async_db else 'sync'}.py").write_text(text)
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["format", "--check"], ["check", "--select", "I"]):
        checked = subprocess.run(
            [*ruff, *command, "--no-cache", "--line-length", "100", str(tmp_path)],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("max_body_bytes", "written"),
    [(1024 * 1024, "1 MiB"), (3 * 1024 * 1024, "3 MiB"), (1000, "1,000 bytes")],
)
def test_the_body_limit_as_the_spec_writes_it(max_body_bytes: int, written: str) -> None:
    assert limits.Limits(max_body_bytes=max_body_bytes).max_body_size == written


@pytest.mark.parametrize(
    ("field", "limit", "column_type", "filter_type"),
    [
        ("str", 1_000, "AutoString", "StorableStr"),
        ("str(40)", 40, None, "StorableStr"),
        ("text", 100_000, "Text", "StorableStr"),
        ("email", 254, "AutoString", "EmailStr"),
        ("int", None, "Int64", "SafeInt"),
        ("bool", None, None, "bool"),
        ("ref author", None, "Int64", "SafeIntParam"),
    ],
)
def test_every_text_field_has_a_length_limit_that_stays_out_of_unsized_columns(
    field: str, limit: int | None, column_type: str | None, filter_type: str
) -> None:
    """A limit on `str`, `text` and `email` must not change their columns (no migration);
    integer columns are 64-bit on every database."""
    design = build_design(
        answers(
            [
                {"name": "author", "fields": {"name": "str"}},
                {"name": "book", "fields": {"x": field}},
            ]
        )
    )
    spec = design.by_name["book"].fields[0]
    assert (spec.length_limit, spec.column_type_override, spec.filter_type) == (
        limit,
        column_type,
        filter_type,
    )


def test_a_model_module_imports_what_its_fields_use() -> None:
    design = build_design(
        answers(
            [
                {"name": "author", "fields": {"name": "str(80)"}},
                {
                    "name": "book",
                    "fields": {
                        "title": "str",
                        "blurb": "text?",
                        "contact": "email",
                        "available": "bool",
                        "author": "ref author",
                        "published_at": "datetime",
                    },
                },
            ]
        )
    )
    author, book = design.resources
    assert book.imports_from("pydantic") == ["EmailStr", "StrictBool"]
    assert book.imports_from("sqlmodel") == ["AutoString", "Field", "SQLModel", "Text"]
    types = ["Int64", "SafeInt", "SafeIntParam", "StorableStr", "UtcDatetime"]
    assert book.imports_from("app.models.types") == types
    status = build_design(
        answers([{"name": "ticket", "fields": {"state": "enum(open, closed)"}}])
    ).resources[0]
    assert status.imports_from("app.models.types") == ["Int64", "enum_column"]
    assert author.imports_from("sqlmodel") == ["Field", "SQLModel"]
    assert author.imports_from("pydantic") == []


def test_lists_filter_numbers_and_moments_by_range_and_enums_and_refs_by_several_values() -> None:
    fields_ = {"n": "int", "w": "float?", "p": "decimal", "d": "date", "t": "datetime"}
    fields_ |= {"s": "str", "ok": "bool", "kind": "enum(a, b)", "parent": "ref item?"}
    (item,) = build_design(answers([{"name": "item", "fields": fields_}])).resources
    assert [(f.column, f.range_params, f.range_type) for f in item.range_filters] == [
        ("n", ("n_min", "n_max"), "SafeIntParam"),
        ("w", ("w_min", "w_max"), "FloatParam"),
        ("p", ("p_min", "p_max"), "DecimalParam"),
        ("d", ("d_min", "d_max"), "IsoDate"),
        ("t", ("t_min", "t_max"), "UtcDatetime"),
    ]
    assert [(f.column, f.multi_valued) for f in item.filters] == [
        ("ok", False),
        ("kind", True),
        ("parent_id", True),
    ]
    imported = item.imports_from("app.models.types")
    assert {"DecimalParam", "FloatParam", "IsoDate", "SafeIntParam"} <= set(imported)


def test_section_6_names_each_list_parameter_in_one_sentence() -> None:
    fields_ = {"title": "str searchable", "kind": "enum(a, b)", "ok": "bool", "n": "int"}
    design = build_design(answers([{"name": "item", "fields": fields_}]))
    groups = {group.title: group for group in design.endpoint_groups}
    assert groups["Users"].list_takes == "`offset` (≥ 0, default 0) and `limit` (1–100, default 20)"
    items = groups["Items"]
    assert items.list_path == "/items"
    clauses = items.list_parameters
    assert clauses[2].startswith("`sort` (one or more of `id`, `title`, `kind`, `ok`, `n`,")
    assert clauses[3:] == (
        "the exact-match filters `kind` (repeatable: any of the values, at most 100), `ok`",
        "`q` (1–200 characters, found anywhere in `title`, ignoring letter case: on SQLite, of "
        "ASCII letters)",
        "the inclusive bounds `n_min`, `n_max`",
    )
    assert items.list_takes.endswith(
        ", `q` (1–200 characters, found anywhere in `title`, "
        "ignoring letter case: on SQLite, of ASCII letters) and the inclusive bounds `n_min`, `n_max`"
    )
    assert not groups["Health"].list_parameters


def test_searchable_text_fields_are_what_q_looks_in() -> None:
    fields_ = {"title": "str(200)? unique searchable", "notes": "text searchable", "code": "str"}
    (item,) = build_design(answers([{"name": "item", "fields": fields_}])).resources
    assert [f.column for f in item.search_fields] == ["title", "notes"]
    assert item.fields[0].optional and item.fields[0].unique
    assert "searchable (`q`)" in item.fields[1].constraints


def test_default_length_limits_as_the_spec_writes_them() -> None:
    assert kinds.default_length_limits() == (
        "1,000 characters for `str`, 100,000 for `text`, 254 for `email`, 2,083 for `url`"
    )


# --------------------------------------------------------------------------- answers as they are given


def test_each_answer_is_checked_with_only_the_answers_before_it() -> None:
    """The roles are checked before the sign-up role is asked, the resources as the whole design."""
    roles = {"auth": "jwt", "roles": ["vet", "nurse", "owner"]}
    assert answer_problems("roles", roles) == [
        "roles: 'owner' is a permission word, not a role; pick another name"
    ]
    assert answer_problems("roles", {**roles, "roles": ["vet", "nurse"]}) == []
    good_roles = {"auth": "jwt", "roles": ["vet", "nurse"], "default_role": "clerk"}
    assert answer_problems("default_role", good_roles) == [
        "default_role: 'clerk' is not one of the roles (vet, nurse); pick one of them"
    ]
    assert answer_problems("project_name", {"project_name": "42"})[0].startswith("project_name:")
    assert answer_problems("project_name", {"project_name": "Clinic"}) == []
    assert answer_problems("api_prefix", {"api_prefix": "/API"})[0].startswith("api_prefix:")
    assert answer_problems("api_prefix", {"api_prefix": ""}) == []
    design = answers(
        [{"name": "pet", "fields": {"name": "str"}, "permissions": {"create": ["librarian"]}}],
        roles=["vet", "nurse"],
        default_role="nurse",
    )
    assert answer_problems("resources", design) == [
        "resource 'pet': permission word 'librarian' in create is neither public, authenticated, "
        "owner nor a role (vet, nurse); add it to roles or fix the spelling"
    ]
    with pytest.raises(ValueError, match="no check"):
        answer_problems("async_db", {})


def test_an_update_names_the_resources_and_fields_it_removes() -> None:
    old = [
        {"name": "author", "fields": {"name": "str", "born_on": "date?"}},
        {"name": "book", "fields": {"title": "str", "pages": "int?"}},
        {"name": "loan", "fields": {"due_on": "date"}},
    ]
    new = [
        {"name": "book", "fields": {"title": "str", "page_count": "int?"}},
        {"name": "author", "fields": {"name": "str", "born_on": "date?", "died_on": "date?"}},
    ]
    assert evolution.removed_parts(old, new) == ["book.pages", "loan"]
    assert evolution.removed_parts(old, old) == []
    assert evolution.removed_parts(None, new) == []  # a first copy: nothing recorded
    assert evolution.removed_parts(old, "not a list") == ["author", "book", "loan"]


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("book.pages, loan", ""),
        ("loan book.pages", ""),
        ("", "the new design removes book.pages, loan: type these names to confirm"),
        (None, "the new design removes book.pages, loan: type these names to confirm"),
        ("loan", "name exactly what is removed (book.pages, loan); missing book.pages"),
        (
            "loan, book.pages, author",
            "name exactly what is removed (book.pages, loan); not removed: author",
        ),
    ],
)
def test_a_removal_is_confirmed_by_naming_exactly_what_goes(
    answer: str | None, problem: str
) -> None:
    assert evolution.confirmation_problem(["book.pages", "loan"], answer) == problem


def test_the_design_checksum_tells_a_hand_edit_apart() -> None:
    keys = ("project_name", "resources")
    recorded = {"project_name": "Library", "resources": [{"name": "book", "fields": {"t": "str"}}]}
    checksum = evolution.design_checksum(recorded, keys)
    text = f"# design checksum: {checksum} (...)\nproject_name: Library\n"
    assert not evolution.edited_by_hand(text, recorded, keys)
    edited = {**recorded, "resources": [{"name": "book", "fields": {"t": "str", "n": "int"}}]}
    assert evolution.edited_by_hand(text, edited, keys)
    assert not evolution.edited_by_hand("project_name: Library\n", edited, keys)  # no checksum
    reordered = {"project_name": "Library", "resources": [{"fields": {"t": "str"}, "name": "book"}]}
    assert evolution.design_checksum(reordered, keys) != checksum  # order is part of the design


def test_readme_rename_example_names_a_real_column() -> None:
    design = build_design(
        answers(
            [
                {"name": "loan", "fields": {"book": "ref author", "due_on": "date"}},
                {"name": "author", "fields": {"name": "str"}},
            ]
        )
    )
    rename = design.rename
    assert (rename.resource, rename.table, rename.old, rename.new) == (
        "loan",
        "loan",
        "due_on",
        "new_due_on",
    )
    assert (rename.old_column, rename.new_column) == ("due_on", "new_due_on")


def test_a_conflict_names_the_referring_resources_as_a_sentence() -> None:
    design = build_design(
        answers(
            [
                {"name": "project", "fields": {"name": "str"}},
                {"name": "task", "fields": {"project": "ref project"}},
                {"name": "time_entry", "fields": {"project": "ref project"}},
                {"name": "comment", "fields": {"project": "ref project"}},
            ]
        )
    )
    assert design.by_name["project"].referenced_by_text == "tasks, time entries or comments"
    assert design.by_name["task"].referenced_by_text == ""


def test_every_list_parameter_has_a_description_from_the_design() -> None:
    """What each parameter selects, with the field's own description and the limits."""
    design = build_design(
        answers(
            [
                {"name": "shelf", "fields": {"name": "str"}},
                {
                    "name": "book",
                    "fields": {
                        "title": "str(200) searchable",
                        "genre": {"type": "enum(a, b)", "description": "The shelf section."},
                        "shelf": "ref shelf",
                        "available": "bool",
                        "pages": "int",
                    },
                },
            ]
        )
    )
    about = design.by_name["book"].query_descriptions
    assert set(about) == {"sort", "q", "genre", "shelf_id", "available", "pages_min", "pages_max"}
    most = f"at most {limits.LIMITS.max_filter_values}"
    assert about["genre"] == (
        f"Only books whose `genre` is any of these values (repeat the parameter for several, "
        f"{most}). The shelf section."
    )
    assert about["shelf_id"].endswith(
        f"any of these values (repeat the parameter for several, {most})"
    )
    assert about["available"] == "Only books whose `available` is this value"
    assert about["pages_min"] == "Only books whose `pages` is at least this"
    assert about["pages_max"] == "Only books whose `pages` is at most this"
    assert about["q"] == (
        "Only books with this text anywhere in `title`, ignoring letter case "
        f"(at most {limits.LIMITS.max_search_length} characters)"
    )
    assert about["sort"].endswith(
        "a leading `-` sorts descending; an enum sorts in the order the design lists its values"
    )


def test_the_contract_writes_types_as_the_live_openapi_reads_them() -> None:
    """Decimals are sent as numbers or strings and come back as strings; lengths and null show."""
    design = build_design(
        answers(
            [
                {
                    "name": "item",
                    "fields": {"price": "decimal", "email": "email?", "kind": "enum(a, b)"},
                }
            ]
        )
    )
    api = contract.api_contract(design)
    assert api["models"]["ItemCreate"]["price"] == {"required": True, "type": "number | string"}
    assert api["models"]["ItemPublic"]["price"] == {"required": True, "type": "string"}
    assert api["models"]["ItemUpdate"]["email"] == {
        "required": False,
        "type": "string(email) max 254 | null",
    }
    listing = api["operations"]["GET /api/v1/items"]
    assert listing["query"]["kind"] == "array(enum(a, b))"
    assert listing["query"]["price_min"] == "number | string | null"
    assert listing["query"]["sort"].startswith("array(enum(id, -id, price, -price")
    assert contract.contract_json(design) == json.dumps(api, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    ("auth", "fields", "kind"),
    [
        ("jwt", {"title": "str"}, "last_admin"),
        ("none", {"code": "str unique", "author": "ref author"}, "unique"),
        ("none", {"title": "str", "author": "ref author"}, "reference"),
        ("none", {"title": "str"}, None),
    ],
)
def test_a_409_is_triggered_exactly_when_section_7_lists_it(
    auth: str, fields: dict[str, str], kind: str | None
) -> None:
    resources = [{"name": "author", "fields": {"name": "str"}}, {"name": "book", "fields": fields}]
    if kind is None:
        resources = resources[1:]
    design = build_design(answers(resources, auth=auth))
    trigger = design.conflict_trigger
    assert (trigger.kind if trigger else None) == kind
    assert (409 in design.error_statuses) == (trigger is not None) == bool(design.conflict_causes)


def test_references_are_scoped_by_who_reads_their_target() -> None:
    """A task only leads and its owner read: references to it are checked against the caller, an
    engineer (who creates time entries but reads only their own tasks) gets a hidden-reference
    test, and the permission matrix expects the 422 an admin's task gives that engineer."""
    design = build_design(
        answers(
            [
                {
                    "name": "task",
                    "owned": True,
                    "fields": {"title": "str"},
                    "permissions": {"read": ["lead", "owner"], "create": ["engineer"]},
                },
                {
                    "name": "time_entry",
                    "plural": "time_entries",
                    "fields": {"task": "ref task", "hours": "float"},
                    "permissions": {"read": ["authenticated"], "create": ["authenticated"]},
                },
                {"name": "note", "fields": {"body": "str"}, "permissions": {"read": ["public"]}},
            ],
            roles=["admin", "lead", "engineer"],
            default_role="engineer",
        )
    )
    task, entry, _ = design.resources
    [access] = design.read_accesses
    assert (access.function, access.readers, access.owners_read_theirs) == (
        "readable_task_ids",
        ("admin", "lead"),
        True,
    )
    assert access.reads_others("lead") and not access.reads_others("engineer")
    assert access.reads_own("engineer")
    assert entry.checks_caller and entry.takes_caller("list")
    assert not task.checks_caller and task.takes_caller("create")  # for the project's rules
    assert entry.access("create", "engineer") == 422 and entry.access("create", "lead") == 201
    [case] = design.hidden_references(entry)
    assert (case.key, case.role, case.required, case.may_own, case.filter_param) == (
        "task_id",
        "engineer",
        True,
        True,
        "task_id",
    )
    assert design.hidden_references(task) == []


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("string", "'str' or 'text'?"),
        ("string(200)", "'str' or 'text'?"),
        ("timestamp?", "'datetime'?"),
        ("integer >= 1", "'int'?"),
        ("boolean = true", "'bool'?"),
        ("intger", "'int'?"),
        ("datetim", "'datetime' or 'date'?"),
        ("foreign_key", "'ref <resource>'?"),
    ],
)
def test_a_misspelt_type_is_answered_with_the_types_meant(written: str, meant: str) -> None:
    resource = {"name": "book", "fields": {"title": "str", "oops": written}}
    with pytest.raises(DesignError) as refused:
        build_design(answers([resource]))
    [problem] = refused.value.problems
    assert problem.startswith("resource 'book', field 'oops': "), problem
    assert f"(did you mean {meant})" in problem, problem


def test_a_type_nothing_resembles_gets_no_guess() -> None:
    assert suggestions.type_suggestion("zzz", ("str", "int")) == ""
    assert suggestions.type_suggestion("int", ("str", "int")) == ""
    assert suggestions.did_you_mean("zebra", ("admin", "member")) == ""


def test_misspelt_roles_permission_words_and_resources_are_answered_with_the_name_meant() -> None:
    design = answers(
        [
            {"name": "customer", "fields": {"name": "str"}},
            {
                "name": "ticket",
                "owned": True,
                "fields": {
                    "who": "ref customers",
                    "tags": "refs custmer",
                    "state": {"type": "str?", "write": ["agnet"]},
                },
                "permissions": {"read": ["agents", "owners"], "create": ["authenticate"]},
            },
        ],
        roles=["admin", "agent", "customer"],
        default_role="customers",
    )
    with pytest.raises(DesignError) as refused:
        build_design(design)
    problems = "\n".join(refused.value.problems)
    for expected in (
        "default_role: 'customers' (did you mean 'customer'?) is not one of the roles",
        "permission word 'agents' in read (did you mean 'agent'?)",
        "permission word 'owners' in read (did you mean 'owner'?)",
        "permission word 'authenticate' in create (did you mean 'authenticated'?)",
        "`write:` names 'agnet' (did you mean 'agent'?), which is not a role",
        "ref 'customers' (did you mean 'customer'?) names no resource",
        "refs 'custmer' (did you mean 'customer'?) names no resource",
    ):
        assert expected in problems, problems


@pytest.mark.parametrize(
    ("answer", "roles"),
    [
        ("admin, agent, customer", ["admin", "agent", "customer"]),
        ("admin,agent", ["admin", "agent"]),
        ("admin agent  customer", ["admin", "agent", "customer"]),
        ("admin", ["admin"]),
        (["admin", "member"], ["admin", "member"]),
        (None, None),
    ],
)
def test_roles_typed_as_a_line_are_a_list(answer: object, roles: object) -> None:
    assert questionnaire.role_list(answer) == roles


def test_problems_are_listed_and_wrapped_between_words_never_cut() -> None:
    problems = ["first " * 30 + "end", "second problem"]
    message = questionnaire.listed(problems)
    assert message.splitlines()[0] == "2 problems:"
    lines = questionnaire.wrapped(message, 40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[1].startswith("- first") and lines[2].startswith("  first")
    assert " ".join(" ".join(lines).split()) == " ".join(message.split())
    assert questionnaire.listed(["alone"]) == "alone"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- name: a\n  fields: x: y", "line 2, column 12: mapping values are not allowed here"),
        ("- name: a\n  fields:\n\ttitle: str", "line 3, column 1"),
        ("[{name: a}", "line 1, column 11"),
    ],
)
def test_a_yaml_slip_is_named_by_line_and_column(text: str, where: str) -> None:
    with pytest.raises(yaml.YAMLError) as slip:
        yaml.safe_load(text)
    problem = questionnaire.yaml_problem(slip.value)
    assert problem.startswith(f"not valid YAML at {where}"), problem
    assert ("spaces, not tabs" in problem) == ("\t" in text)


def test_each_starting_design_gives_the_answers_of_its_example() -> None:
    offered = dict(questionnaire.starting_designs())
    values = list(offered.values())
    assert values[0] == "library" and values[-1] == "minimal"
    assert values[1:-1] == [path.stem for path in EXAMPLES]
    assert all(len(label) <= 70 for label in offered), "a choice wider than the terminal is cut"
    # Each example is summed up by its first comment, not by the modeline naming its schema.
    assert "A helpdesk (examples/helpdesk.yml)" in offered, list(offered)
    assert questionnaire.starting_answers("library") == {}
    for path in EXAMPLES:
        example = yaml.safe_load(path.read_text())
        assert questionnaire.starting_answers(path.stem) == example
        assert yaml.safe_load(questionnaire.starting_resources(path.stem)) == example["resources"]
    minimal = questionnaire.starting_answers("minimal")
    design = build_design(answers(minimal["resources"], roles=minimal["roles"]))
    assert [r.name for r in design.resources] == ["item"]
    assert len(questionnaire.starting_resources("minimal").splitlines()) < 15


SPEC_DESIGN = [
    {"name": "author", "fields": {"name": "str(80)"}},
    {"name": "tag", "fields": {"label": "str(20)"}},
    {
        "name": "book",
        "owned": True,
        "timestamps": True,
        "fields": {
            "title": {"type": "str(120)", "example": "Dune"},
            "isbn": "str(13) unique",
            "pages": "int >= 1",
            "author": "ref author",
            "tags": "refs tag",
        },
    },
]


def test_the_spec_examples_hold_every_field_with_the_tests_values() -> None:
    design = build_design(answers(SPEC_DESIGN))
    book = design.resources[2]
    created = json.loads(spec_examples.create_example(book))
    assert created == {
        "title": "Dune",  # the design's example
        "isbn": "isbn-99",  # else the value the generated tests change a row to
        "pages": 19,
        "author_id": 1,
        "tag_ids": [1],
    }
    public = json.loads(spec_examples.public_example(book))
    assert sorted(public) == sorted([*created, "id", "owner_id", "created_at", "updated_at"])
    assert json.loads(spec_examples.not_found_example(design)) == {
        "detail": "Author 7 not found",
        "code": "not_found",
    }


def test_the_er_diagram_has_every_column_of_every_table() -> None:
    design = build_design(answers(SPEC_DESIGN))
    entities = {
        e.name: [(c.type, c.name, c.keys) for c in e.columns]
        for e in spec_models.er_entities(design)
    }
    assert list(entities) == ["User", "Author", "Tag", "Book", "BookTagsLink"]
    assert entities["Author"] == [("int", "id", "PK"), ("string", "name", "")]
    assert entities["Book"] == [
        ("int", "id", "PK"),
        ("string", "title", ""),
        ("string", "isbn", "UK"),
        ("int", "pages", ""),
        ("int", "author_id", "FK"),
        ("int", "owner_id", "FK"),
        ("datetime", "created_at", ""),
        ("datetime", "updated_at", ""),
    ]
    assert entities["BookTagsLink"] == [("int", "book_id", "PK, FK"), ("int", "tag_id", "PK, FK")]
    assert "User" not in {
        e.name for e in spec_models.er_entities(build_design(answers(SPEC_DESIGN, auth="none")))
    }


def test_section_5_names_every_model_and_section_6_each_endpoints_database_work() -> None:
    design = build_design(answers(SPEC_DESIGN))
    rows = spec_models.model_rows(design)
    assert [row.table for row in rows] == ["Author", "Tag", "Book", "BookTagsLink", "User", "", ""]
    assert "`owner_id`" in rows[2].maps and "`tag_ids`" in rows[2].maps
    effects = {
        (group.title, ep.action): spec_database.database_effect(design, group, ep)
        for group in design.endpoint_groups
        for ep in group.endpoints
    }
    assert "`409` while books still reference it" in effects[("Authors", "delete")]
    assert "`isbn` is free (`409` if taken)" in effects[("Books", "create")]
    assert "`author_id`, `tag_ids` name existing rows" in effects[("Books", "create")]
    assert effects[("Health", "healthz")] == "nothing: the database is not touched"
