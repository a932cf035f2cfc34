"""Reporting rounds: their states and transitions, the questions the daily run asks about them, and what each agency is asked.

A round moves planned → open (`open_round`: roster frozen) → locked (`lock_round`: pending agencies
become missing) → consolidated (`mark_consolidated`: a draft exists) → closed (`close_round`: the
approved report has left). Every transition writes the audit log and takes `now` as a parameter.
The flows, the CLI and the simulation call these functions; none of them changes a state itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from models.audit import audit
from models.deadlines import local_midnight
from models.plan import RoundKind
from models.plandoc import PlanDocument
from models.settings import DEFAULT_TIMEZONE
from models.tables import (
    Agency,
    AgencyStatus,
    Plan,
    ReportDraft,
    RosterEntry,
    Round,
    RoundState,
    Submission,
    Task,
    TaskAgency,
)


class UnknownRound(LookupError):
    """No round has that key."""


def round_by_key(*, session: Session, key: str, plan_key: str | None = None) -> Round:
    """The round with this key (in this plan, if given)."""
    query = select(Round).where(Round.key == key)
    if plan_key is not None:
        query = query.join(Plan, col(Plan.id) == Round.plan_id).where(Plan.key == plan_key)
    rows = session.exec(query).all()
    if len(rows) != 1:
        raise UnknownRound(f"round {key!r}: {'no such round' if not rows else 'ambiguous, give the plan key'}")
    return rows[0]


def plan_by_key(*, session: Session, plan_key: str | None) -> Plan:
    """The plan with this key, or the plan loaded last when no key is given (LookupError if none)."""
    query = select(Plan).order_by(col(Plan.loaded_at).desc())
    plan = session.exec(query.where(Plan.key == plan_key) if plan_key else query).first()
    if plan is None:
        raise LookupError(f"no plan {plan_key or ''} loaded: run assign-plan first")
    return plan


def _round(session: Session, round_id: int) -> Round:
    round = session.get(Round, round_id)
    if round is None:
        raise UnknownRound(f"no round with id {round_id}")
    return round


def expected_agencies(*, session: Session, round: Round) -> list[Agency]:
    """The agencies a round expects reports from, as it would be frozen now."""
    plan = session.get(Plan, round.plan_id)
    agencies = session.exec(select(Agency).where(Agency.plan_id == round.plan_id, col(Agency.active))).all()
    if round.roster_codes is None:
        skip = PlanDocument.of(plan).consolidator_code if plan else None
        return [a for a in agencies if a.code != skip]
    wanted = set(round.roster_codes)
    return [a for a in agencies if a.code in wanted]


def open_round(*, session: Session, round_id: int, now: dt.datetime) -> list[RosterEntry]:
    """Freeze the roster and mark the round open; opening an open round changes nothing."""
    round = _round(session, round_id)
    if round.state == RoundState.planned:
        exempt = set(round.exempt_codes or [])
        assert round.id is not None
        for agency in expected_agencies(session=session, round=round):
            assert agency.id is not None
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
    return list(session.exec(select(RosterEntry).where(RosterEntry.round_id == round_id)).all())


def lock_round(*, session: Session, round_id: int, now: dt.datetime) -> int:
    """From the lock instant: every agency still pending becomes missing (returns how many), an open round locked.

    A round consolidated or closed before its lock date is settled the same way, so no agency
    stays "pending" in a finished round.
    """
    round = _round(session, round_id)
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
    tz: str = DEFAULT_TIMEZONE,
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
        .join(Agency, col(Agency.id) == RosterEntry.agency_id)
        .where(RosterEntry.round_id == round_id)
    ).all()
    return sorted(rows, key=lambda pair: pair[1].code)


@dataclass(frozen=True)
class RosterLine:
    """One agency of a round's roster as the status table shows it."""

    agency_name: str
    status: AgencyStatus
    received_at: dt.datetime | None  # when its latest version arrived
    versions: int


def roster_lines(*, session: Session, round_id: int) -> list[RosterLine]:
    """Every agency on a round's roster, in agency-code order: status, latest arrival, number of versions."""
    versions = submission_versions(session=session, round_id=round_id)
    lines = []
    for entry, agency in roster(session=session, round_id=round_id):
        latest = session.get(Submission, entry.latest_submission_id) if entry.latest_submission_id else None
        lines.append(
            RosterLine(
                agency_name=agency.name,
                status=AgencyStatus(entry.status),
                received_at=latest.received_at if latest else None,
                versions=versions.get(agency.id or 0, 0),
            )
        )
    return lines


def submission_versions(*, session: Session, round_id: int) -> dict[int, int]:
    """agency id -> how many versions of its report the round has recorded."""
    rows = session.exec(
        select(Submission.agency_id, func.max(Submission.version))
        .where(Submission.round_id == round_id)
        .group_by(col(Submission.agency_id))
    ).all()
    return {agency_id: version for agency_id, version in rows}


def agencies_with_tasks(*, session: Session, plan_id: int) -> list[Agency]:
    """The plan's active agencies that carry out at least one active task, in code order (they get an assignment)."""
    with_tasks = select(TaskAgency.agency_id).join(Task, col(Task.id) == TaskAgency.task_id).where(col(Task.active))
    return list(
        session.exec(
            select(Agency)
            .where(Agency.plan_id == plan_id, col(Agency.active), col(Agency.id).in_(with_tasks))
            .order_by(col(Agency.code))
        ).all()
    )


