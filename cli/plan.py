"""`planflow plan`: write a new plan skeleton, validate, show and load plan files, list and archive plans."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from cli.draft import draft as draft_command
from models.deadlines import local_midnight, round_instants
from models.plan import Contacts, Plan
from models.planfile import PlanIssue, check_files, load_contacts_file, load_plan_file
from models.regimes import report_name
from models.settings import get_settings
from plans import plan_paths, skeleton_paths

app = typer.Typer(no_args_is_help=True)
app.command(name="draft")(draft_command)

FileArg = typer.Argument(
    None, help="Plan file (YAML); default: the reference plan shipped with planflow.", show_default=False
)
NewFileArg = typer.Argument(..., help="Where to write the plan skeleton; contacts.yaml goes beside it.")
PlanKeyArg = typer.Argument(..., help="Key of the plan (plan.key in its file).")
ContactsOpt = typer.Option(
    None, "--contacts", help="Contacts file; default: contacts.yaml beside the plan file, if any."
)


def _paths(file: Path | None, contacts: Path | None) -> tuple[Path, Path | None]:
    settings = get_settings()
    return plan_paths(file or settings.plan_file, contacts or settings.contacts_file)


def _valid_or_exit(
    plan_path: Path, contacts_path: Path | None, *, warnings: bool = True
) -> tuple[Plan, Contacts | None, list[PlanIssue]]:
    """The plan, contacts and warnings (printed on stderr), or every error printed and exit code 2."""
    result = check_files(plan_path, contacts_path)
    if result.errors:
        for issue in result.errors:
            typer.echo(str(issue), err=True)
        typer.echo(f"{len(result.errors)} error(s); nothing loaded.", err=True)
        raise typer.Exit(2)
    if warnings:
        for issue in result.warnings:
            typer.echo(str(issue), err=True)
    plan = load_plan_file(plan_path)
    return plan, (load_contacts_file(contacts_path, plan) if contacts_path else None), result.warnings


def rounds_json(plan: Plan, tz: str) -> list[dict]:
    """The plan's rounds with their instants as ISO 8601 with the time zone's offset."""
    out = []
    for r in plan.rounds:
        at = round_instants(r, tz)
        out.append(
            {
                "key": r.key,
                "kind": r.kind.value,
                "period": r.period,
                "name": report_name(r.kind, r.period),
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
            "continues": plan.plan.continues,
            "timezone": tz,
        },
        "decision": None
        if d is None
        else {
            "number": d.number,
            "date": d.date.isoformat() if d.date else None,
            "issuer": d.issuer,
            "title": d.title,
            "articles": [{"number": a.number, "text": a.text} for a in d.articles],
            "signer": d.signer.model_dump(),
        },
        "responsibilities_section": plan.responsibilities_section,
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


def _decision_line(plan: Plan) -> str:
    d = plan.decision
    if d is None:
        return "  decision: none (the plan is issued without an approving Decision)"
    signer = f"{d.signer.authority or ''} {d.signer.title} {d.signer.name or ''}".strip()
    return f"  decision: {d.number or '(no number)'}, signed {signer}"


def _summary(
    plan: Plan, plan_path: Path, contacts: Contacts | None, contacts_path: Path | None, tz: str, warnings: int
) -> str:
    kinds = Counter(a.kind.value for a in plan.agencies)
    lines = [
        f"{plan_path}: valid" + (f" with {warnings} warning(s)" if warnings else ""),
        f"  plan {plan.plan.key}: Kế hoạch số {plan.plan.number} ngày {plan.plan.date:%d/%m/%Y} — {plan.plan.title}"
        + (f" (continues {plan.plan.continues})" if plan.plan.continues else ""),
        _decision_line(plan),
        f"  agencies: {len(plan.agencies)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
        f"reporting to {plan.consolidator.short_name or plan.consolidator.name}: {len(plan.reporting_agencies())}",
        f"  content items: {len(plan.content_items)}; groups: {len(plan.groups)}; tasks: {len(plan.tasks)}",
        f"  rounds: {len(plan.rounds)} (times in {tz})",
    ]
    for r in rounds_json(plan, tz):
        cutoff = f"{r['cutoff_start'][:10]}..{r['cutoff_end'][:10]}" if r["cutoff_start"] else "no cut-off"
        lines.append(
            f"    {r['key']:<20} {r['kind']:<16} data {cutoff:<24} opens {r['opens'][:10]}  "
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
    plan, parsed, warnings = _valid_or_exit(plan_path, contacts_path)
    typer.echo(_summary(plan, plan_path, parsed, contacts_path, get_settings().timezone, len(warnings)))


@app.command()
def show(
    file: Path | None = FileArg,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Print a plan: agencies, tasks (with their section and agencies) and rounds (with their instants)."""
    plan_path, _ = _paths(file, None)
    plan, _, _ = _valid_or_exit(plan_path, None, warnings=False)
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


