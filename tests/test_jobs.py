"""Background jobs (`background_jobs: queue`): the design's checks, and a real worker
(`python -m app.worker`) taking jobs from the embedded queue (SQLite) and from Redis, in both builds,
including a worker stopped mid-job: the job runs again, nothing is lost."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import yaml

from hooks.design import DesignError
from hooks.jobs import Job
from hooks.validate import build_design
from tests import forkserver
from tests.conftest import design_data
from tests.helpers import run_project_pytest
from tests.test_http import free_port
from tests.test_team_files import run, tool
from tests.test_update import commit, copier_cli, new_project

BUILDS = [pytest.param(a, id="async" if a else "sync") for a in (False, True)]
QUEUES = ["embedded", "redis"]
DESIGN = "lending-library"  # its loan has `remind_borrower: after create, update`, and a cron job
ADMIN = ("admin@example.com", secrets.token_urlsafe(16))


# -- the design -------------------------------------------------------------------------------
def design_with(jobs: object, background_jobs: str = "queue") -> dict[str, object]:
    data = design_data(DESIGN)
    data["background_jobs"] = background_jobs
    loan = next(r for r in data["resources"] if r["name"] == "loan")
    loan["jobs"] = jobs
    return data


def test_jobs_parse_into_triggers_and_schedules() -> None:
    design = build_design(design_with({"a": "after update,create", "b": "cron */5 7 * * 1"}))
    loan = design.by_name["loan"]
    assert design.job_queue
    assert loan.jobs == (
        Job("a", "loan", ("create", "update"), ()),
        Job("b", "loan", (), ("*/5", "7", "*", "*", "1")),
    )
    assert loan.jobs[1].due_at == (2030, 1, 7, 7, 0)  # 7 January 2030 is a Monday
    assert loan.jobs[1].crontab_arguments == [
        ("minute", "*/5"),
        ("hour", "7"),
        ("day_of_week", "1"),
    ]


@pytest.mark.parametrize(
    ("jobs", "background_jobs", "problem"),
    [
        (
            {"a": "after create"},
            "none",
            "`jobs:` need a queue to run on; answer background_jobs: queue",
        ),
        ({"a": "after create"}, "celery", "background_jobs: 'celery' is not a choice"),
        (
            {"a": "after publish"},
            "queue",
            "job 'a': 'after publish' is not a trigger; write `after",
        ),
        (
            {"a": "after create, create"},
            "queue",
            "job 'a': 'after create, create' is not a trigger",
        ),
        ({"a": "cron 0 3 * *"}, "queue", "job 'a': 'cron 0 3 * *' is not a trigger"),
        ({"a": "cron 0 x * * *"}, "queue", "job 'a': 'cron 0 x * * *' is not a trigger"),
        ({"Send": "after create"}, "queue", "job 'Send':"),
        ({"huey": "after create"}, "queue", "the name 'huey' is taken by the job module's imports"),
        (["after create"], "queue", "`jobs:` must map each job's name to its trigger"),
    ],
)
def test_bad_jobs_are_refused_with_the_fix(
    jobs: object, background_jobs: str, problem: str
) -> None:
    with pytest.raises(DesignError) as refused:
        build_design(design_with(jobs, background_jobs))
    assert problem in refused.value.message


def test_job_names_are_the_queues() -> None:
    data = design_with({"tidy": "after create"})
    book = next(r for r in data["resources"] if r["name"] == "book")
    book["jobs"] = {"tidy": "after delete"}
    with pytest.raises(DesignError) as refused:
        build_design(data)
    assert "resource 'book' has a job of the same name" in refused.value.message


# -- a real worker ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's redis-server on a loopback port, for this session: the queue's URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("redis-server is missing (apt-get install redis-server)")
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for(lambda: _answers(port), server, what="redis-server to listen")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(done: Callable[[], bool], process: subprocess.Popen[bytes], *, what: str) -> None:
    """Poll until `done`; fail if the process ends first or after a minute (a hung worker)."""
    deadline = time.monotonic() + 60
    while not done():
        assert process.poll() is None, f"the process ended while waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} after a minute"
        time.sleep(0.1)


def queue_url(queue: str, tmp_path: Path, redis_server: Callable[[], str]) -> str:
    if queue == "embedded":
        return f"sqlite:///{tmp_path / 'jobs.db'}"
    url = redis_server()
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Callable[[], str]:
    """The Redis URL, started only by the tests that use it."""
    return lambda: str(request.getfixturevalue("redis_server"))


def environment(project: Path, tmp_path: Path, async_db: bool, jobs_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(project),
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"sqlite{'+aiosqlite' if async_db else ''}:///{tmp_path / 'app.db'}",
        "JOBS_URL": jobs_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIRST_ADMIN_EMAIL": ADMIN[0],
        "FIRST_ADMIN_PASSWORD": ADMIN[1],
    }


def run_python(project: Path, env: dict[str, str], code: str) -> str:
    result = forkserver.run([sys.executable, "-c", code], cwd=project, env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@contextmanager
def worker(project: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m app.worker`, as the rendered README starts it; stopped with SIGTERM."""
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.worker"], cwd=project, env=env, stdout=out, stderr=out
        )
        try:
            wait_for(lambda: "consumer" in log.read_text().lower(), process, what="the worker")
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


