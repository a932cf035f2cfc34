"""Loading a validated plan into the database: idempotent, by stable keys, never deleting a submission.

Loading the same file twice changes nothing. Loading an edited file updates rows by their keys
(agency code, task key, round key, content item number); what the file no longer names is marked
inactive, never deleted, so every recorded submission keeps its agency and round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from models import plan as P
from models.audit import audit
from models.deadlines import round_instants
from models.tables import (
    Agency,
    Contact,
    ContactRole,
    ContentItem,
    Official,
    OfficialRole,
    Plan,
    Round,
    RoundState,
    Task,
    TaskAgency,
)


@dataclass
class LoadReport:
    """What a load created, updated or retired, per kind of row."""

    plan_key: str
    plan_id: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)
    # Keys of rounds still planned in the database that the file no longer names: nothing retires a round
    # yet (there is no such state), so the officer is told rather than left to find it open one day.
    unlisted_rounds: list[str] = field(default_factory=list)
    # The plan named in `continues` when the database does not hold it (the series starts here for now).
    missing_predecessor: str | None = None

    @property
    def changed(self) -> bool:
        """True when the load wrote anything."""
        return any(self.created.values()) or any(self.updated.values()) or any(self.retired.values())

    def count(self, bucket: str, kind: str) -> None:
        d = getattr(self, bucket)
        d[kind] = d.get(kind, 0) + 1

    def __str__(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(d.items()) if v) or "nothing"

        text = (
            f"plan {self.plan_key}: created {fmt(self.created)}; updated {fmt(self.updated)}; "
            f"retired {fmt(self.retired)}"
        )
        if self.missing_predecessor:
            text += f"; continues {self.missing_predecessor}, which is not in the database (no comparison with it)"
        if self.unlisted_rounds:
            text += f"; still planned but no longer in the file: {', '.join(self.unlisted_rounds)}"
        return text


def _sync(row, values: dict, report: LoadReport, kind: str) -> bool:
    """Set `values` on `row`, counting an update only when something differs."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        report.count("updated", kind)
    return changed


def load_plan(
    *,
    session: Session,
    plan: P.Plan,
    contacts: P.Contacts | None,
    source_path: str,
    content_sha256: str,
    now: dt.datetime,
    tz: str = "Asia/Ho_Chi_Minh",
) -> LoadReport:
    """Insert or update the plan, its agencies, contacts, content items, tasks and rounds."""
    report = LoadReport(plan_key=plan.plan.key)
    row = session.exec(select(Plan).where(Plan.key == plan.plan.key)).first()
    document = plan.dump_document()
    values: dict[str, Any] = dict(
        number=plan.plan.number,
        title=plan.plan.title,
        year=plan.plan.year,
        continues=plan.plan.continues,
        source_path=source_path,
        content_sha256=content_sha256,
        document=document,
    )
    if row is None:
        row = Plan(key=plan.plan.key, loaded_at=now, **values)
        session.add(row)
        session.flush()
        report.count("created", "plan")
    elif _sync(row, values, report, "plan"):
        row.loaded_at = now
    assert row.id is not None  # flushed above
    report.plan_id = row.id
    if plan.plan.continues and session.exec(select(Plan.id).where(Plan.key == plan.plan.continues)).first() is None:
        report.missing_predecessor = plan.plan.continues

    known = {a.code for a in session.exec(select(Agency).where(Agency.plan_id == row.id))}
    agencies = _load_agencies(session, row.id, plan, report)
    _load_content_items(session, row.id, plan, report)
    _load_tasks(session, row.id, plan, agencies, report)
    _load_rounds(session, row.id, plan, tz, report, now)
    if contacts is not None:
        _load_contacts(session, row.id, contacts, agencies, report, created=set(agencies) - known)
    session.flush()
    return report


def _load_agencies(session: Session, plan_id: int, plan: P.Plan, report: LoadReport) -> dict[str, Agency]:
    existing = {a.code: a for a in session.exec(select(Agency).where(Agency.plan_id == plan_id))}
    for a in plan.agencies:
        values: dict[str, Any] = dict(
            name=a.name, short_name=a.short_name, kind=a.kind.value, head_title=a.head_title, active=True
        )
        if a.code in existing:
            _sync(existing[a.code], values, report, "agency")
        else:
            existing[a.code] = Agency(plan_id=plan_id, code=a.code, **values)
            session.add(existing[a.code])
            report.count("created", "agency")
    named = {a.code for a in plan.agencies}
    for code, agency in existing.items():
        if code not in named and agency.active:
            agency.active = False
            report.count("retired", "agency")
    session.flush()
    return existing


def _load_content_items(session: Session, plan_id: int, plan: P.Plan, report: LoadReport) -> None:
    existing = {c.number: c for c in session.exec(select(ContentItem).where(ContentItem.plan_id == plan_id))}
    for item in plan.content_items:
        values: dict[str, Any] = dict(title=item.title, text=item.text)
        if item.number in existing:
            _sync(existing[item.number], values, report, "content_item")
        else:
            session.add(ContentItem(plan_id=plan_id, number=item.number, **values))
            report.count("created", "content_item")


