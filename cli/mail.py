"""`planflow mailcatcher` and `planflow outbox`: the local mail catcher and the outbound queue."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer

from models.db import session_scope
from models.settings import get_settings
from models.tables import OutboxState

outbox_app = typer.Typer(no_args_is_help=True, help="The outbound mail queue.")


def mailcatcher(
    host: str | None = typer.Option(None, help="Listen address; default: the SMTP host of the settings."),
    port: int | None = typer.Option(None, help="Listen port; default: the SMTP port of the settings."),
    dir: Path | None = typer.Option(None, "--dir", help="Folder for the .eml files; default: <data>/mailcatcher."),
) -> None:
    """Run a local SMTP server that stores every message it receives as an .eml file."""
    from devstack.mailcatcher import run

    settings = get_settings()
    run(dir or settings.data_dir / "mailcatcher", host=host or settings.smtp.host, port=port or settings.smtp.port)


def _engine():
    from models.db import ready_engine

    return ready_engine(get_settings())


@outbox_app.command("list")
def list_(
    state: OutboxState | None = typer.Option(None, help="Only messages in this state."),
    kind: str | None = typer.Option(None, help="Only this kind (request, reminder, receipt, ...)."),
    limit: int = typer.Option(50, help="Most rows shown, newest first."),
) -> None:
    """Show outbound messages: state, attempts, last error."""
    from notifications.outbox import list_messages

    with session_scope(_engine()) as session:
        rows = list_messages(session=session, state=state, kind=kind, limit=limit)
        if not rows:
            typer.echo("outbox is empty")
        for m in rows:
            when = (m.sent_at or m.next_attempt_at or m.created_at).isoformat(timespec="seconds")
            typer.echo(
                f"#{m.id:<6} {m.state.value:<8} attempts={m.attempts} {m.kind:<10} {when}  {', '.join(m.recipients)}"
            )
            typer.echo(f"        {m.subject}")
            if m.last_error:
                typer.echo(f"        last error: {m.last_error}")


@outbox_app.command("send")
def send(limit: int | None = typer.Option(None, help="Most messages delivered in this run.")) -> None:
    """Deliver every queued message that is due now."""
    from notifications.sender import deliver_pending

    settings = get_settings()
    report = asyncio.run(deliver_pending(engine=_engine(), settings=settings, now=dt.datetime.now(dt.UTC), limit=limit))
    typer.echo(
        f"sent {report.sent}, to retry {report.retried}, failed {report.failed}, interrupted {report.interrupted}, "
        f"left queued {report.left_queued}"
    )
    for line in report.errors:
        typer.echo(f"  {line}")


@outbox_app.command("requeue")
def requeue(message_id: int = typer.Argument(..., help="Outbox message number (see `planflow outbox list`).")) -> None:
    """Put a failed or interrupted message back in the queue."""
    from notifications.outbox import requeue as requeue_message

    with session_scope(_engine()) as session:
        row = requeue_message(session=session, message_id=message_id, now=dt.datetime.now(dt.UTC))
        typer.echo(f"#{row.id} queued again: {row.subject}")


def register(app: typer.Typer) -> None:
    """Add `mailcatcher` and `outbox` to the main command."""
    app.command(name="mailcatcher")(mailcatcher)
    app.add_typer(outbox_app, name="outbox", help="The outbound mail queue: list, send, requeue.")
