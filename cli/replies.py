"""`planflow replies` and `planflow quarantine`: read the mailbox, ingest one .eml, clear the quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from models.db import ready_engine, session_scope
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Replies by email.")
quarantine_app = typer.Typer(no_args_is_help=True, help="Messages waiting for the officer.")


def _now(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2018-06-12T08:00:00+07:00")
    return parsed


@app.command()
def collect(now: str = typer.Option(None, help="Act as of this instant (ISO 8601 with offset); default: now.")) -> None:
    """Read one batch of new mail from the IMAP folder and record or quarantine each message."""
    from inbound.collector import collect_replies
    from inbound.mailbox import MailboxUnavailable

    settings = get_settings()
    try:
        report = collect_replies(engine=ready_engine(settings), settings=settings, now=_now(now))
    except MailboxUnavailable as exc:
        typer.echo(f"mailbox unavailable: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(" ".join(f"{k}={v}" for k, v in report.summary().items()))
    for problem in report.problems:
        typer.echo(problem, err=True)


@app.command()
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A raw message (.eml), e.g. forwarded by hand."),
    received_at: str = typer.Option(
        None, help="When the mail server received it (ISO 8601 with offset); default: its top Received header."
    ),
    now: str = typer.Option(None, help="Act as of this instant; default: now."),
) -> None:
    """Store and process one .eml file as if it came from the mailbox."""
    from inbound.ingest import ingest_raw

    settings = get_settings()
    result = ingest_raw(
        engine=ready_engine(settings),
        settings=settings,
        raw=file.read_bytes(),
        now=_now(now),
        server_received_at=_now(received_at) if received_at else None,
    )
    typer.echo(f"inbound #{result.inbound_id}: {result.disposition}" + (f" ({result.reason})" if result.reason else ""))


@quarantine_app.command("list")
def list_() -> None:
    """List quarantined messages: id, received, sender, subject, why (Vietnamese label), reason."""
    from inbound.quarantine import quarantine_entries

    settings = get_settings()
    with session_scope(ready_engine(settings)) as session:
        entries = quarantine_entries(session=session)
        if not entries:
            typer.echo("quarantine is empty")
        for e in entries:  # sender and subject come back display-safe (no control or bidi characters)
            when = e.received_at.isoformat() if e.received_at else "-"
            typer.echo(f"{e.id}\t{when}\t{e.sender or '-'}\t{e.subject or '-'}\t{e.label_vi}\t{e.reason}")


@quarantine_app.command()
def assign(
    message: int = typer.Argument(..., help="Inbound message id (from `quarantine list`)."),
    agency: str = typer.Option(..., "--agency", help="Agency code, e.g. SCT."),
    round: str = typer.Option(..., "--round", help="Round key, e.g. six-month-2018."),
    by: str = typer.Option("officer", "--by", help="Who decides (written in the audit log)."),
    now: str = typer.Option(None, help="Act as of this instant; default: now."),
) -> None:
    """Record a quarantined message as this agency's report in this round."""
    from inbound.quarantine import QuarantineError
    from inbound.quarantine import assign as assign_message

    settings = get_settings()
    try:
        with session_scope(ready_engine(settings)) as session:
            result = assign_message(
                session=session,
                settings=settings,
                inbound_id=message,
                agency_code=agency,
                round_key=round,
                actor=by,
                now=_now(now),
            )
    except QuarantineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"inbound #{message}: {result.disposition}" + (f" ({result.reason})" if result.reason else ""))
    if result.disposition != "recorded":
        raise typer.Exit(1) from None


@quarantine_app.command()
def reject(
    message: int = typer.Argument(..., help="Inbound message id."),
    reason: str = typer.Option(..., "--reason", help="Why it is rejected (kept with the message)."),
    by: str = typer.Option("officer", "--by", help="Who decides."),
    now: str = typer.Option(None, help="Act as of this instant; default: now."),
) -> None:
    """Close a quarantined message without recording it."""
    from inbound.quarantine import QuarantineError
    from inbound.quarantine import reject as reject_message

    settings = get_settings()
    try:
        with session_scope(ready_engine(settings)) as session:
            reject_message(session=session, inbound_id=message, reason=reason, actor=by, now=_now(now))
    except QuarantineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"inbound #{message}: rejected")


def register(root: typer.Typer) -> None:
    """Add `replies` and `quarantine` to the root command."""
    root.add_typer(app, name="replies", help="Replies by email: read the mailbox, ingest an .eml file.")
    root.add_typer(quarantine_app, name="quarantine", help="Quarantined mail: list, assign, reject.")
