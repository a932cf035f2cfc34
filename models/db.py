"""The application database: engine, sessions and migrations (Alembic), on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlmodel import Session

from models.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, echo: bool = False) -> sa.Engine:
    """An engine for this URL; SQLite gets foreign keys, WAL and a busy timeout, since several processes write."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(
                "PRAGMA journal_mode=WAL"
            )  # default synchronous=FULL: a reply moved on the IMAP server must never be lost to a crash
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True)


def engine_for(settings: Settings) -> sa.Engine:
    """The engine named by the settings."""
    return make_engine(settings.database_url, echo=settings.db.echo)


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at planflow's migrations and this database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (creating a SQLite file's folder first)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def prepare(settings: Settings) -> sa.Engine:
    """Migrate the configured database to the latest schema and return its engine (for explicit set-up commands only)."""
    upgrade(settings.database_url)
    return engine_for(settings)


class SchemaNotReady(RuntimeError):
    """The application database is not at the latest migration: an operator must run `planflow db upgrade`."""


def schema_revisions(engine: sa.Engine) -> set[str]:
    """The Alembic revisions the database is at (empty: never migrated)."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions() -> set[str]:
    """The newest migrations planflow ships."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check_schema(engine: sa.Engine) -> None:
    """Raise `SchemaNotReady` unless the database is at the newest migration.

    Workers and serving processes never migrate (several of them would race on PostgreSQL); they
    refuse to start on an old schema instead, with the command that fixes it.
    """
    current, heads = schema_revisions(engine), head_revisions()
    if current != heads:
        url = engine.url.render_as_string(hide_password=True)
        raise SchemaNotReady(
            f"the application database {url} is at migration {', '.join(sorted(current)) or 'none'}, "
            f"not {', '.join(sorted(heads))}: run `planflow db upgrade` (or `planflow up`) first"
        )


def ready_engine(settings: Settings) -> sa.Engine:
    """The engine of the configured database, after checking that it is migrated (`SchemaNotReady` otherwise)."""
    engine = engine_for(settings)
    check_schema(engine)
    return engine
