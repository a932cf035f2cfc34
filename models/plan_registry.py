"""The plans one installation holds: listing, archiving, series, and agencies still without a contact.

Several plans live side by side in one database (a department runs a new plan every year, and
several at once). A plan may continue another (`plan.continues` in its file): together they form a
series, and a report compares itself only with earlier rounds of its own series. A finished plan
is archived, never deleted: its records stay, and the schedules skip it (`active_plans`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.audit import audit
from models.regimes import RoundKind
from models.tables import Agency, Contact, ContactRole, Plan, RosterEntry, Round, RoundState


class UnknownPlan(LookupError):
    """No plan with this key in the database."""


@dataclass(frozen=True)
class RoundSummary:
    """One round of a plan as `planflow plan list` shows it."""

    key: str
    kind: str
    period: int | None
    due_at: dt.datetime
    state: str


@dataclass(frozen=True)
class PlanSummary:
    """A plan in the database, its series link, whether it is archived, and its rounds."""

    key: str
    number: str
    title: str
    year: int
    continues: str | None
    archived_at: dt.datetime | None
    rounds: tuple[RoundSummary, ...]
    without_contact: tuple[str, ...] = ()  # codes of active agencies with no focal point yet

    @property
    def is_active(self) -> bool:
        """False once the plan is archived."""
        return self.archived_at is None


def plan_by_key(*, session: Session, key: str) -> Plan:
    """The plan with this key; raises `UnknownPlan`."""
    row = session.exec(select(Plan).where(Plan.key == key)).first()
    if row is None:
        raise UnknownPlan(f"no plan {key!r} in the database")
    return row


def list_plans(*, session: Session, include_archived: bool = True) -> list[PlanSummary]:
    """Every plan in the database (newest year first, then by key) with its rounds in due order."""
    query = select(Plan).order_by(col(Plan.year).desc(), col(Plan.key))
    if not include_archived:
        query = query.where(col(Plan.archived_at).is_(None))
    out = []
    for p in session.exec(query):
        assert p.id is not None
        rounds = session.exec(select(Round).where(Round.plan_id == p.id).order_by(col(Round.due_at), col(Round.key)))
        out.append(
            PlanSummary(
                key=p.key,
                number=p.number,
                title=p.title,
                year=p.year,
                continues=p.continues,
                archived_at=p.archived_at,
                rounds=tuple(
                    RoundSummary(
                        key=r.key,
                        kind=RoundKind(r.kind).value,
                        period=r.period,
                        due_at=r.due_at,
                        state=RoundState(r.state).value,
                    )
                    for r in rounds
                ),
                without_contact=tuple(a.code for a in agencies_without_contact(session=session, plan_id=p.id)),
            )
        )
    return out


def active_plans(*, session: Session) -> list[Plan]:
    """The plans schedules run: every plan not archived."""
    return list(session.exec(select(Plan).where(col(Plan.archived_at).is_(None)).order_by(col(Plan.id))))


def active_plan_ids(*, session: Session) -> set[int]:
    """Ids of the plans schedules run (for filtering rounds: `Round.plan_id.in_(...)`)."""
    return {p.id for p in active_plans(session=session) if p.id is not None}


def archive_plan(*, session: Session, key: str, now: dt.datetime, actor: str) -> Plan:
    """Mark a plan archived (idempotent): its records stay, schedules skip it. Refused while a round is in motion."""
    plan = plan_by_key(session=session, key=key)
    if plan.archived_at is not None:
        return plan
    moving = session.exec(
        select(Round.key).where(
            Round.plan_id == plan.id,
            col(Round.state).in_([RoundState.open, RoundState.locked, RoundState.consolidated]),
        )
    ).all()
    if moving:
        raise ValueError(f"plan {key!r} still has rounds in progress ({', '.join(moving)}): close them first")
    plan.archived_at = now
    session.add(plan)
    audit(session=session, actor=actor, action="plan_archived", detail={"plan": key, "at": now.isoformat()})
    return plan


def restore_plan(*, session: Session, key: str, now: dt.datetime, actor: str) -> Plan:
    """Undo `archive_plan`: the schedules run the plan again."""
    plan = plan_by_key(session=session, key=key)
    if plan.archived_at is not None:
        plan.archived_at = None
        session.add(plan)
        audit(session=session, actor=actor, action="plan_restored", detail={"plan": key, "at": now.isoformat()})
    return plan


def series_plan_ids(*, session: Session, plan_id: int) -> list[int]:
    """The plan and the plans it continues, newest first (a loop in `continues` links stops the walk)."""
    ids: list[int] = []
    current = session.get(Plan, plan_id)
    while current is not None and current.id is not None and current.id not in ids:
        ids.append(current.id)
        if not current.continues:
            break
        current = session.exec(select(Plan).where(Plan.key == current.continues)).first()
    return ids


def previous_round_in_series(*, session: Session, round: Round) -> Round | None:
    """The latest earlier round of the same kind that has opened, in the round's plan or the plans it continues.

    Never a round of an unrelated plan: two plans in one database do not compare with each other.
    """
    plans = series_plan_ids(session=session, plan_id=round.plan_id)
    return session.exec(
        select(Round)
        .where(
            Round.kind == round.kind,
            Round.id != round.id,
            col(Round.plan_id).in_(plans),
            col(Round.due_at) < round.due_at,
            Round.state != RoundState.planned,
        )
        .order_by(col(Round.due_at).desc())
    ).first()


def agencies_without_contact(*, session: Session, plan_id: int) -> list[Agency]:
    """Active agencies of a plan with no active focal point: they get no email ('no contact' in a roster)."""
    reached = select(Contact.agency_id).where(Contact.role == ContactRole.focal_point, col(Contact.active))
    return list(
        session.exec(
            select(Agency)
            .where(Agency.plan_id == plan_id, col(Agency.active), col(Agency.id).not_in(reached))
            .order_by(col(Agency.id))
        )
    )


def roster_without_contact(*, session: Session, round_id: int) -> set[int]:
    """Ids of the agencies on a round's roster that have no active focal point ('no contact' in its status table)."""
    reached = select(Contact.agency_id).where(Contact.role == ContactRole.focal_point, col(Contact.active))
    return set(
        session.exec(
            select(RosterEntry.agency_id).where(
                RosterEntry.round_id == round_id, col(RosterEntry.agency_id).not_in(reached)
            )
        )
    )
