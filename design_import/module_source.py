"""A SQLModel module's tables, read without running its code in this process: a child process
imports the module (its code runs there, with a timeout and an environment without secrets),
creates its tables in an empty SQLite file, and this process reads that file's catalogue."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The only variables the child process gets: enough to find Python and its packages, nothing
# that could hold a secret (tokens, passwords, database URLs).
PASSED_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "TMPDIR")
DEFAULT_TIMEOUT = 30

# Run by the child: import the module by its path, then create every table SQLModel (or a
# SQLAlchemy MetaData the module holds) knows of in the empty SQLite file.
CHILD = """
import importlib.util, sys
from pathlib import Path
import sqlalchemy as sa
from sqlmodel import SQLModel

path, database = Path(sys.argv[1]), sys.argv[2]
sys.path.insert(0, str(path.parent))
spec = importlib.util.spec_from_file_location(path.stem, path)
module = importlib.util.module_from_spec(spec)
sys.modules[path.stem] = module
spec.loader.exec_module(module)
# The models' own bounds (`Field(ge=0)`, `Field(min_length=3)`) are not in their tables: the
# child writes them as the CHECK constraints a rendered project has, so they are read alike.
import annotated_types as at
words = {at.Ge: (">=", "ge"), at.Gt: (">", "gt"), at.Le: ("<=", "le"), at.Lt: ("<", "lt")}
for mapper in SQLModel._sa_registry.mappers:
    model, table = mapper.class_, mapper.local_table
    for name, info in getattr(model, "model_fields", {}).items():
        if name not in table.c:
            continue
        column = '"' + name.replace('"', '""') + '"'
        conditions = []
        for rule in info.metadata:
            for kind, (word, attribute) in words.items():
                if isinstance(rule, kind):
                    conditions.append(f"{column} {word} {getattr(rule, attribute)}")
            if isinstance(rule, at.MinLen) and rule.min_length > 0:
                conditions.append(f"length({column}) >= {rule.min_length}")
        if conditions:
            table.append_constraint(sa.CheckConstraint(" AND ".join(conditions)))
engine = sa.create_engine(f"sqlite:///{database}")
found = [SQLModel.metadata]
found += [v for v in vars(module).values() if isinstance(v, sa.MetaData) and v not in found]
for metadata in found:
    metadata.create_all(engine)
engine.dispose()
"""


class ModuleFailed(Exception):
    """The module could not be imported or its tables not created; the message says why."""


def is_module(source: str) -> bool:
    return "://" not in source and source.endswith(".py")


def build_tables(module: Path, database: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Run `module` in a child process that creates its tables in the SQLite file `database`."""
    if not module.is_file():
        raise ModuleFailed(f"{module}: no such file")
    environment = {k: os.environ[k] for k in PASSED_VARIABLES if k in os.environ}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-c", CHILD, str(module.resolve()), str(database)],
            cwd=module.resolve().parent,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        raise ModuleFailed(
            f"{module}: still running after {timeout:g} s, stopped (a module that starts a server "
            "or waits for input at import cannot be read; raise --timeout if it is only slow)"
        ) from expired
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise ModuleFailed(f"{module}: importing it failed: {last[0]}")


def temporary_database() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="design-import-"))
    return folder / "tables.db"