def _load_tasks(session: Session, plan_id: int, plan: P.Plan, agencies: dict[str, Agency], report: LoadReport) -> None:
    existing = {t.key: t for t in session.exec(select(Task).where(Task.plan_id == plan_id))}
    for t in plan.tasks:
        values: dict[str, Any] = dict(
            section=t.section, text=t.text, lead_code=t.lead, content_items=list(t.content_items), active=True
        )
        task = existing.get(t.key)
        is_new = task is None
        if task is None:
            task = existing[t.key] = Task(plan_id=plan_id, key=t.key, **values)
            session.add(task)
            session.flush()
            report.count("created", "task")
        else:
            _sync(task, values, report, "task")
        assert task.id is not None  # flushed when created
        wanted = {agency_id for code in t.agencies if (agency_id := agencies[code].id) is not None}
        links = {link.agency_id: link for link in session.exec(select(TaskAgency).where(TaskAgency.task_id == task.id))}
        if set(links) != wanted:
            for agency_id in set(links) - wanted:
                session.delete(links[agency_id])
            for agency_id in wanted - set(links):
                session.add(TaskAgency(task_id=task.id, agency_id=agency_id))
            if not is_new:
                report.count("updated", "task_agencies")
    named = {t.key for t in plan.tasks}
    for key, task in existing.items():
        if key not in named and task.active:
            task.active = False
            report.count("retired", "task")


def _load_rounds(session: Session, plan_id: int, plan: P.Plan, tz: str, report: LoadReport, now: dt.datetime) -> None:
    existing = {r.key: r for r in session.exec(select(Round).where(Round.plan_id == plan_id))}
    named = {r.key for r in plan.rounds}
    report.unlisted_rounds = sorted(
        key
        for key, row in existing.items()
        if key not in named and row.state == RoundState.planned and row.created_by == "plan"
    )
    for r in plan.rounds:
        at = round_instants(r, tz)
        values: dict[str, Any] = dict(
            kind=r.kind,
            title=r.title,
            period=r.period,
            cutoff_start=r.cutoff_start,
            cutoff_end=r.cutoff_end,
            opens_at=at.opens_at,
            due_at=at.due_at,
            lock_at=at.lock_at,
            task_keys=None if r.tasks == "all" else list(r.tasks),
            roster_codes=None if r.roster == "all" else list(r.roster),
            exempt_codes=list(r.exempt),
            instructions=r.instructions,
            ladder=r.ladder.model_dump(mode="json") if r.ladder else None,
        )
        row = existing.get(r.key)
        if row is None:
            session.add(Round(plan_id=plan_id, key=r.key, state=RoundState.planned, **values))
            report.count("created", "round")
            continue
        if row.state != RoundState.planned:
            # The roster is frozen once a round opens; later plan edits may move dates, not the roster.
            values.pop("roster_codes")
            values.pop("exempt_codes")
        before = (row.due_at, row.lock_at)
        if _sync(row, values, report, "round") and before != (row.due_at, row.lock_at):
            audit(
                session=session,
                actor="plan",
                action="round_dates_changed",
                round_id=row.id,
                detail={"due_at": row.due_at.isoformat(), "lock_at": row.lock_at.isoformat(), "at": now.isoformat()},
            )


def _load_contacts(
    session: Session,
    plan_id: int,
    contacts: P.Contacts,
    agencies: dict[str, Agency],
    report: LoadReport,
    created: set[str],
) -> None:
    officials = {o.role: o for o in session.exec(select(Official).where(Official.plan_id == plan_id))}
    for role in OfficialRole:
        person: P.Person = getattr(contacts, role.value)
        values: dict[str, Any] = dict(name=person.name, email=person.email.lower(), phone=person.phone)
        if role in officials:
            _sync(officials[role], values, report, "official")
        else:
            session.add(Official(plan_id=plan_id, role=role, **values))
            report.count("created", "official")

    for code, agency in agencies.items():
        entry = contacts.agencies.get(code)
        domains = sorted({d.lower() for d in entry.allowed_domains}) if entry else []
        if agency.allowed_domains != domains:
            if code not in created:
                report.count("updated", "agency")
            agency.allowed_domains = domains
        wanted: dict[tuple[ContactRole, str], P.Person] = {}
        if entry:
            for person in entry.focal_points:
                wanted[(ContactRole.focal_point, person.email.lower())] = person
            if entry.head:
                wanted[(ContactRole.head, entry.head.email.lower())] = entry.head
            for address in entry.allowed_senders:
                wanted[(ContactRole.allowed_sender, address.lower())] = P.Person(email=address)
        assert agency.id is not None  # agencies are flushed by _load_agencies
        existing = {(c.role, c.email): c for c in session.exec(select(Contact).where(Contact.agency_id == agency.id))}
        for key, person in wanted.items():
            values: dict[str, Any] = dict(name=person.name, phone=person.phone, active=True)
            if key in existing:
                _sync(existing[key], values, report, "contact")
            else:
                session.add(Contact(agency_id=agency.id, role=key[0], email=key[1], **values))
                report.count("created", "contact")
        for key, contact in existing.items():
            if key not in wanted and contact.active:
                contact.active = False
                report.count("retired", "contact")


def load_plan_files(
    *,
    session: Session,
    plan_path: Path,
    contacts_path: Path | None,
    now: dt.datetime,
    tz: str = "Asia/Ho_Chi_Minh",
) -> LoadReport:
    """Validate a plan file (and its contacts file) and load them; raises `PlanFileError` with every error."""
    from models.planfile import load_contacts_file, load_plan_file

    plan = load_plan_file(plan_path)
    contacts = load_contacts_file(contacts_path, plan) if contacts_path else None
    return load_plan(
        session=session,
        plan=plan,
        contacts=contacts,
        source_path=str(plan_path),
        content_sha256=hashlib.sha256(Path(plan_path).read_bytes()).hexdigest(),
        now=now,
        tz=tz,
    )
