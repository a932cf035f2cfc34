"""Reminders of the ladder and the escalation of an overdue report to the agency head: gather what each says."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, func, select

from models.rounds import tasks_for
from models.settings import Settings
from models.tables import (
    Agency,
    ContactRole,
    OfficialRole,
    OutboundMessage,
    OutboxState,
    Plan,
    Round,
)
from notifications import addressing, keys
from notifications.notices.common import (
    NoRecipient,
    Notice,
    agency_ctx,
    base_ctx,
    contacts,
    fetch,
    focal_points,
    id_of,
    official,
    reply_ctx,
    request_message_id,
    round_ctx,
    round_timing,
    tasks_ctx,
    write_notice,
)


def enqueue_reminder(
    *, session: Session, settings: Settings, round_id: int, agency_id: int, step: str, kind: str, now: dt.datetime
) -> OutboundMessage:
    """A reminder of the ladder (`kind`: before, last_day or after), threaded under the round's request."""
    r = fetch(session, Round, round_id)
    plan = fetch(session, Plan, r.plan_id)
    agency = fetch(session, Agency, agency_id)
    reply = reply_ctx(session, settings, r, agency)
    ctx = (
        base_ctx(plan, settings, now)
        | reply
        | round_timing(r, settings, now)
        | {
            "agency": agency_ctx(agency),
            "round": round_ctx(r, settings),
            "tasks": tasks_ctx(tasks_for(session=session, round_id=id_of(r), agency_id=id_of(agency))),
            "kind": kind,
        }
    )
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.reminder_key(r.key, agency.code, step),
            kind="reminder",
            template="reminder",
            context=ctx,
            to=focal_points(session, agency),
            reply_to=reply["reply_address"],
            in_reply_to=parent,
            references=[parent],
            round_id=r.id,
            agency_id=agency.id,
        ),
    )


def enqueue_escalation(
    *, session: Session, settings: Settings, round_id: int, agency_id: int, step: str, now: dt.datetime
) -> OutboundMessage:
    """The escalation of an overdue report to the agency head, the consolidation officer in copy."""
    r = fetch(session, Round, round_id)
    plan = fetch(session, Plan, r.plan_id)
    agency = fetch(session, Agency, agency_id)
    heads = contacts(session, agency.id, ContactRole.head)
    focal = contacts(session, agency.id, ContactRole.focal_point)
    to = [addressing.mailbox(c.name, c.email) for c in (heads or focal)]
    if not to:
        raise NoRecipient(f"agency {agency.code} has neither a head nor a focal point")
    officer = official(session, plan.id, OfficialRole.officer)
    reminders_sent = session.exec(
        select(func.count())
        .select_from(OutboundMessage)
        .where(
            OutboundMessage.round_id == r.id,
            OutboundMessage.agency_id == agency.id,
            OutboundMessage.kind == "reminder",
            OutboundMessage.state != OutboxState.failed,
        )
    ).one()
    reply = reply_ctx(session, settings, r, agency)
    ctx = (
        base_ctx(plan, settings, now)
        | reply
        | round_timing(r, settings, now)
        | {
            "agency": agency_ctx(agency),
            "round": round_ctx(r, settings),
            "addressee": _head_addressee(agency, heads[0].name if heads else None),
            "head_title": agency.head_title or "Thủ trưởng",
            "focal_points": [c.email for c in focal],
            "reminders_sent": reminders_sent,
        }
    )
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.escalation_key(r.key, agency.code, step),
            kind="escalation",
            template="escalation",
            context=ctx,
            to=to,
            cc=[addressing.mailbox(officer.name, officer.email)] if officer else [],
            reply_to=reply["reply_address"],
            in_reply_to=parent,
            references=[parent],
            round_id=r.id,
            agency_id=agency.id,
        ),
    )


def _head_addressee(agency: Agency, head_name: str | None) -> str:
    """ "Giám đốc Sở Y tế", or the head's name as the contacts file writes it when it already says so."""
    title = f"{agency.head_title or 'Thủ trưởng'} {agency.name}"
    if not head_name or head_name.casefold() == title.casefold():
        return title
    if agency.name.casefold() in head_name.casefold():
        return head_name
    return f"{title} (ông/bà {head_name})"
