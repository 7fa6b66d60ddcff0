"""Background jobs (`jobs:` of a resource): each one runs after the resource's create, update or
delete has committed, or on a schedule, in the worker beside the app (huey's queue)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .naming import identifier_problem

# The answers of the `background_jobs` question: none, or a durable queue (huey).
BACKGROUND_JOBS = ("none", "queue")
JOB_ACTIONS = ("create", "update", "delete")
RETRIES = 3  # a job that raises runs again, up to this many more times,
RETRY_DELAY_SECONDS = 10  # this long apart
CRON_PARTS = ("minute", "hour", "day", "month", "day_of_week")
_CRON_PART = re.compile(r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*")
# Names the job modules import: a job of the same name would shadow them.
RESERVED_JOB_NAMES = frozenset({"huey", "crontab", "job_session", "logger", "logging", "select"})
# A trigger's shape, for the design file's schema (the design model checks the rest).
JOB_TRIGGER = r"^\s*(after\s+\w+(\s*,\s*\w+)*|cron(\s+\S+){5})\s*$"
SYNTAX = "`after create, update` or `cron 0 3 * * *` (minute hour day month weekday)"


@dataclass(frozen=True)
class Job:
    name: str
    resource: str  # the resource whose module (app/jobs/<resource>.py) holds it
    after: tuple[str, ...]  # the writes that enqueue it; () for a scheduled job
    cron: tuple[str, ...]  # minute, hour, day, month, day of week; () for a triggered job

    @property
    def scheduled(self) -> bool:
        return bool(self.cron)

    @property
    def trigger(self) -> str:
        """What starts it, as the spec says it."""
        if self.scheduled:
            return f"schedule `{' '.join(self.cron)}` (cron, UTC)"
        return "after " + ", ".join(self.after) + " has committed"

    @property
    def crontab_arguments(self) -> list[tuple[str, str]]:
        """(parameter, value) of huey's `crontab()`, the parts that are not `*`."""
        return [(p, v) for p, v in zip(CRON_PARTS, self.cron, strict=True) if v != "*"]

    @property
    def due_at(self) -> tuple[int, int, int, int, int] | None:
        """(year, month, day, hour, minute): a time the schedule names, for the rendered test;
        None for a triggered job, or one naming days of both the month and the week."""
        if not self.scheduled:
            return None
        minute, hour, day, month, weekday = (_first(part) for part in self.cron)
        if day is not None and weekday is not None:
            return None
        year, month = 2030, month or 1
        if weekday is not None:  # cron's weekdays count from Sunday (0)
            day = next(
                d for d in range(1, 8) if date(year, month, d).isoweekday() % 7 == weekday % 7
            )
        return year, month, day or 1, hour or 0, minute or 0

    @property
    def id_param(self) -> str:
        return f"{self.resource}_id"


def _first(part: str) -> int | None:
    """The first value a cron part names (`*/5` -> None: any)."""
    first = re.split(r"[-,/]", part, maxsplit=1)[0]
    return None if first == "*" else int(first)


def parse_jobs(where: str, resource: str, raw: object, problems: list[str]) -> tuple[Job, ...]:
    """The resource's jobs, from `jobs: {name: "after create, update" | "cron 0 3 * * *"}`."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: `jobs:` must map each job's name to its trigger: {SYNTAX}")
        return ()
    jobs: list[Job] = []
    for name, trigger in raw.items():
        here = f"{where}, job '{name}'"
        problem = identifier_problem("job", name)
        if problem is None and name in RESERVED_JOB_NAMES:
            problem = f"the name {name!r} is taken by the job module's imports; rename the job"
        if problem is not None:
            problems.append(f"{here}: {problem}")
            continue
        job = _job(str(name), resource, trigger)
        if job is None:
            problems.append(f"{here}: {trigger!r} is not a trigger; write {SYNTAX}")
            continue
        jobs.append(job)
    return tuple(jobs)


def _job(name: str, resource: str, trigger: object) -> Job | None:
    if not isinstance(trigger, str):
        return None
    kind, _, rest = trigger.strip().partition(" ")
    if kind == "after":
        actions = [a.strip() for a in rest.split(",")]
        if any(a not in JOB_ACTIONS for a in actions) or len(set(actions)) < len(actions):
            return None
        return Job(name, resource, tuple(a for a in JOB_ACTIONS if a in actions), ())
    if kind == "cron":
        parts = rest.split()
        if len(parts) != len(CRON_PARTS) or not all(_CRON_PART.fullmatch(p) for p in parts):
            return None
        return Job(name, resource, (), tuple(parts))
    return None


def queue_problems(background_jobs: object, jobs: Sequence[Job]) -> list[str]:
    """The `background_jobs` answer is one of its choices, and jobs have a queue to run on."""
    if background_jobs not in BACKGROUND_JOBS:
        return [
            f"background_jobs: {background_jobs!r} is not a choice; choose "
            + " or ".join(BACKGROUND_JOBS)
        ]
    if jobs and background_jobs == "none":
        owners = sorted({job.resource for job in jobs})
        return [
            f"resource '{owners[0]}': `jobs:` need a queue to run on; answer "
            "background_jobs: queue, or drop the jobs"
        ]
    seen: dict[str, str] = {}
    problems = []
    for job in jobs:
        if job.name in seen and seen[job.name] != job.resource:
            problems.append(
                f"resource '{job.resource}', job '{job.name}': resource '{seen[job.name]}' has a "
                "job of the same name; job names are the queue's, so rename one"
            )
        seen[job.name] = job.resource
    return problems


def jobs_of(resources: Sequence[Any]) -> list[Job]:
    """Every job of the design, in design order."""
    return [job for r in resources for job in r.jobs]


def jobs_after(resource: Any, action: str) -> list[Job]:
    """The jobs a committed create, update or delete of this resource enqueues."""
    return [job for job in resource.jobs if action in job.after]
