"""A real `prefect server` run as a child process, with its own PREFECT_HOME, for the devstack and the UI tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devstack.stack import free_port


def server_env(home: Path, api_url: str | None = None, database_url: str | None = None) -> dict[str, str]:
    """Environment for the server and its clients: isolated home, no telemetry (there is no network)."""
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(home),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT="false",
    )
    env.pop("PREFECT_PROFILES_PATH", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    return env


class PrefectServer:
    """Start and stop `prefect server start --host HOST --port PORT` as a subprocess."""

    def __init__(
        self, home: Path, *, host: str = "127.0.0.1", port: int | None = None, database_url: str | None = None
    ):
        self.home = Path(home)
        self.host = host
        self.port = port or free_port(host)
        self.database_url = database_url
        self.process: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"

    @property
    def url(self) -> str:
        """Base URL of the UI."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The value clients need in PREFECT_API_URL."""
        return f"{self.url}/api"

    def client_env(self) -> dict[str, str]:
        """Environment for a process that should talk to this server."""
        return server_env(self.home, api_url=self.api_url)

    def start(self, timeout: float = 90.0) -> PrefectServer:
        """Start the server and wait until /api/health answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        env = server_env(self.home, database_url=self.database_url)
        env["PREFECT_UI_API_URL"] = self.api_url
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", self.host, "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prefect server exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"prefect server did not answer within {timeout} s; see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM to its process group, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(5)

    def __enter__(self) -> PrefectServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
