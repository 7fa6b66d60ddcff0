"""`python -m tools.contract`: the API as clients see it, recorded in docs/api-contract.json.

The contract keeps what a client depends on, read from the app's own OpenAPI document: each
operation's statuses, who may call it, its body, response and query parameters, and the fields of
the resources' models. `copier update` writes the contract of the new design; then

    python -m tools.contract --changes   # what changed since the last commit -> docs/api-changes.md
    python -m tools.contract             # does the running code still match the contract?
    python -m tools.contract --write     # record a change made by hand to the code
"""

import argparse
import datetime
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models.types import MAX_SAFE_INTEGER  # every integer's bounds, left unsaid

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "docs" / "api-contract.json"
CHANGES = ROOT / "docs" / "api-changes.md"
CUSTOM = ROOT / "docs" / "custom-endpoints.md"
METHODS = ("get", "post", "put", "patch", "delete")
# The models of these routers are the template's own (accounts, login, health), not the design's.
SYSTEM_TAGS = {"auth", "users", "health"}

HEADING = (
    "# API changes\n\nWhat each change of the design did to the API, newest first "
    "(`python -m tools.contract --changes`).\n"
)

Contract = dict[str, Any]
# The rules a field's schema may carry, as the contract writes them: `integer >= 1 <= 100`.
RULES = {
    "minLength": "min",
    "minimum": ">=",
    "exclusiveMinimum": ">",
    "maximum": "<=",
    "exclusiveMaximum": "<",
    "pattern": "pattern",
}
# A row of docs/custom-endpoints.md whose access is that of a generated route:
# | POST | `/api/v1/authors/{author_id}/archive` | ... | same as `PATCH /api/v1/authors/{author_id}` |
SAME_AS = re.compile(r"^\| ([A-Z]+) \| `(\S+)` \| .* \| same as `([A-Z]+) (\S+)` \|$", re.M)
# How pydantic (2.13 and later) begins the pattern of a decimal's text form: its digits, which the
# model states already, so left unsaid too, whichever pydantic wrote the schema.
DECIMAL_TEXT = "^(?!^[-+.]*$)"
# One option of a type: `string(email) max 254`, `string max 60 min 2`, `integer >= 0 <= 100`.
OPTION = re.compile(
    r"(?P<base>.*?)(?: max (?P<limit>\d+))?(?P<rules>(?: (?:min|>=|>|<=|<|pattern) .*)?)"
)
# One rule of an option's rules: ` >= 0`, ` min 2`, or the pattern, always last.
RULE = re.compile(r" (?P<word>min|>=|>|<=|<) (?P<value>\S+)| pattern (?P<pattern>.*)$")


def live_contract() -> Contract:
    """The contract of the code as it is now."""
    # Imported here, not above: importing app.main builds an app from this shell's settings.
    from app.core.config import Settings
    from app.main import create_app

    app = create_app(Settings(environment="development", database_url="sqlite://"))
    return contract(app.openapi())


def contract(openapi: dict[str, Any]) -> Contract:
    """What a client depends on, out of an OpenAPI document."""
    schemas: dict[str, Any] = openapi.get("components", {}).get("schemas", {})
    operations: dict[str, Any] = {}
    models: set[str] = set()
    for path, path_item in openapi["paths"].items():
        for method in METHODS:
            if method not in path_item:
                continue
            operation = path_item[method]
            success = min(int(status) for status in operation["responses"] if int(status) < 400)
            body = _body(operation, schemas)
            response = _schema_name(operation["responses"][str(success)])
            operations[f"{method.upper()} {path}"] = {
                "auth": _auth(operation),
                "body": body,
                "errors": sorted(int(s) for s in operation["responses"] if int(s) >= 400),
                "query": {
                    parameter["name"]: type_of(parameter["schema"], schemas)
                    for parameter in operation.get("parameters", [])
                    if parameter["in"] == "query"
                },
                "response": response,
                "status": success,
            }
            if not SYSTEM_TAGS & set(operation.get("tags", [])):
                models |= {name for name in (body, response) if name in schemas}
    for name in sorted(models):  # a page's items name the model of one row
        models |= _models_named(schemas[name], schemas)
    return {
        "models": {name: _fields(schemas[name], schemas) for name in sorted(models)},
        "operations": operations,
    }


