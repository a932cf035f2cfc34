"""Stopping `planflow simulate` half-way (SIGTERM) stops every server it started: no process left, every port free."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_up import alive, descendants, port_closed

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]


def test_sigterm_mid_year_stops_every_server(tmp_path: Path) -> None:
    log = tmp_path / "simulate.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANFLOW_", "PREFECT_"))}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "simulate", "--work-dir", str(tmp_path / "work")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and " tick" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            time.sleep(0.3)
        text = log.read_text(errors="replace")
        found = re.search(
            r"smtp :(\d+), imap :(\d+), portal http://127.0.0.1:(\d+), prefect http://127.0.0.1:(\d+)", text
        )
        assert found, text
        ports = [int(p) for p in found.groups()]
        children = descendants(process.pid)
        assert children
        process.send_signal(signal.SIGTERM)
        process.wait(90)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
            any(alive(p) for p in children) or not all(port_closed(p) for p in ports)
        ):
            time.sleep(0.2)
        assert [p for p in children if alive(p)] == []
        assert [
            p for p in ports if not port_closed(p)
        ] == []  # SMTP, Dovecot (a daemon, not our child), portal, Prefect
    finally:
        if process.poll() is None:
            for pid in descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()