# Creates a loan (and its book and author) through the app's own routes, as the administrator, in
# a process of its own: the app enqueues the loan's job on the queue JOBS_URL names.
CREATE_A_LOAN = f"""
from fastapi.testclient import TestClient
from app.main import create_app
from tests.conftest import login, new_loan
with TestClient(create_app()) as client:
    client.headers.update(login(client, {ADMIN[0]!r}, {ADMIN[1]!r}))
    print(new_loan(client)["id"])
"""


@pytest.mark.parametrize("queue", QUEUES)
@pytest.mark.parametrize("async_db", BUILDS)
def test_a_worker_runs_the_job_a_committed_write_enqueued(
    rendered: Callable[..., Path],
    tmp_path: Path,
    broker: Callable[[], str],
    async_db: bool,
    queue: str,
) -> None:
    project = rendered(DESIGN, async_db=async_db)
    env = environment(project, tmp_path, async_db, queue_url(queue, tmp_path, broker))
    prestart = [sys.executable, "-m", "app.prestart"]
    assert forkserver.run(prestart, cwd=project, env=env, timeout=120).returncode == 0
    loan_id = int(run_python(project, env, CREATE_A_LOAN).split()[-1])
    log = tmp_path / "worker.log"
    with worker(project, env, log) as process:
        wait_for(
            lambda: f"remind_borrower: loan {loan_id}" in log.read_text(),
            process,
            what="the job's log line",
        )
    text = log.read_text()
    assert "Traceback" not in text, text


# A job added by hand to the user's app/jobs/loan.py: it marks its start, then waits for a file the
# test writes, so the first worker is stopped while the job runs.
SLOW_JOB = """

@task()
def slow_receipt(loan_id: int) -> None:
    import os, pathlib, time
    marks = pathlib.Path(os.environ["JOB_MARKS"])
    with marks.open("a") as out:
        out.write(f"start {loan_id}\\n")
    while not marks.with_suffix(".go").exists():
        time.sleep(0.05)
    with marks.open("a") as out:
        out.write(f"done {loan_id}\\n")
"""


@pytest.mark.parametrize("queue", QUEUES)
@pytest.mark.parametrize("async_db", BUILDS)
def test_a_job_interrupted_by_a_stopped_worker_runs_again(
    rendered: Callable[..., Path],
    tmp_path: Path,
    broker: Callable[[], str],
    async_db: bool,
    queue: str,
) -> None:
    project = shutil.copytree(rendered(DESIGN, async_db=async_db), tmp_path / "project")
    with (project / "app/jobs/loan.py").open("a") as module:
        module.write(SLOW_JOB)
    marks = tmp_path / "marks.txt"
    env = environment(project, tmp_path, async_db, queue_url(queue, tmp_path, broker))
    env["JOB_MARKS"] = str(marks)
    prestart = [sys.executable, "-m", "app.prestart"]
    assert forkserver.run(prestart, cwd=project, env=env, timeout=120).returncode == 0
    run_python(project, env, "from app.jobs.loan import slow_receipt; slow_receipt(7)")
    log = tmp_path / "worker.log"
    with worker(project, env, log) as first:
        wait_for(lambda: marks.exists() and "start 7" in marks.read_text(), first, what="the job")
        first.send_signal(signal.SIGTERM)  # as a deploy or `docker compose stop` does
        assert first.wait(timeout=30) is not None
    assert marks.read_text() == "start 7\n"  # stopped mid-job
    marks.with_suffix(".go").touch()
    with worker(project, env, log) as second:
        wait_for(lambda: "done 7" in marks.read_text(), second, what="the job to run again")
    assert marks.read_text() == "start 7\nstart 7\ndone 7\n"
    left = run_python(project, env, "from app.core.jobs import huey; print(len(huey))")
    assert left.split() == ["0"]


