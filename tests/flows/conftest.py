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
def flow_env(settings, smtp, monkeypatch) -> dict[str, str]:
    """PLANFLOW_* variables pointing the flows at the test's data folder, database and SMTP server."""
    env = {
        "PLANFLOW_DATA_DIR": str(settings.data_dir),
        "PLANFLOW_DB_URL": settings.database_url,
        "PLANFLOW_SMTP_HOST": "127.0.0.1",
        "PLANFLOW_SMTP_PORT": str(smtp.port),
        "PLANFLOW_SMTP_RATE_PER_SECOND": "0",
        "PLANFLOW_SMTP_TIMEOUT": "10",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


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
