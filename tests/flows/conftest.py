"""Flow fixtures: a real aiosmtpd on loopback, settings through PLANFLOW_* variables, one Prefect harness."""

from __future__ import annotations

import datetime as dt
import email
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parents[2]


def at(y: int, m: int, d: int, h: int = 8, mi: int = 30) -> dt.datetime:
    """A local instant in Vĩnh Long."""
    return dt.datetime(y, m, d, h, mi, tzinfo=VN)


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def kinds(self) -> list[str]:
        """The X-Planflow-Kind header of every message, in arrival order."""
        return [str(m["X-Planflow-Kind"]) for m in self.messages]

    def count(self, kind: str) -> int:
        """How many messages of one kind arrived."""
        return self.kinds().count(kind)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Recorder:
    """A real SMTP server on 127.0.0.1 recording what arrives."""
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    yield recorder
    controller.stop()


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
