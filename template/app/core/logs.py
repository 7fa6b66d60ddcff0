"""Log lines that can be trusted: timestamped, one per event, no forged lines, no SQL, text or JSON."""

import json
import logging
import re
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

# Control characters would let a request forge log lines (`%0A` in a path) or hide them (`%00`).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
HANDLER_NAME = "app"
STARTUP_TRACEBACK = "Traceback (most recent call last):\n"


def escape_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def traceback_without_sql(error: BaseException) -> str:
    """The traceback as Python prints it, but a database error's message cut to its first line:
    the rest quotes the SQL statement (and PostgreSQL's drivers quote a line of it in their own)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    drivers = {id(e.orig) for e in chain if isinstance(e, DBAPIError)}
    parts: list[str] = []
    for exc in reversed(chain):
        if parts:
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if exc.__cause__ is not None
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        message = str(exc)
        if isinstance(exc, SQLAlchemyError) or id(exc) in drivers:
            message = message.split("\n", 1)[0]
        name = type(exc).__qualname__
        module = type(exc).__module__
        parts.append(f"{name if module == 'builtins' else f'{module}.{name}'}: {message}\n")
    return "".join(parts).rstrip("\n")


def _startup_traceback(record: logging.LogRecord) -> bool:
    """uvicorn logs a failed startup's traceback as its message: the app's own text, no request's,
    so it keeps its lines (an outdated schema reads as Python prints it)."""
    return record.name == "uvicorn.error" and record.message.startswith(STARTUP_TRACEBACK)


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return _timestamp(record)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        if not _startup_traceback(record):
            record.message = escape_control_characters(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802
        return traceback_without_sql(ei[1]) if ei[1] is not None else ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # another handler may have kept its own text, SQL and all
        return super().format(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802
        return traceback_without_sql(ei[1]) if ei[1] is not None else ""


def configure_logging(log_format: Literal["text", "json"]) -> None:
    """One handler on the root logger; uvicorn's loggers go through it, its access log is ours."""
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # app.access writes one line per request, with its request id; uvicorn's would be a second.
    logging.getLogger("uvicorn.access").disabled = True
    # `fastapi dev` watches the project folder, the SQLite file in it too: every write is a change.
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
