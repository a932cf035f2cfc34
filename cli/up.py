"""`planflow up`: the embedded default on one machine — Prefect server, mail catcher, portal, served flows — until Ctrl-C."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import typer

from devstack.stack import ChildFailed, Stack, Stopper, http_ok, tcp_open

PY = sys.executable


def child_env(
    *,
    data_dir: Path,
    database_url: str,
    smtp_host: str,
    smtp_port: int,
    portal_host: str,
    portal_port: int,
    prefect_home: Path,
    api_url: str,
) -> dict[str, str]:
    """Environment every child shares: one data folder, one database, the mail catcher as SMTP server, one Prefect API."""
    env = dict(os.environ)
    env.pop("PREFECT_PROFILES_PATH", None)
    env.update(
        PLANFLOW_DATA_DIR=str(data_dir),
        PLANFLOW_DB_URL=database_url,
        PLANFLOW_SMTP_HOST=smtp_host,
        PLANFLOW_SMTP_PORT=str(smtp_port),
        PLANFLOW_SMTP_SECURITY="none",
        PLANFLOW_PORTAL_HOST=portal_host,
        PLANFLOW_PORTAL_PORT=str(portal_port),
        PLANFLOW_PORTAL_PUBLIC_URL=env.get("PLANFLOW_PORTAL_PUBLIC_URL") or f"http://{portal_host}:{portal_port}",
        PREFECT_HOME=str(prefect_home),
        PREFECT_API_URL=api_url,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def load_reference_plan(settings) -> str:
    """Migrate the database and load the configured plan (the reference plan by default); a one-line summary."""
    from models.db import engine_for, session_scope, upgrade
    from models.loading import load_plan_files
    from plans import plan_paths

    upgrade(settings.database_url)
    plan_path, contacts_path = plan_paths(settings.plan_file, settings.contacts_file)
    engine = engine_for(settings)
    try:
        with session_scope(engine) as session:
            report = load_plan_files(
                session=session,
                plan_path=plan_path,
                contacts_path=contacts_path,
                now=dt.datetime.now(dt.UTC),
                tz=settings.timezone,
            )
    finally:
        engine.dispose()
    return f"{report} (from {plan_path})"


def up(
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder (default: PLANFLOW_DATA_DIR, else ./data)."),
    host: str = typer.Option("127.0.0.1", help="Address every service listens on."),
    prefect_port: int = typer.Option(4200, help="Port of the Prefect server and UI."),
    portal_port: int = typer.Option(8080, help="Port of the upload portal."),
    smtp_port: int = typer.Option(8025, help="Port of the local SMTP catcher."),
    serve: bool = typer.Option(True, help="Serve the deployments (flows on their schedules)."),
    load_plan: bool = typer.Option(
        True, help="Load the plan (the reference plan unless PLANFLOW_PLAN_FILE) before starting."
    ),
    assign: bool = typer.Option(
        True, help="Run the load-plan deployment once at start: the assignment notices land in the mailbox."
    ),
    production: bool = typer.Option(
        False,
        "--production",
        help="Production mode (PLANFLOW_ENV=production for this process and its children): refuses to start "
        "without a private PLANFLOW_SECRET_KEY of at least 32 bytes.",
    ),
) -> None:
    """Start the Prefect server, a mail catcher, the upload portal and the served flows; Ctrl-C stops them all."""
    from pydantic import ValidationError

    from devstack.prefect_server import PrefectServer, server_env
    from models.settings import get_settings

    if production:
        os.environ["PLANFLOW_ENV"] = "production"  # inherited by every child through child_env
    overrides = {"data_dir": data_dir} if data_dir else {}
    try:
        settings = get_settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors(include_input=False):
            typer.echo(f"planflow: refusing to start: {error['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None
    data = settings.data_dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    settings = get_settings(data_dir=data)
    mailbox = data / "mailcatcher"
    mailbox.mkdir(parents=True, exist_ok=True)
    prefect_home = data / "prefect"
    logs = data / "logs"

    stopper = Stopper().install()
    stack = Stack(log_dir=logs, cancelled=lambda: stopper.requested)
    code = 0
    try:
        typer.echo(f"planflow: migrating the database at {settings.database_url} ...")
        from models.db import upgrade

        upgrade(settings.database_url)
        if load_plan:
            typer.echo("planflow: loading the plan ...")
            typer.echo(f"  {load_reference_plan(settings)}")

        typer.echo(
            f"planflow: starting the Prefect server on http://{host}:{prefect_port} (first start takes ~15 s) ..."
        )
        server = PrefectServer(prefect_home, host=host, port=prefect_port)
        prefect_home.mkdir(parents=True, exist_ok=True)
        server_env_ = server_env(prefect_home)
        server_env_["PREFECT_UI_API_URL"] = server.api_url
        # Started through the stack (not PrefectServer.start) so that Ctrl-C during its first start stops it at once.
        stack.spawn(
            "prefect-server",
            [PY, "-m", "prefect", "server", "start", "--host", host, "--port", str(prefect_port)],
            env=server_env_,
            ready=http_ok(f"{server.api_url}/health"),
            timeout=120,
        )
        env = child_env(
            data_dir=data,
            database_url=settings.database_url,
            smtp_host=host,
            smtp_port=smtp_port,
            portal_host=host,
            portal_port=portal_port,
            prefect_home=prefect_home,
            api_url=server.api_url,
        )

        typer.echo(f"planflow: starting the mail catcher on {host}:{smtp_port} ...")
        stack.spawn(
            "mailcatcher",
            [PY, "-m", "devstack.mailcatcher", "--host", host, "--port", str(smtp_port), "--dir", str(mailbox)],
            env=env,
            ready=tcp_open(host, smtp_port),
            timeout=30,
        )

        typer.echo(f"planflow: starting the upload portal on http://{host}:{portal_port} ...")
        stack.spawn(
            "portal",
            [PY, "-m", "cli.main", "portal", "serve", "--host", host, "--port", str(portal_port), "--no-migrate"],
            env=env,
            ready=http_ok(f"http://{host}:{portal_port}/healthz"),
            timeout=60,
        )

        if serve:
            typer.echo("planflow: serving the deployments ...")
            stack.spawn(
                "deployments",
                [PY, "-m", "deployments.serve"],
                env=env,
                ready=_deployments_registered(server.api_url),
                timeout=120,
            )
            if assign:
                # One visible run in the UI at once, and the agencies' assignment notices in the mailbox
                # (idempotent: a second `make run` sends nothing again).
                subprocess.run(
                    [PY, "-m", "prefect", "deployment", "run", "assign-plan/load-plan"],
                    env=env,
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=60,
                )
                typer.echo("planflow: started assign-plan/load-plan (assignment notices to every agency)")

        typer.echo(
            "\nplanflow is up. Where to look:\n"
            f"  Prefect UI     {server.url}\n"
            f"  mailbox        {mailbox}  (every outgoing email, one .eml file each)\n"
            f"  upload portal  http://{host}:{portal_port}\n"
            f"  data folder    {data}\n"
            f"  logs           {logs}\n"
            "The flows run on their schedules (Prefect UI, Deployments); `planflow simulate` replays the 2018 cycle in a few minutes.\n"
            "Press Ctrl-C to stop everything."
        )
        while not stopper.sleep(1.0):
            dead = stack.exited()
            if dead:
                for child in dead:
                    typer.echo(
                        f"planflow: {child.name} stopped unexpectedly (exit {child.process.returncode}):\n{child.log_tail()}",
                        err=True,
                    )
                code = 1
                break
    except ChildFailed as failure:
        if not stopper.requested:
            typer.echo(f"planflow: {failure}", err=True)
            code = 1
    finally:
        typer.echo("planflow: stopping ...")
        for name, rc in stack.stop():
            typer.echo(f"  {name} stopped ({_how(rc)})")
        stopper.restore()
    raise typer.Exit(code)


def _how(returncode: int | None) -> str:
    """How a child ended, for the shutdown lines: its exit code, or the signal that ended it."""
    import signal

    if returncode is not None and returncode < 0:
        return f"on {signal.Signals(-returncode).name}"
    return f"exit {returncode}"


def _deployments_registered(api_url: str):
    """A readiness check: the Prefect server knows at least one deployment."""
    import httpx

    def check() -> bool:
        try:
            r = httpx.post(f"{api_url}/deployments/count", json={}, timeout=3)
            return r.status_code == 200 and int(r.json()) > 0
        except (httpx.HTTPError, ValueError):
            return False

    return check
