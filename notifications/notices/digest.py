"""The consolidation officer's daily digest: gather the pending agencies of open rounds, quarantined and failed mail."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, func, select

from models.rounds import roster
from models.settings import Settings
from models.statistics import tally
from models.tables import (
    AgencyStatus,
    Contact,
    ContactRole,
    InboundDisposition,
    InboundMessage,
    OfficialRole,
    OutboundMessage,
    OutboxState,
    Plan,
    RosterEntry,
    Round,
    RoundState,
)
from notifications import addressing, keys
from notifications.notices.common import (
    NoRecipient,
    Notice,
    base_ctx,
    fetch,
    id_of,
    local_now,
    official,
    round_timing,
    write_notice,
)


def _sent_reminders(session: Session, round_id: int | None) -> dict[int | None, int]:
    """Reminders sent per agency in a round, in one grouped query on the outbox's key columns.

    It reads the covering index `ix_outbound_message_round_kind_state_agency`, never the rows: a
    query per agency made SQLite walk every sent row and its whole message (quadratic in agencies).
    """
    rows = session.exec(
        select(OutboundMessage.agency_id, func.count())
        .where(
            OutboundMessage.round_id == round_id,
            OutboundMessage.kind == "reminder",
            OutboundMessage.state == OutboxState.sent,
        )
        .group_by(col(OutboundMessage.agency_id))
    ).all()
    return dict(rows)


def _failed_focal_points(session: Session, round_id: int | None) -> dict[int | None, list[str]]:
    """Addresses of active focal points that bounced, per agency on the round's roster, in one query."""
    rows = session.exec(
        select(Contact.agency_id, Contact.email)
        .join(RosterEntry, col(RosterEntry.agency_id) == col(Contact.agency_id))
        .where(
            RosterEntry.round_id == round_id,
            Contact.role == ContactRole.focal_point,
            col(Contact.active),
            col(Contact.failed_at).is_not(None),
        )
        .order_by(col(Contact.id))
    ).all()
    failed: dict[int | None, list[str]] = {}
    for agency_id, address in rows:
        failed.setdefault(agency_id, []).append(address)
    return failed


def enqueue_digest(*, session: Session, settings: Settings, plan_id: int, now: dt.datetime) -> OutboundMessage | None:
    """The officer's daily digest: pending agencies of open rounds, quarantined mail, failed messages (None if nothing to say)."""
    plan = fetch(session, Plan, plan_id)
    officer = official(session, plan.id, OfficialRole.officer)
    if officer is None:
        raise NoRecipient("the plan has no consolidation officer")
    rounds = list(
        session.exec(
            select(Round).where(Round.plan_id == plan.id, Round.state == RoundState.open).order_by(col(Round.due_at))
        )
    )
    rounds_ctx = []
    total_pending = 0
    for r in rounds:
        entries = roster(session=session, round_id=id_of(r))
        stats = tally(e.status for e, _ in entries)
        reminders, failed = _sent_reminders(session, r.id), _failed_focal_points(session, r.id)
        pending = [
            {"name": a.name, "reminders": reminders.get(a.id, 0), "contact_failed": ", ".join(failed.get(a.id, []))}
            for e, a in entries
            if e.status == AgencyStatus.pending
        ]
        total_pending += len(pending)
        rounds_ctx.append(
            round_timing(r, settings, now)
            | {
                "title": r.title,
                "expected": stats.required,
                "reported": stats.actual,
                "on_time": stats.on_time,
                "late": stats.late,
                "nil": stats.nil,
                "pending": pending,
            }
        )
    quarantined = session.exec(
        select(func.count())
        .select_from(InboundMessage)
        .where(InboundMessage.disposition == InboundDisposition.quarantined)
    ).one()
    failed_messages = session.exec(
        select(func.count()).select_from(OutboundMessage).where(OutboundMessage.state == OutboxState.failed)
    ).one()
    if not rounds and not quarantined and not failed_messages:
        return None
    today = local_now(now, settings.timezone).date()
    ctx = base_ctx(plan, settings, now) | {
        "officer_name": officer.name or officer.email,
        "today": today,
        "rounds": rounds_ctx,
        "total_pending": total_pending,
        "quarantined": quarantined,
        "failed_messages": failed_messages,
    }
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.digest_key(plan.key, today),
            kind="digest",
            template="digest",
            context=ctx,
            to=[addressing.mailbox(officer.name, officer.email)],
        ),
    )
