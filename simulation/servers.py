"""The real local servers a simulation runs against: SMTP catcher, Dovecot, the portal under uvicorn, Prefect.

Everything lives under one work folder; the settings reach the flows through `PLANFLOW_*`
environment variables (flows build their settings with `get_settings()`), set here before any
flow runs. The portal reads the simulated clock; everything else is given `now` explicitly.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from devstack.stack import Stack, free_port, http_ok

PY = sys.executable


class SimClock:
    """The simulated instant, shared with the portal (its `clock`)."""

    def __init__(self, start: dt.datetime):
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The current simulated instant (aware, UTC)."""
        with self._lock:
            return self._now

    def set(self, instant: dt.datetime) -> None:
        """Move the clock (only forward; the simulation replays the year in order)."""
        if instant.tzinfo is None:
            raise ValueError("the simulated clock needs aware datetimes")
        with self._lock:
            self._now = max(self._now, instant.astimezone(dt.UTC))


@dataclass
class Servers:
    """Where each server of the simulation listens, and how to stop them all."""

    work: Path
    mail_dir: Path
    smtp_port: int
    portal_port: int
    prefect_port: int
    imap_host: str
    imap_port: int
    imap_user: str
    imap_password: str
    stack: Stack
    _stops: list = field(default_factory=list)

    @property
    def portal_url(self) -> str:
        """Base URL of the portal."""
        return f"http://127.0.0.1:{self.portal_port}"

    @property
    def prefect_url(self) -> str:
        """Base URL of the Prefect server and UI."""
        return f"http://127.0.0.1:{self.prefect_port}"

    def stop(self) -> None:
        """Stop every server, last started first."""
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as exc:  # keep stopping the others
                print(f"simulation: stopping a server failed: {exc}", file=sys.stderr)
        self._stops.clear()


def environment(
    *, work: Path, smtp_port: int, portal_port: int, prefect_port: int, imap: tuple[str, int, str, str]
) -> dict[str, str]:
    """The PLANFLOW_* and PREFECT_* variables of a simulation, pointing at its own servers and folder."""
    data = work / "data"
    host, port, user, password = imap
    return {
        "PLANFLOW_ENV": "development",
        "PLANFLOW_DATA_DIR": str(data),
        "PLANFLOW_DB_URL": f"sqlite:///{data / 'planflow.db'}",
        "PLANFLOW_SMTP_HOST": "127.0.0.1",
        "PLANFLOW_SMTP_PORT": str(smtp_port),
        "PLANFLOW_SMTP_SECURITY": "none",
        "PLANFLOW_SMTP_RATE_PER_SECOND": "0",
        "PLANFLOW_IMAP_HOST": host,
        "PLANFLOW_IMAP_PORT": str(port),
        "PLANFLOW_IMAP_SECURITY": "none",
        "PLANFLOW_IMAP_USERNAME": user,
        "PLANFLOW_IMAP_PASSWORD": password,
        "PLANFLOW_PORTAL_HOST": "127.0.0.1",
        "PLANFLOW_PORTAL_PORT": str(portal_port),
        "PLANFLOW_PORTAL_PUBLIC_URL": f"http://127.0.0.1:{portal_port}",
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        # Run logs still go to the server (the UI shows them); the terminal shows warnings and the simulation's own lines.
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    }


def start_servers(work: Path) -> Servers:
    """Start the catcher, Dovecot and the Prefect server, and set the process environment to use them."""
    from devstack import mailcatcher
    from devstack.dovecot import start_dovecot
    from devstack.prefect_server import PrefectServer, server_env

    work.mkdir(parents=True, exist_ok=True)
    (work / "data").mkdir(exist_ok=True)
    smtp_port, portal_port, prefect_port = free_port(), free_port(), free_port()
    stack = Stack(log_dir=work / "logs")
    # The Prefect server takes the longest: start it first, wait for it last. Spawned from this (main)
    # thread, since a child is told to stop when the thread that started it ends.
    prefect = PrefectServer(work / "prefect", port=prefect_port)
    prefect.home.mkdir(parents=True, exist_ok=True)
    env = server_env(prefect.home)
    env["PREFECT_UI_API_URL"] = prefect.api_url
    server_child = stack.spawn(
        "prefect-server",
        [PY, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
        env=env,
    )
    servers: Servers | None = None
    try:
        # Dovecot's own temporary folder: its unprivileged processes must reach it through every parent,
        # which a test's private tmp folder (mode 0700) does not allow.
        dovecot = start_dovecot()
        mail_dir = work / "data" / "mailcatcher"
        catcher = mailcatcher.controller(mail_dir, port=smtp_port)
        catcher.start()
        servers = Servers(
            work=work,
            mail_dir=mail_dir,
            smtp_port=smtp_port,
            portal_port=portal_port,
            prefect_port=prefect_port,
            imap_host=dovecot.host,
            imap_port=dovecot.port,
            imap_user=dovecot.user,
            imap_password=dovecot.password,
            stack=stack,
        )
        servers._stops.append(dovecot.stop)
        servers._stops.append(catcher.stop)
        servers._stops.append(stack.stop)
        os.environ.update(
            environment(
                work=work,
                smtp_port=smtp_port,
                portal_port=portal_port,
                prefect_port=prefect_port,
                imap=(dovecot.host, dovecot.port, dovecot.user, dovecot.password),
            )
        )
        os.environ.pop("PREFECT_PROFILES_PATH", None)
        stack.wait_ready(server_child, http_ok(f"{prefect.api_url}/health"), timeout=120)
        return servers
    except BaseException:
        if servers is not None:
            servers.stop()
        else:
            stack.stop()
        raise


def start_portal(servers: Servers, clock: SimClock) -> None:
    """The upload portal under a real uvicorn in a thread, reading the simulated clock."""
    import uvicorn

    from models.db import engine_for
    from models.settings import get_settings
    from portal.app import create_app

    settings = get_settings()
    engine = engine_for(settings)
    app = create_app(settings, engine, clock=clock.now)
    config = uvicorn.Config(app, host="127.0.0.1", port=servers.portal_port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the portal did not start")
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        engine.dispose()

    servers._stops.append(stop)


def start_approver(servers: Servers, *, wait: bool = True):
    """Serve the approval deployment in a child process (its runs see the same settings); the child."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return servers.stack.spawn(
        "approver",
        [PY, "-m", "simulation.approver"],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        ready=approver_ready(servers) if wait else None,
        timeout=120,
    )


def approver_ready(servers: Servers):
    """A readiness check: the approval deployment is registered with the Prefect server."""
    return _deployment_exists(servers.prefect_url)


def _deployment_exists(prefect_url: str):
    import httpx

    from flows.approval import APPROVAL_DEPLOYMENT

    flow_name, name = APPROVAL_DEPLOYMENT.split("/", 1)

    def check() -> bool:
        try:
            r = httpx.get(f"{prefect_url}/api/deployments/name/{flow_name}/{name}", timeout=3)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    return check
