"""What every flow shares: settings, the application database, the clock (`now`) and readable artifact keys."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from prefect import Task
from prefect.client.schemas.objects import State, TaskRun
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from models.db import check_schema, make_engine, session_scope
from models.settings import Settings, get_settings

# Tasks that talk to a server (SMTP, IMAP, the Prefect API) retry with these delays.
SERVER_RETRIES = 3
SERVER_RETRY_DELAYS: list[float] = [5, 30, 120]
# Tasks that only write the application database (a server too, on PostgreSQL) are idempotent, so they
# retry as well, briefly (a locked SQLite file, a dropped connection).
# Only a transient database error is retried; a wrong input (ValueError, LookupError) fails at once.
DB_RETRIES = 2
DB_RETRY_DELAYS: list[float] = [2, 10]


TRANSIENT_DB_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)


def transient_db_error(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry condition of the database tasks: a lost connection or a locked database, nothing else."""
    try:
        state.result()
    except TRANSIENT_DB_ERRORS:
        return True
    except Exception:  # any other failure of the task is final: it is reported, not retried
        return False
    return False


def resolve_now(now: dt.datetime | None) -> dt.datetime:
    """The instant a flow acts as of: the given one (simulated clock) or the real current time, aware."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone (e.g. 2018-06-12T08:00:00+07:00)")
    return now


def now_label(value: dt.datetime | str | None) -> str:
    """A `now` parameter (a datetime, its ISO text from a deployment run, or None) as 'YYYY-MM-DD HH:MM' for run names."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value or dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"


@lru_cache(maxsize=8)
def _engine(url: str, echo: bool) -> sa.Engine:
    eng = make_engine(url, echo=echo)
    # Checked once per process and database. Never migrated here: workers would race on PostgreSQL.
    check_schema(eng)
    return eng


def engine(settings: Settings | None = None) -> sa.Engine:
    """The application database engine named by the settings; `SchemaNotReady` if `planflow db upgrade` is due."""
    settings = settings or get_settings()
    return _engine(settings.database_url, settings.db.echo)


@contextmanager
def session(settings: Settings | None = None) -> Iterator[Session]:
    """A database session committed on success."""
    with session_scope(engine(settings)) as s:
        yield s


def slug(text: str, max_length: int = 48) -> str:
    """Lowercase ASCII letters, digits and dashes, as Prefect artifact keys and round keys require."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(out) > max_length:  # cut at a word boundary when there is one
        cut = out[: max_length + 1]
        out = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
    return out.strip("-") or "x"


def artifact_key(*parts: str | int) -> str:
    """An artifact key a person can read, e.g. `round-six-month-2018-status`."""
    return "-".join(slug(str(p), 80) for p in parts)


def local(instant: dt.datetime | None, tz: str) -> str:
    """An instant as 'dd/mm/yyyy HH:MM' local time, or '' for none."""
    if instant is None:
        return ""
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")


def outbox_count(s: Session) -> int:
    """How many messages the outbox holds (before/after a batch tells how many it wrote)."""
    from sqlmodel import func, select

    from models.tables import OutboundMessage

    return s.exec(select(func.count()).select_from(OutboundMessage)).one()
