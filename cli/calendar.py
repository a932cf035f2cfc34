"""`planflow calendar`: the planned reminders of a round, per agency, as a table or as JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

import plans
from models.deadlines import round_instants
from models.plan import Plan
from models.planfile import PlanFileError, load_plan_file
from models.reminders import PlannedReminder, planned_reminders
from models.settings import get_settings
from models.workdays import WorkCalendar

DEFAULT_PLAN = Path(plans.__file__).resolve().parent / "vinhlong-2018" / "plan.yaml"


def reminder_rows(plan: Plan, round_key: str, *, tz: str, agency: str | None = None) -> list[dict]:
    """One row per (roster agency, planned reminder): exempt agencies and the consolidator get none."""
    round = plan.round(round_key)
    instants = round_instants(round, tz)
    ladder = round.ladder or plan.reminders
    reminders: list[PlannedReminder] = planned_reminders(
        due=round.due,
        ladder=ladder,
        calendar=WorkCalendar.from_config(plan.calendar),
        tz=tz,
        opens_at=instants.opens_at,
        lock_at=instants.lock_at,
    )
    exempt = set(round.exempt)
    codes = [c for c in plan.roster_codes(round) if c not in exempt and c != plan.consolidator.agency]
    if agency is not None:
        codes = [c for c in codes if c == agency]
    return [
        {"agency": code, "step": r.step, "send_at": r.send_at.isoformat(), "kind": r.kind, "escalate": r.escalate}
        for code in codes
        for r in reminders
    ]


def calendar(
    file: Path = typer.Argument(None, help="Plan file; default: PLANFLOW_PLAN_FILE or the shipped reference plan."),
    round_key: str = typer.Option(..., "--round", help="Key of the round, e.g. 'six-month-2018'."),
    agency: str | None = typer.Option(None, "--agency", help="Only this agency code."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {agency, step, send_at}."),
) -> None:
    """Print the planned reminders of a round for every agency on its roster."""
    settings = get_settings()
    path = file or settings.plan_file or DEFAULT_PLAN
    try:
        plan = load_plan_file(path)
    except PlanFileError as exc:
        for issue in exc.errors:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from None
    keys = [r.key for r in plan.rounds]
    if round_key not in keys:
        typer.echo(f"{path}: no round '{round_key}'; rounds: {', '.join(keys)}", err=True)
        raise typer.Exit(2)
    round = plan.round(round_key)
    if agency is not None and agency not in plan.roster_codes(round):
        typer.echo(f"{path}: agency '{agency}' is not on the roster of round '{round_key}'", err=True)
        raise typer.Exit(2)
    rows = reminder_rows(plan, round_key, tz=settings.timezone, agency=agency)
    if as_json:
        typer.echo(
            json.dumps(
                [{k: row[k] for k in ("agency", "step", "send_at")} for row in rows], ensure_ascii=False, indent=2
            )
        )
        return
    typer.echo(
        f"{round.title}\nD = {round.due.isoformat()} (late from 00:00), lock {round.lock.isoformat()}, tz {settings.timezone}"
    )
    if not rows:
        typer.echo("no reminders planned")
        return
    width = max(len(r["agency"]) for r in rows)
    step_width = max(len(r["step"]) for r in rows)
    for row in rows:
        when = row["send_at"]
        flag = "  escalate" if row["escalate"] else ""
        weekday = dt.date.fromisoformat(when[:10]).strftime("%a")
        typer.echo(
            f"{row['agency']:<{width}}  {row['step']:<{step_width}}  {weekday} {when[:10]} {when[11:16]}  {row['kind']}{flag}"
        )
