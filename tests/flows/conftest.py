"""Flow fixtures: settings through PLANFLOW_* variables pointing at the root conftest's SMTP server, one Prefect harness."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parents[2]


def at(y: int, m: int, d: int, h: int = 8, mi: int = 30) -> dt.datetime:
    """A local instant in Vĩnh Long."""
    return dt.datetime(y, m, d, h, mi, tzinfo=VN)


@pytest.fixture
def flow_env(settings, smtp, export_settings) -> dict[str, str]:
    """The test's settings, with the SMTP server pointed at `smtp`, handed to the flows (and returned as variables).

    The returned variables also configure the flow runs started as subprocesses (`run_flow_run_in_process`).
    """
    values = {"host": "127.0.0.1", "port": smtp.port, "rate_per_second": 0, "timeout": 10}
    return export_settings(settings.model_copy(update={"smtp": settings.smtp.model_copy(update=values)}))


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