def test_compose_runs_the_worker_and_redis_beside_the_app(rendered: Callable[..., Path]) -> None:
    project = rendered(DESIGN)
    schema = ["--builtin-schema", "vendor.compose-spec", "compose.yaml"]
    run([tool("check-jsonschema", "check-jsonschema"), *schema], cwd=project)
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    assert set(services) == {"app", "worker", "redis", "db"}
    assert services["worker"]["command"] == ["python", "-m", "app.worker"]
    for name in ("app", "worker"):
        environment = services[name]["environment"]
        assert environment["JOBS_URL"] == "redis://redis:6379/0", name
        assert environment["DATABASE_URL"] == services["app"]["environment"]["DATABASE_URL"]
    assert "redis" in services["app"]["depends_on"]
    pyproject = (project / "pyproject.toml").read_text()
    assert "redis = [" in pyproject
    assert "e['redis']" in (project / "Dockerfile").read_text()  # the image can reach Redis


def test_an_update_turns_jobs_on_and_then_keeps_the_job_module(
    template_repo: Path, tmp_path: Path
) -> None:
    """A project rendered without jobs gains them from its design file; the job module is the
    user's from then on: a later update leaves an edit in it, as it does `app/rules/`."""
    project = new_project(template_repo, tmp_path / "project")
    design = yaml.safe_load((project / "design.yml").read_text())
    design["background_jobs"] = "queue"
    loan = next(r for r in design["resources"] if r["name"] == "loan")
    loan["jobs"] = {"notify_desk": "after create, delete", "tidy_up": "cron 30 2 * * 0"}
    data_file = tmp_path / "design.yml"
    data_file.write_text(yaml.safe_dump(design, sort_keys=False))
    update = ["update", "--trust", "--defaults", "--data-file", str(data_file)]
    result = copier_cli(project, *update)
    assert result.returncode == 0, result.stderr
    assert (
        yaml.safe_load((project / ".copier-answers.yml").read_text())["background_jobs"] == "queue"
    )
    assert "background_jobs: queue" in (project / "design.yml").read_text()
    module = project / "app/jobs/loan.py"
    assert "def notify_desk(loan_id: int) -> None:" in module.read_text()
    tests = run_project_pytest(project, "-x", "tests/test_jobs.py", "tests/test_api_spec.py")
    assert tests.returncode == 0, tests.stdout[-5000:]
    assert (
        "test_notify_desk_runs_after_a_loan_is_deleted"
        in (project / "tests/test_jobs.py").read_text()
    )

    edited = module.read_text().replace("logger.info(", "logger.warning(")
    module.write_text(edited)
    commit(project, "Jobs on; the desk is told loudly")
    loan["description"] = "A member's loan of one book."
    data_file.write_text(yaml.safe_dump(design, sort_keys=False))
    result = copier_cli(project, *update)
    assert result.returncode == 0, result.stderr
    assert module.read_text() == edited


def test_a_job_queue_url_huey_cannot_use_stops_the_worker_with_a_line_naming_it(
    rendered: Callable[..., Path], tmp_path: Path
) -> None:
    project = rendered(DESIGN)
    env = environment(project, tmp_path, False, "postgresql://127.0.0.1/jobs")
    result = forkserver.run([sys.executable, "-m", "app.worker"], cwd=project, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Invalid settings (environment variables or .env): JOBS_URL: "
        "'postgresql://127.0.0.1/jobs' is not a job queue URL; "
        "e.g. sqlite:///./jobs.db or redis://127.0.0.1:6379/0"
    )
