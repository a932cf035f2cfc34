"""`planflow files`: housekeeping of the content-addressed file store in the data folder."""

from __future__ import annotations

import datetime as dt

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def prune(
    grace_hours: float = typer.Option(
        1.0, "--grace-hours", help="Spare files younger than this (a row may be on its way)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be removed, remove nothing."),
) -> None:
    """Remove stored files that no attachment row refers to (refused or abandoned uploads)."""
    from inbound.files import prune_orphans
    from models.db import prepare
    from models.settings import get_settings

    settings = get_settings()
    report = prune_orphans(
        settings=settings, engine=prepare(settings), grace=dt.timedelta(hours=grace_hours), dry_run=dry_run
    )
    for rel in report.removed:
        typer.echo(("would remove " if dry_run else "removed ") + rel)
    typer.echo(
        f"{len(report.removed)} file(s), {report.bytes_freed} bytes {'to free' if dry_run else 'freed'}; {report.kept} kept"
    )