@app.command()
def new(
    file: Path = NewFileArg,
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    """Write a commented plan skeleton (and contacts.yaml beside it) to fill in, then `plan validate`."""
    plan_src, contacts_src = skeleton_paths()
    contacts = file.with_name("contacts.yaml")
    if file.resolve() == contacts.resolve():
        typer.echo("choose another name than contacts.yaml for the plan file", err=True)
        raise typer.Exit(2)
    existing = [p for p in (file, contacts) if p.exists()]
    if existing and not force:
        typer.echo(f"{', '.join(map(str, existing))}: already exists; nothing written (--force overwrites)", err=True)
        raise typer.Exit(1)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(plan_src.read_text(encoding="utf-8"), encoding="utf-8")
    contacts.write_text(contacts_src.read_text(encoding="utf-8"), encoding="utf-8")
    typer.echo(f"wrote {file} and {contacts}: replace every <<...>> and run `planflow plan validate {file}`")


@app.command(name="list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
    active_only: bool = typer.Option(False, "--active", help="Leave archived plans out."),
) -> None:
    """The plans in the application database, with their rounds and states."""
    from models.db import prepare, session_scope
    from models.plan_registry import list_plans

    settings = get_settings()
    with session_scope(prepare(settings)) as session:
        plans = list_plans(session=session, include_archived=not active_only)
    tz = settings.timezone
    if as_json:
        data = [
            {
                "key": p.key,
                "number": p.number,
                "title": p.title,
                "year": p.year,
                "continues": p.continues,
                "archived_at": p.archived_at.isoformat() if p.archived_at else None,
                "without_contact": list(p.without_contact),
                "rounds": [
                    {
                        "key": r.key,
                        "kind": r.kind,
                        "period": r.period,
                        "due": r.due_at.astimezone(ZoneInfo(tz)).isoformat(),
                        "state": r.state,
                    }
                    for r in p.rounds
                ],
            }
            for p in plans
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not plans:
        typer.echo("no plan in the database (load one with `planflow plan load FILE`)")
        return
    for p in plans:
        status = f"archived {p.archived_at.astimezone(ZoneInfo(tz)):%Y-%m-%d}" if p.archived_at else "active"
        series = f", continues {p.continues}" if p.continues else ""
        typer.echo(f"{p.key}  {p.number}  {p.year}  {status}{series}  — {p.title}")
        if p.without_contact:
            typer.echo(f"    no contact yet: {', '.join(p.without_contact)}")
        for r in p.rounds:
            typer.echo(f"    {r.key:<24} {r.kind:<16} due {r.due_at.astimezone(ZoneInfo(tz)):%Y-%m-%d}  {r.state}")


@app.command()
def archive(
    key: str = PlanKeyArg,
    restore: bool = typer.Option(False, "--restore", help="Undo: schedules run the plan again."),
    actor: str = typer.Option("officer", "--by", help="Who archives it (for the audit log)."),
) -> None:
    """Archive a finished plan: every record stays, the schedules skip it."""
    from models.db import prepare, session_scope
    from models.plan_registry import UnknownPlan, archive_plan, restore_plan

    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    try:
        with session_scope(prepare(settings)) as session:
            if restore:
                restore_plan(session=session, key=key, now=now, actor=actor)
            else:
                archive_plan(session=session, key=key, now=now, actor=actor)
    except UnknownPlan as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"plan {key}: {'restored' if restore else 'archived'}")