def tasks_for(*, session: Session, round_id: int, agency_id: int) -> list[Task]:
    """The tasks an agency is asked about in a round (all of its tasks unless the round names some)."""
    round = _round(session, round_id)
    tasks = session.exec(
        select(Task)
        .join(TaskAgency, col(TaskAgency.task_id) == Task.id)
        .where(TaskAgency.agency_id == agency_id, col(Task.active))
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


# ---------------------------------------------------------------- later transitions


def mark_consolidated(*, session: Session, round_id: int, actor: str = "system") -> bool:
    """A locked round whose draft now exists becomes consolidated (True); any other state is left as it is."""
    round = _round(session, round_id)
    if round.state != RoundState.locked:
        return False
    round.state = RoundState.consolidated
    audit(
        session=session,
        actor=actor,
        action="round_consolidated",
        round_id=round.id,
        old_status=RoundState.locked,
        new_status=RoundState.consolidated,
    )
    return True


def close_round(*, session: Session, round_id: int, now: dt.datetime) -> None:
    """The approved report has left: the round is closed (from whatever state it was in)."""
    round = _round(session, round_id)
    if round.state == RoundState.closed:
        return
    old = round.state
    round.state, round.closed_at = RoundState.closed, now
    audit(
        session=session,
        actor="system",
        action="round_closed",
        round_id=round.id,
        old_status=old,
        new_status=RoundState.closed,
    )


# ---------------------------------------------------------------- what the daily run asks

# Rounds still in motion: reports may come in, or the draft awaits the Director.
ACTIVE_STATES = (RoundState.open, RoundState.locked, RoundState.consolidated)


def consolidation_due(due_at: dt.datetime, grace: dt.timedelta) -> dt.datetime:
    """The instant a round is consolidated even if agencies are still pending: its due time plus the grace period."""
    return due_at + grace


def ready_to_consolidate(
    *, due_at: dt.datetime, statuses: Sequence[AgencyStatus | str], now: dt.datetime, grace: dt.timedelta
) -> bool:
    """A round is consolidated once its due time plus the grace period has passed, or once nobody is pending."""
    complete = bool(statuses) and all(AgencyStatus(s) != AgencyStatus.pending for s in statuses)
    return complete or now >= consolidation_due(due_at, grace)


def rounds_to_open(*, session: Session, now: dt.datetime, kinds: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(plan key, round key) of every planned round whose opening instant has come and lock instant has not."""
    query = (
        select(Plan.key, Round.key, Round.kind)
        .join(Plan, col(Plan.id) == Round.plan_id)
        # A round whose lock date has passed could accept nothing: no requests are sent for it.
        .where(Round.state == RoundState.planned, col(Round.opens_at) <= now, col(Round.lock_at) > now)
        .order_by(col(Round.opens_at))
    )
    return [(p, r) for p, r, kind in session.exec(query).all() if kinds is None or kind in kinds]


def rounds_to_remind(*, session: Session) -> list[Round]:
    """The open rounds: their pending agencies may be due a reminder."""
    return list(session.exec(select(Round).where(Round.state == RoundState.open).order_by(col(Round.id))).all())


def plans_with_open_rounds(*, session: Session) -> list[Plan]:
    """The plans that have at least one open round (their officer may be due a digest)."""
    open_plans = select(Round.plan_id).where(Round.state == RoundState.open)
    return list(session.exec(select(Plan).where(col(Plan.id).in_(open_plans)).order_by(col(Plan.id))).all())


def rounds_to_lock(*, session: Session, now: dt.datetime) -> list[Round]:
    """Rounds past their lock instant that are still open, or still have a pending agency (finished early)."""
    pending = select(RosterEntry.round_id).where(RosterEntry.status == AgencyStatus.pending)
    due = select(Round).where(Round.state != RoundState.planned, col(Round.lock_at) <= now)
    return list(session.exec(due.where(sa.or_(col(Round.state) == RoundState.open, col(Round.id).in_(pending)))).all())


def rounds_to_consolidate(*, session: Session, now: dt.datetime, grace: dt.timedelta) -> list[str]:
    """Keys of the open or locked rounds without a draft that are ready to consolidate (`ready_to_consolidate`)."""
    with_draft = select(ReportDraft.round_id)
    candidates = session.exec(
        select(Round)
        .where(col(Round.state).in_([RoundState.open, RoundState.locked]), col(Round.id).not_in(with_draft))
        .order_by(col(Round.id))
    ).all()
    ready = []
    for round in candidates:
        statuses = session.exec(select(RosterEntry.status).where(RosterEntry.round_id == round.id)).all()
        if ready_to_consolidate(due_at=round.due_at, statuses=statuses, now=now, grace=grace):
            ready.append(round.key)
    return ready


def active_round_ids(*, session: Session) -> list[int]:
    """Ids of the rounds still in motion (open, locked, or consolidated and awaiting the decision)."""
    ids = session.exec(select(Round.id).where(col(Round.state).in_(ACTIVE_STATES)).order_by(col(Round.id))).all()
    return [i for i in ids if i is not None]