def type_of(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    """A JSON schema in a few words: `string(date) | null`, `enum(a, b)`, `array(BookPublic)`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return type_of(schemas[name], schemas) if "enum" in schemas[name] else name
    if "anyOf" in schema:
        # A rule beside `anyOf` (of an optional field with a pattern) holds for its values.
        rules = {key: schema[key] for key in (*RULES, "maxLength") if key in schema}
        options = [
            option if option.get("type") == "null" else {**option, **rules}
            for option in schema["anyOf"]
        ]
        return " | ".join(type_of(option, schemas) for option in options)
    if "enum" in schema:
        return f"enum({', '.join(map(str, schema['enum']))})"
    if schema.get("type") == "array":
        return f"array({type_of(schema['items'], schemas)})"
    if str(schema.get("pattern", "")).startswith(DECIMAL_TEXT):
        schema = {key: value for key, value in schema.items() if key != "pattern"}
    text = str(schema.get("type", "any"))
    if "format" in schema:
        text += f"({schema['format']})"
    if "maxLength" in schema:
        text += f" max {schema['maxLength']}"
    for keyword, word in RULES.items():
        if keyword in schema and schema[keyword] not in (MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER):
            text += f" {word} {_number(schema[keyword]) if word != 'pattern' else schema[keyword]}"
    return text


def _number(value: float) -> str:
    """`100.0` as `100`: OpenAPI writes an int's bounds as floats."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _fields(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required", []))
    return {
        name: {"required": name in required, "type": type_of(field, schemas)}
        for name, field in schema.get("properties", {}).items()
    }


def _models_named(schema: Any, schemas: dict[str, Any]) -> set[str]:
    """The object models a schema refers to, however deep (enums are not models)."""
    if isinstance(schema, list):
        return set().union(*(_models_named(item, schemas) for item in schema))
    if not isinstance(schema, dict):
        return set()
    found = set().union(*(_models_named(value, schemas) for value in schema.values()))
    ref = schema.get("$ref")
    if isinstance(ref, str) and "enum" not in schemas[ref.rsplit("/", 1)[-1]]:
        found.add(ref.rsplit("/", 1)[-1])
    return found


def _schema_name(holder: dict[str, Any]) -> str | None:
    for media in holder.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref")
        if ref:
            return str(ref.rsplit("/", 1)[-1])
    return None


def _body(operation: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    """A JSON body's model, or the required fields of a form: `form(username, password)`."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/x-www-form-urlencoded" in content:
        name = _schema_name(operation["requestBody"])
        required = schemas[name].get("required", []) if name else []
        return f"form({', '.join(required)})"
    return _schema_name(operation.get("requestBody", {}))


def _auth(operation: dict[str, Any]) -> str | list[str]:
    requirements = operation.get("security") or []
    scopes = sorted({scope for req in requirements for scopes in req.values() for scope in scopes})
    return scopes if scopes else "authenticated" if requirements else "public"


@dataclass(frozen=True)
class Change:
    where: str  # an operation (`POST /api/v1/books`) or a field (`BookCreate.pages`)
    what: str
    breaking: bool  # whether a client written for the old API can fail against the new one


def changes(old: Contract, new: Contract) -> list[Change]:
    """What changed between two contracts, each change marked breaking or not."""
    found: list[Change] = []
    before, after = old["operations"], new["operations"]
    for name in sorted(before.keys() - after.keys()):
        found.append(Change(name, "removed", True))
    for name in sorted(after.keys() - before.keys()):
        found.append(Change(name, "added", False))
    for name in sorted(before.keys() & after.keys()):
        found += _operation_changes(name, before[name], after[name])
    requests = {op["body"] for c in (old, new) for op in c["operations"].values()}
    for model in sorted(old["models"].keys() | new["models"].keys()):
        old_fields = old["models"].get(model, {})
        new_fields = new["models"].get(model, {})
        if old_fields and new_fields:
            found += _field_changes(model, old_fields, new_fields, request=model in requests)
    return found


def _operation_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    found: list[Change] = []
    if old["status"] != new["status"]:
        found.append(Change(name, f"answers {new['status']} instead of {old['status']}", True))
    if old["auth"] != new["auth"]:
        found.append(
            Change(
                name,
                f"access {_who(old['auth'])} -> {_who(new['auth'])}",
                _narrower(old["auth"], new["auth"]),
            )
        )
    for status in sorted(set(new["errors"]) - set(old["errors"])):
        found.append(Change(name, f"may now answer {status}", False))
    for status in sorted(set(old["errors"]) - set(new["errors"])):
        found.append(Change(name, f"no longer answers {status}", False))
    for part in ("body", "response"):
        if old[part] != new[part]:
            renamed = old[part] is not None and new[part] is not None
            found.append(Change(name, f"{part} {old[part]} -> {new[part]}", not renamed))
    for parameter in sorted(old["query"].keys() - new["query"].keys()):
        found.append(Change(name, f"query parameter `{parameter}` removed", True))
    for parameter in sorted(new["query"].keys() - old["query"].keys()):
        found.append(Change(name, f"query parameter `{parameter}` added", False))
    for parameter in sorted(old["query"].keys() & new["query"].keys()):
        was, now = old["query"][parameter], new["query"][parameter]
        if was != now:
            one_was, one_now = _one_value(was), _one_value(now)
            repeatable = ("array(" in was, "array(" in now)
            same_shape = repeatable[0] == repeatable[1]
            retyped = _retyped(one_was, one_now) if same_shape else f"{was} -> {now}"
            if retyped == f"{one_was} -> {one_now}":
                retyped = f"{was} -> {now}"
            narrower = _accepts(one_was, one_now)[1] or repeatable == (True, False)
            found.append(Change(name, f"query parameter `{parameter}`: {retyped}", narrower))
    return found


def _field_changes(
    model: str, old: dict[str, Any], new: dict[str, Any], *, request: bool
) -> list[Change]:
    """A request model breaks clients by demanding more; a response model, by promising less."""
    found: list[Change] = []
    for field in sorted(old.keys() - new.keys()):
        found.append(Change(f"{model}.{field}", "removed", True))
    for field in sorted(new.keys() - old.keys()):
        demanded = request and new[field]["required"]
        what = f"added ({new[field]['type']}{', required' if demanded else ''})"
        found.append(Change(f"{model}.{field}", what, demanded))
    for field in sorted(old.keys() & new.keys()):
        was, now = old[field], new[field]
        if was["type"] != now["type"]:
            wider, narrower = _accepts(was["type"], now["type"])
            breaking = narrower if request else wider  # clients send less, or must read more
            found.append(Change(f"{model}.{field}", _retyped(was["type"], now["type"]), breaking))
        if was["required"] != now["required"]:
            what = "now required" if now["required"] else "now optional"
            found.append(Change(f"{model}.{field}", what, now["required"] == request))
    return found


def _options(kind: str) -> dict[str, Any]:
    """`string max 50 | null` -> {"string": 50, "null": None}; an enum's members under "enum"."""
    found: dict[str, Any] = {}
    for option in kind.split(" | "):
        if option.startswith("enum("):
            found["enum"] = option.removeprefix("enum(").removesuffix(")").split(", ")
        else:  # a changed rule (`min 3`, `>= 0`, a pattern) makes it another option
            match = OPTION.fullmatch(option)
            assert match, option
            limit = match["limit"]
            found[match["base"] + match["rules"]] = int(limit) if limit else None
    return found


def _accepts(was: str, now: str) -> tuple[bool, bool]:
    """Whether the new type takes a value the old one did not, and the other way round."""
    old, new = _options(was), _options(now)
    old_values, new_values = set(old.pop("enum", [])), set(new.pop("enum", []))
    old_kinds = [_rules(key, limit) for key, limit in old.items()]
    new_kinds = [_rules(key, limit) for key, limit in new.items()]
    wider = bool(new_values - old_values) or any(
        not any(_covers(before, after) for before in old_kinds) for after in new_kinds
    )
    narrower = bool(old_values - new_values) or any(
        not any(_covers(after, before) for after in new_kinds) for before in old_kinds
    )
    return wider, narrower


def _rules(option: str, limit: int | None) -> dict[str, Any]:
    """One option of a type, `string max 60 min 2` or `integer >= 0 < 10`, as its base type and
    rules: {"base": "string", "max": 60, "min": 2}, {"base": "integer", ">=": 0.0, "<": 10.0}."""
    match = OPTION.fullmatch(option)
    assert match, option
    found: dict[str, Any] = {"base": match["base"], "max": limit}
    for rule in RULE.finditer(match["rules"]):
        word, value = rule["word"] or "pattern", rule["value"] or rule["pattern"]
        found[word] = value if word == "pattern" else float(value)
    return found


def _covers(wide: dict[str, Any], narrow: dict[str, Any]) -> bool:
    """Whether every value one option takes (`narrow`), the other (`wide`) takes too."""
    bases = (wide["base"], narrow["base"])
    same_base = (
        bases[0] == bases[1]
        or bases in {("number", "integer")}
        or (bases[0] == "string" and bases[1].startswith("string("))
    )
    same_pattern = wide.get("pattern", narrow.get("pattern")) == narrow.get("pattern")
    return (
        same_base
        and same_pattern
        and _upper(narrow) <= _upper(wide)
        and _lower(narrow) >= _lower(wide)
    )


def _upper(option: dict[str, Any]) -> tuple[float, bool]:
    """The highest value or length an option takes, and whether it takes that bound itself."""
    bounds = [(float(option["max"]), True)] if option["max"] is not None else []
    bounds += [(option["<="], True)] if "<=" in option else []
    bounds += [(option["<"], False)] if "<" in option else []
    return min(bounds, default=(float("inf"), True))


def _lower(option: dict[str, Any]) -> tuple[float, bool]:
    """The lowest value or length an option takes, and whether it takes that bound itself
    (ordered so that a lower bound that leaves the bound itself out sorts higher)."""
    bounds = [(option["min"], False)] if "min" in option else []
    bounds += [(option[">="], False)] if ">=" in option else []
    bounds += [(option[">"], True)] if ">" in option else []
    return max(bounds, default=(float("-inf"), False))


def _one_value(kind: str) -> str:
    """What one occurrence of a query parameter takes: a repeatable one takes its items' type.
    Never null: a query string cannot send one (`| null` only said it may be left out)."""
    options = [
        option[len("array(") : -1] if option.startswith("array(") else option
        for option in kind.split(" | ")
        if option != "null"
    ]
    return " | ".join(options)


def _retyped(was: str, now: str) -> str:
    """`enum(a, b) -> enum(a, b, c)` as `now also c`; any other change as both types."""
    old, new = _options(was), _options(now)
    if (
        "enum" not in old
        or old.keys() != new.keys()
        or any(old[k] != new[k] for k in old if k != "enum")
    ):
        return f"{was} -> {now}"
    added = [value for value in new["enum"] if value not in old["enum"]]
    removed = [value for value in old["enum"] if value not in new["enum"]]
    parts = [f"now also {', '.join(added)}"] if added else []
    parts += [f"no longer {', '.join(removed)}"] if removed else []
    return "; ".join(parts) or f"{was} -> {now}"


def _who(auth: str | list[str]) -> str:
    return auth if isinstance(auth, str) else ", ".join(auth)


def _narrower(old: str | list[str], new: str | list[str]) -> bool:
    """Whether some caller allowed before is refused now."""
    rank = {"public": 0, "authenticated": 1}
    if isinstance(old, str) or isinstance(new, str):
        return rank.get(str(old), 2) < rank.get(str(new), 2)
    return bool(set(old) - set(new))


def same_as_rows(text: str) -> dict[str, str]:
    """Each route of docs/custom-endpoints.md whose access is `same as` another route, and that
    route (the file's fenced example aside)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {f"{m} {path}": f"{tm} {target}" for m, path, tm, target in SAME_AS.findall(text)}


def following(value: Contract, same_as: dict[str, str]) -> Contract:
    """The contract with each `same as` route's access that of the route it follows there: a
    route added by hand keeps up with the design's change of that route's permissions."""
    operations = value["operations"]
    followed = {
        name: {**operations[name], "auth": operations[target]["auth"]}
        for name, target in same_as.items()
        if name in operations and target in operations
    }
    return {**value, "operations": {**operations, **followed}}


def record(found: list[Change], *, since: str, today: datetime.date) -> str:
    """One entry of docs/api-changes.md."""
    lines = [f"## {today.isoformat()}: since {since}", ""]
    if not found:
        return "\n".join([*lines, "No change to the API.", ""])
    for title, breaking in (("Breaking (clients must change)", True), ("Other changes", False)):
        entries = [change for change in found if change.breaking == breaking]
        if entries:
            lines += [f"**{title}:**", ""]
            lines += [f"- `{change.where}`: {change.what}" for change in entries]
            lines.append("")
    return "\n".join(lines)


def add_entry(text: str | None, entry: str) -> str:
    """docs/api-changes.md with `entry` first; an entry with the same heading (the same
    comparison, run again) is replaced."""
    entries = [] if text is None else ["## " + part for part in text.split("\n## ")[1:]]
    heading = entry.split("\n", 1)[0]
    kept = [earlier for earlier in entries if earlier.split("\n", 1)[0] != heading]
    return "\n".join([HEADING, entry, *kept])


def contract_at(revision: str) -> tuple[Contract | None, str]:
    """The contract committed at a git revision (None if that commit has none: the project was
    made by a template version without contracts), and the revision's short hash."""
    hint = f"{revision} names no commit of this project (commit it once, or name one with --since)"
    short = _git("rev-parse", "--short", "--verify", revision + "^{commit}", hint=hint).strip()
    relative = CONTRACT.relative_to(ROOT).as_posix()
    if not _git("ls-tree", "--name-only", revision, "--", relative).strip():
        return None, short
    return json.loads(_git("show", f"{revision}:{relative}")), short


def baseline(*, since: str, today: datetime.date) -> str:
    """The entry of docs/api-changes.md when the commit compared with has no contract."""
    return "\n".join(
        [
            f"## {today.isoformat()}: since {since}",
            "",
            f"No earlier contract to compare with: {since} has no "
            f"{CONTRACT.relative_to(ROOT).as_posix()} (a template version without one made it), "
            "so what this change did to clients is not listed here (the spec shows it: "
            f"`git diff {since} -- docs/api-design-spec.md`). The contract as it stands is the "
            "baseline: commit it, and later entries list what changes from it.",
            "",
        ]
    )


def _git(*args: str, hint: str = "") -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"git {' '.join(args)}: {done.stderr.strip()}" + (f"; {hint}" if hint else "")
        )
    return done.stdout


def project_files() -> list[Path]:
    """The files git tracks or would track (not those .gitignore leaves out), once each."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:  # not a git repository: no update to resolve
        return []
    return [ROOT / name for name in dict.fromkeys(listed.stdout.split("\0")) if name]


def conflicted(files: Iterable[Path]) -> list[str]:
    """The files still holding a conflict marker (`<<<<<<< `, as `copier update` leaves one)."""
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # gone, a directory, or not text
            continue
        if any(line.startswith("<<<<<<< ") for line in text.splitlines()):
            found.append(
                path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
            )
    return found


def write_contract(value: Contract) -> None:
    CONTRACT.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.contract")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="record the running code's contract")
    action.add_argument(
        "--changes",
        action="store_true",
        help="add what changed since --since to docs/api-changes.md",
    )
    parser.add_argument("--since", default="HEAD", help="the git revision to compare with")
    args = parser.parse_args(argv)
    unresolved = conflicted(project_files())
    if unresolved:
        print(
            "Conflict markers (<<<<<<<) remain in: "
            + ", ".join(unresolved)
            + ". Resolve them (keep the lines you want, delete the markers), then run this again; "
            "nothing was written.",
            file=sys.stderr,
        )
        return 1
    if args.write:
        write_contract(live_contract())
        print(f"wrote {CONTRACT.relative_to(ROOT)}")
        return 0
    recorded: Contract = json.loads(CONTRACT.read_text())
    if args.changes:
        before, revision = contract_at(args.since)
        followed = following(recorded, same_as_rows(CUSTOM.read_text() if CUSTOM.exists() else ""))
        moved = sorted(
            name
            for name, op in followed["operations"].items()
            if op != recorded["operations"][name]
        )
        if moved:  # the design changed the access of a route that these follow
            write_contract(followed)
            recorded = followed
            print(
                f"Recorded in {CONTRACT.relative_to(ROOT)}: the access of {', '.join(moved)}, "
                "`same as` a generated route in docs/custom-endpoints.md, follows that route's."
            )
        today = datetime.date.today()
        if before is None:
            entry = baseline(since=revision, today=today)
        else:
            entry = record(changes(before, recorded), since=revision, today=today)
        CHANGES.write_text(add_entry(CHANGES.read_text() if CHANGES.exists() else None, entry))
        print(entry)
    drift = changes(recorded, live_contract())
    if drift:
        print(f"The running code differs from {CONTRACT.relative_to(ROOT)}:", file=sys.stderr)
        for change in drift:
            print(f"  {change.where}: {change.what}", file=sys.stderr)
        print(
            "Record a change you meant with `python -m tools.contract --write`.", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
