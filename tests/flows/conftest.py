"""Flow fixtures: settings through PLANFLOW_* variables pointing at the root conftest's SMTP server, one Prefect harness."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.db import make_engine, upgrade
from models.settings import Settings
from tests.conftest import export, load_reference_plan, make_settings
from tests.smtpd import RecordingHandler, start

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parents[2]


def at(y: int, m: int, d: int, h: int = 8, mi: int = 30) -> dt.datetime:
    """A local instant in Vĩnh Long."""
    return dt.datetime(y, m, d, h, mi, tzinfo=VN)


def with_smtp(settings: Settings, port: int) -> Settings:
    """The settings with mail going to the test SMTP server at 127.0.0.1:`port`, unthrottled."""
    values = {"host": "127.0.0.1", "port": port, "rate_per_second": 0, "timeout": 10}
    return settings.model_copy(update={"smtp": settings.smtp.model_copy(update=values)})


@pytest.fixture
def flow_env(settings, smtp, export_settings) -> dict[str, str]:
    """The test's settings, with the SMTP server pointed at `smtp`, handed to the flows (and returned as variables).

    The returned variables also configure the flow runs started as subprocesses (`run_flow_run_in_process`).
    """
    return export_settings(with_smtp(settings, smtp.port))


@dataclass
class FlowWorld:
    """The reference plan in its own database, a recording SMTP server, the flows configured for both."""

    engine: sa.Engine
    smtp: RecordingHandler
    env: dict[str, str]  # the PLANFLOW_* variables, for flow runs started as subprocesses


@contextlib.contextmanager
def flow_world(base: Path, reference_plan) -> Iterator[FlowWorld]:
    """A `FlowWorld` under `base` for a module-scoped fixture (the function-scoped ones are `loaded` and `smtp`)."""
    settings = make_settings(base)
    upgrade(settings.database_url)
    engine = load_reference_plan(make_engine(settings.database_url), reference_plan)
    smtp = RecordingHandler()
    controller = start(smtp)
    try:
        with pytest.MonkeyPatch.context() as mp:
            env = export(mp, with_smtp(settings, smtp.port))
            yield FlowWorld(engine, smtp, env)
    finally:
        controller.stop()
        engine.dispose()


@pytest.fixture
def loaded(flow_env, loaded_engine, prefect_harness):
    """The reference plan in the test database, the flows configured to use it and a Prefect server."""
    return loaded_engine


def run_flow_run_in_process(flow_run_id, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Execute one flow run in a fresh process, as a worker or the serving process does (`python -m prefect.engine`)."""
    from prefect.settings import PREFECT_API_URL

    full = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), **env, "PREFECT__FLOW_RUN_ID": str(flow_run_id)}
    done = subprocess.run(
        [sys.executable, "-m", "prefect.engine"], env=full, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done
