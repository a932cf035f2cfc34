"""`planflow portal serve` as an operator runs it: a real process, healthy, and no link token in its access log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devstack.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_portal_serve_runs_answers_health_and_keeps_tokens_out_of_the_log(tmp_path: Path):
    port = free_port()
    # A separate process, started as an operator's shell starts it: its settings come through the environment.
    env = {
        **os.environ,
        "PLANFLOW_DATA_DIR": str(tmp_path / "data"),
        "PLANFLOW_DB_URL": f"sqlite:///{tmp_path / 'data' / 'planflow.db'}",
    }
    log = (tmp_path / "portal.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "portal.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "portal did not become healthy"
            time.sleep(0.2)
        secret_token = "WzEsMiwzXQ.c2VjcmV0LXRva2Vu"
        refused = httpx.get(f"http://127.0.0.1:{port}/u/{secret_token}", timeout=5)
        assert refused.status_code == 404 and "Đường dẫn không hợp lệ" in refused.text
        assert "server" not in refused.headers
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    output = (tmp_path / "portal.log").read_text()
    assert '"GET /u/… HTTP/1.1" 404' in output, output
    assert secret_token not in output
