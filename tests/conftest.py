"""Fixtures every area of the suite shares: settings in a temporary data folder, migrated databases, Prefect."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from models.db import make_engine, upgrade
from models.settings import DatabaseSettings, Settings
from tests.envvars import cli_runner, settings_env
from tests.smtpd import RecordingHandler, start

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PG_ADMIN_URL = os.environ.get("PLANFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def artifacts_dir() -> Path:
    """Folder for screenshots and documents a person may want to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def make_settings(base: Path) -> Settings:
    """Settings on a fresh data folder under `base` with its own SQLite database (fixtures of any scope use it)."""
    data = base / "data"
    data.mkdir()
    return Settings(data_dir=data, db=DatabaseSettings(url=f"sqlite:///{data / 'planflow.db'}"))


def load_reference_plan(engine: sa.Engine, reference_plan) -> sa.Engine:
    """Load the reference plan and its contacts into a migrated database, as of 1 May 2018."""
    from models.db import session_scope
    from models.loading import load_plan

    plan, contacts, path = reference_plan
    with session_scope(engine) as session:
        load_plan(
            session=session,
            plan=plan,
            contacts=contacts,
            source_path=str(path),
            content_sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            now=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        )
    return engine


def export(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> dict[str, str]:
    """Write `settings` as the only `PLANFLOW_*` variables (undone with `monkeypatch`); returns them."""
    for name in [n for n in os.environ if n.startswith("PLANFLOW_")]:
        monkeypatch.delenv(name)
    env = settings_env(settings)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def smtp() -> Iterator[RecordingHandler]:
    """A real aiosmtpd server on a free loopback port that keeps every message it accepts (`.port`, `.messages`)."""
    handler = RecordingHandler()
    ctl = start(handler)
    yield handler
    ctl.stop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data folder with its own SQLite database."""
    return make_settings(tmp_path)


@pytest.fixture
def cli(settings: Settings):
    """The `planflow` command run in-process on the test's settings (typer's CliRunner; settings through its env)."""
    return cli_runner(settings)


@pytest.fixture
def export_settings(monkeypatch) -> Callable[[Settings], dict[str, str]]:
    """Hand a constructed `Settings` to flows run in-process, which read theirs as a Prefect worker does.

    A flow calls `get_settings()`: its one configuration channel is the `PLANFLOW_*` environment, so the
    test's `Settings` object is written there (every field, none of the shell's own variables left).
    """

    return lambda settings: export(monkeypatch, settings)


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    """The settings' SQLite database, migrated to the latest schema."""
    upgrade(settings.database_url)
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run on the machine's server, dropped at the end."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"planflow_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    """The run's PostgreSQL database, migrated once."""
    upgrade(pg_url)
    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server (temporary SQLite) for the whole run; started only if a test asks for it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def reference_plan():
    """The shipped reference plan and its contacts, validated."""
    from models.planfile import load_contacts_file, load_plan_file
    from plans import plan_default_paths

    plan_path, contacts_path = plan_default_paths()
    plan = load_plan_file(plan_path)
    return plan, load_contacts_file(contacts_path, plan), plan_path


@pytest.fixture
def loaded_engine(engine, reference_plan) -> sa.Engine:
    """A migrated SQLite database with the reference plan and its contacts loaded (as of 1 May 2018)."""
    return load_reference_plan(engine, reference_plan)
