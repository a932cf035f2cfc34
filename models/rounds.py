"""Reporting rounds: opening (the roster frozen), locking, ad-hoc rounds, and what each agency is asked."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, select

from models.audit import audit
from models.deadlines import local_midnight
from models.plan import RoundKind
from models.tables import Agency, AgencyStatus, Plan, RosterEntry, Round, RoundState, Task, TaskAgency


class UnknownRound(LookupError):
    """No round has that key."""


def round_by_key(*, session: Session, key: str, plan_key: str | None = None) -> Round:
    """The round with this key (in this plan, if given)."""
    query = select(Round).where(Round.key == key)
    if plan_key is not None:
        query = query.join(Plan, Plan.id == Round.plan_id).where(Plan.key == plan_key)
    rows = session.exec(query).all()
    if len(rows) != 1:
        raise UnknownRound(f"round {key!r}: {'no such round' if not rows else 'ambiguous, give the plan key'}")
    return rows[0]


def consolidator_code(plan: Plan) -> str | None:
    """The agency code of the consolidator (Sở TT&TT), which receives reports rather than sends them."""
    return (plan.document.get("consolidator") or {}).get("agency")


def expected_agencies(*, session: Session, round: Round) -> list[Agency]:
    """The agencies a round expects reports from, as it would be frozen now."""
    plan = session.get(Plan, round.plan_id)
    agencies = session.exec(select(Agency).where(Agency.plan_id == round.plan_id, Agency.active)).all()
    if round.roster_codes is None:
        skip = consolidator_code(plan)
        return [a for a in agencies if a.code != skip]
    wanted = set(round.roster_codes)
    return [a for a in agencies if a.code in wanted]


def open_round(*, session: Session, round_id: int, now: dt.datetime) -> list[RosterEntry]:
    """Freeze the roster and mark the round open; opening an open round changes nothing."""
    round = session.get(Round, round_id)
    if round.state == RoundState.planned:
        exempt = set(round.exempt_codes or [])
        for agency in expected_agencies(session=session, round=round):
            status = AgencyStatus.exempt if agency.code in exempt else AgencyStatus.pending
            session.add(
                RosterEntry(
                    round_id=round.id,
                    agency_id=agency.id,
                    status=status,
                    exempt_reason="Miễn theo kế hoạch" if status == AgencyStatus.exempt else None,
                    status_changed_at=now,
                )
            )
            audit(
                session=session,
                actor="system",
                action="roster_frozen",
                round_id=round.id,
                agency_id=agency.id,
                new_status=status,
            )
        round.state = RoundState.open
        round.opened_at = now
        audit(session=session, actor="system", action="round_opened", round_id=round.id, new_status=RoundState.open)
        session.flush()
    return session.exec(select(RosterEntry).where(RosterEntry.round_id == round_id)).all()


def lock_round(*, session: Session, round_id: int, now: dt.datetime) -> int:
    """From the lock instant: every agency still pending becomes missing (returns how many), an open round locked.

    A round consolidated or closed before its lock date is settled the same way, so no agency
    stays "pending" in a finished round.
    """
    round = session.get(Round, round_id)
    if round.state == RoundState.planned or now < round.lock_at:
        return 0
    missing = 0
    for entry in session.exec(select(RosterEntry).where(RosterEntry.round_id == round_id)):
        if entry.status == AgencyStatus.pending:
            set_status(
                session=session,
                entry=entry,
                status=AgencyStatus.missing,
                actor="system",
                now=now,
                reason="round locked",
            )
            missing += 1
    if round.state == RoundState.open:
        round.state = RoundState.locked
        audit(
            session=session,
            actor="system",
            action="round_locked",
            round_id=round.id,
            old_status=RoundState.open,
            new_status=RoundState.locked,
        )
    session.flush()
    return missing


def set_status(
    *,
    session: Session,
    entry: RosterEntry,
    status: AgencyStatus,
    actor: str,
    now: dt.datetime,
    reason: str | None = None,
    detail: dict | None = None,
) -> None:
    """Change an agency's status in a round, and write the audit log."""
    if entry.status == status:
        return
    audit(
        session=session,
        actor=actor,
        action="status_changed",
        round_id=entry.round_id,
        agency_id=entry.agency_id,
        old_status=entry.status,
        new_status=status,
        detail={"reason": reason, **(detail or {})},
    )
    entry.status = status
    entry.status_changed_at = now
    if status == AgencyStatus.exempt:
        entry.exempt_reason = reason


def create_adhoc_round(
    *,
    session: Session,
    plan_id: int,
    key: str,
    title: str,
    instructions: str | None,
    agency_codes: list[str] | None,
    due: dt.date,
    now: dt.datetime,
    created_by: str,
    lock_days_after_due: int = 10,
    tz: str = "Asia/Ho_Chi_Minh",
) -> Round:
    """An ad-hoc round ('báo cáo đột xuất'), opening now; running it twice with one key returns the first."""
    existing = session.exec(select(Round).where(Round.plan_id == plan_id, Round.key == key)).first()
    if existing is not None:
        return existing
    due_at = local_midnight(due, tz)
    if due_at <= now:
        raise ValueError(f"due date {due.isoformat()} is not in the future")
    if agency_codes is not None:
        known = {a.code for a in session.exec(select(Agency).where(Agency.plan_id == plan_id))}
        unknown = sorted(set(agency_codes) - known)
        if unknown:
            raise ValueError(f"unknown agency codes: {', '.join(unknown)}")
    round = Round(
        plan_id=plan_id,
        key=key,
        kind=RoundKind.ad_hoc,
        title=title,
        opens_at=now,
        due_at=due_at,
        lock_at=local_midnight(due + dt.timedelta(days=lock_days_after_due), tz),
        task_keys=[],
        roster_codes=agency_codes,
        instructions=instructions,
        created_by=created_by,
    )
    session.add(round)
    session.flush()
    audit(
        session=session,
        actor=created_by,
        action="adhoc_round_created",
        round_id=round.id,
        detail={"title": title, "due": due.isoformat()},
    )
    return round


def roster(*, session: Session, round_id: int) -> list[tuple[RosterEntry, Agency]]:
    """The frozen roster of a round with each agency, in agency-code order."""
    rows = session.exec(
        select(RosterEntry, Agency)
        .join(Agency, Agency.id == RosterEntry.agency_id)
        .where(RosterEntry.round_id == round_id)
    ).all()
    return sorted(rows, key=lambda pair: pair[1].code)


def tasks_for(*, session: Session, round_id: int, agency_id: int) -> list[Task]:
    """The tasks an agency is asked about in a round (all of its tasks unless the round names some)."""
    round = session.get(Round, round_id)
    tasks = session.exec(
        select(Task)
        .join(TaskAgency, TaskAgency.task_id == Task.id)
        .where(TaskAgency.agency_id == agency_id, Task.active)
    ).all()
    if round.task_keys is not None:
        wanted = set(round.task_keys)
        tasks = [t for t in tasks if t.key in wanted]
    return sorted(tasks, key=lambda t: task_order(t.key))


def task_order(key: str) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    """Sort key of a task key in reading order: `IV.2` before `IV.2a.1` before `IV.10` (any key the schema accepts).

    Each dot- or dash-separated part is split into runs of digits (compared as numbers) and of other
    characters (compared as text); a number sorts before text at the same place, so every pair of
    keys compares without a TypeError.
    """
    return tuple(
        tuple((0, int(run), "") if run.isdigit() else (1, 0, run) for run in re.findall(r"\d+|\D+", part))
        for part in key.replace("-", ".").split(".")
    )
