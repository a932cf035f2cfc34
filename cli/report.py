"""`planflow report`: build the consolidated report of a round by hand."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import typer

from models.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="The consolidated report (báo cáo tổng hợp).")


@app.command("build")
def build(
    round_key: str = typer.Argument(..., metavar="ROUND", help="Round key, e.g. six-month-2018."),
    out: Path | None = typer.Option(None, "--out", help="Folder to copy the .docx, .html and .md into."),
    plan_key: str | None = typer.Option(None, "--plan", help="Plan key, when several plans have this round key."),
    now: dt.datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"],
        help="Build as of this instant (default: now); a date means 00:00 UTC.",
    ),
) -> None:
    """Consolidate a round into a new draft version (recorded in the database) and print where its files are."""
    from models.db import SchemaNotReady, ready_engine, session_scope
    from models.drafts import DraftNotRevisable
    from models.rounds import UnknownRound
    from reports.drafting import draft_next_version

    settings = get_settings()
    at = now or dt.datetime.now(dt.UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    try:
        with session_scope(ready_engine(settings)) as session:
            result = draft_next_version(
                session=session, settings=settings, round_key=round_key, plan_key=plan_key, now=at, actor="cli"
            )
    except (UnknownRound, DraftNotRevisable, SchemaNotReady) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    files = [result.docx_path, result.html_path, result.markdown_path]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        files = [Path(shutil.copy2(f, out / f.name)) for f in files]
    s = result.statistics
    typer.echo(
        f"Draft v{result.version} of {result.round_key} (id {result.draft_id}): {s['actual']}/{s['required']} reports, "
        f"{s['on_time']} on time, {s['late']} late, {s['nil']} nil, {s['missing'] + s['pending']} not reported"
    )
    for f in files:
        typer.echo(str(f))
