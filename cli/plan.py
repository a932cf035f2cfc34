"""`planflow plan`: validate, show and load plan files."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import typer

from cli.draft import draft as draft_command
from models.deadlines import local_midnight, round_instants
from models.plan import Contacts, Plan
from models.planfile import load_contacts_file, load_plan_file, validate_files
from models.settings import get_settings
from plans import plan_paths

app = typer.Typer(no_args_is_help=True)
app.command(name="draft")(draft_command)

FileArg = typer.Argument(
    None, help="Plan file (YAML); default: the reference plan shipped with planflow.", show_default=False
)
ContactsOpt = typer.Option(
    None, "--contacts", help="Contacts file; default: contacts.yaml beside the plan file, if any."
)


def _paths(file: Path | None, contacts: Path | None) -> tuple[Path, Path | None]:
    settings = get_settings()
    return plan_paths(file or settings.plan_file, contacts or settings.contacts_file)


def _valid_or_exit(plan_path: Path, contacts_path: Path | None) -> tuple[Plan, Contacts | None]:
    """The plan and contacts, or every error printed and exit code 2."""
    issues = validate_files(plan_path, contacts_path)
    if issues:
        for issue in issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"{len(issues)} error(s); nothing loaded.", err=True)
        raise typer.Exit(2)
    plan = load_plan_file(plan_path)
    return plan, (load_contacts_file(contacts_path, plan) if contacts_path else None)


def rounds_json(plan: Plan, tz: str) -> list[dict]:
    """The plan's rounds with their instants as ISO 8601 with the time zone's offset."""
    out = []
    for r in plan.rounds:
        at = round_instants(r, tz)
        out.append(
            {
                "key": r.key,
                "kind": r.kind.value,
                "title": r.title,
                # The data cut-off period as instants: from the first day 00:00 to the end of its last day.
                "cutoff_start": local_midnight(r.cutoff_start, tz).isoformat() if r.cutoff_start else None,
                "cutoff_end": (local_midnight(r.cutoff_end, tz) + dt.timedelta(days=1, seconds=-1)).isoformat()
                if r.cutoff_end
                else None,
                "opens": at.opens_at.isoformat(),
                "due": at.due_at.isoformat(),
                "lock": at.lock_at.isoformat(),
                "roster": plan.roster_codes(r),
                "exempt": list(r.exempt),
                "tasks": [t.key for t in plan.round_tasks(r)],
            }
        )
    return out


def plan_json(plan: Plan, tz: str) -> dict:
    """The plan as the JSON object `plan show --json` prints."""
    d = plan.decision
    return {
        "plan": {
            "key": plan.plan.key,
            "number": plan.plan.number,
            "date": plan.plan.date.isoformat(),
            "year": plan.plan.year,
            "title": plan.plan.title,
            "timezone": tz,
        },
        "decision": {
            "number": d.number,
            "date": d.date.isoformat() if d.date else None,
            "issuer": d.issuer,
            "title": d.title,
            "articles": [{"number": a.number, "text": a.text} for a in d.articles],
            "signer": d.signer.model_dump(),
        },
        "consolidator": plan.consolidator.model_dump(),
        "recipient": plan.recipient.model_dump(),
        "content_items": [{"number": c.number, "title": c.title, "text": c.text} for c in plan.content_items],
        "agencies": [{"code": a.code, "name": a.name, "kind": a.kind.value} for a in plan.agencies],
        "groups": [{"section": g.section, "title": g.title, "agencies": list(g.agencies)} for g in plan.groups],
        "tasks": [
            {
                "key": t.key,
                "section": t.section,
                "agency": list(t.agencies),
                "content_items": list(t.content_items),
                "text": t.text,
            }
            for t in plan.tasks
        ],
        "rounds": rounds_json(plan, tz),
    }


def _summary(plan: Plan, plan_path: Path, contacts: Contacts | None, contacts_path: Path | None, tz: str) -> str:
    kinds = Counter(a.kind.value for a in plan.agencies)
    lines = [
        f"{plan_path}: valid",
        f"  plan {plan.plan.key}: Kế hoạch số {plan.plan.number} ngày {plan.plan.date:%d/%m/%Y} — {plan.plan.title}",
        f"  decision: {plan.decision.number or '(no number)'}, signed {plan.decision.signer.authority or ''} "
        f"{plan.decision.signer.title} {plan.decision.signer.name or ''}".rstrip(),
        f"  agencies: {len(plan.agencies)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
        f"reporting to {plan.consolidator.short_name or plan.consolidator.name}: {len(plan.reporting_agencies())}",
        f"  content items: {len(plan.content_items)}; groups: {len(plan.groups)}; tasks: {len(plan.tasks)}",
        f"  rounds: {len(plan.rounds)} (times in {tz})",
    ]
    for r in rounds_json(plan, tz):
        cutoff = f"{r['cutoff_start'][:10]}..{r['cutoff_end'][:10]}" if r["cutoff_start"] else "no cut-off"
        lines.append(
            f"    {r['key']:<16} {r['kind']:<16} data {cutoff:<24} opens {r['opens'][:10]}  "
            f"due {r['due']}  lock {r['lock'][:10]}  roster {len(r['roster'])}"
        )
    if plan.press_briefings:
        lines.append(
            f"  press briefings (II.{plan.press_briefings.content_item}): months {plan.press_briefings.months}"
        )
    lines.append(f"  ad-hoc rounds: {'enabled' if plan.ad_hoc.enabled else 'disabled'}")
    if contacts is not None:
        n = sum(len(e.focal_points) for e in contacts.agencies.values())
        lines.append(f"{contacts_path}: valid — {len(contacts.agencies)} agencies, {n} focal points")
    return "\n".join(lines)


@app.command()
def validate(file: Path | None = FileArg, contacts: Path | None = ContactsOpt) -> None:
    """Check a plan (and its contacts): a summary and exit 0, or every error and exit 2."""
    plan_path, contacts_path = _paths(file, contacts)
    plan, parsed = _valid_or_exit(plan_path, contacts_path)
    typer.echo(_summary(plan, plan_path, parsed, contacts_path, get_settings().timezone))


@app.command()
def show(
    file: Path | None = FileArg,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Print a plan: agencies, tasks (with their section and agencies) and rounds (with their instants)."""
    plan_path, _ = _paths(file, None)
    plan, _ = _valid_or_exit(plan_path, None)
    tz = get_settings().timezone
    data = plan_json(plan, tz)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"Kế hoạch số {plan.plan.number} — {plan.plan.title}")
    for a in data["agencies"]:
        typer.echo(f"  {a['code']:<10} {a['name']}")
    for t in data["tasks"]:
        typer.echo(f"  {t['key']:<8} {t['section']:<6} {', '.join(t['agency'])}")
    for r in data["rounds"]:
        typer.echo(f"  {r['key']:<16} {r['kind']:<16} due {r['due']}  lock {r['lock']}")


@app.command()
def load(file: Path | None = FileArg, contacts: Path | None = ContactsOpt) -> None:
    """Validate a plan (and its contacts), then load it into the application database (idempotent)."""
    from models.db import prepare, session_scope
    from models.loading import load_plan_files

    plan_path, contacts_path = _paths(file, contacts)
    _valid_or_exit(plan_path, contacts_path)
    settings = get_settings()
    with session_scope(prepare(settings)) as session:
        report = load_plan_files(
            session=session,
            plan_path=plan_path,
            contacts_path=contacts_path,
            now=dt.datetime.now(dt.UTC),
            tz=settings.timezone,
        )
    typer.echo(str(report))
