"""The quarterly press-conference reminder (II.5): gather the organiser and the quarter."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from models.plandoc import PlanDocument
from models.settings import Settings
from models.tables import (
    Agency,
    ContactRole,
    OfficialRole,
    OutboundMessage,
    Plan,
)
from notifications import addressing, keys
from notifications.notices.common import (
    NoRecipient,
    Notice,
    base_ctx,
    contacts,
    fetch,
    issuer,
    local_now,
    official,
    write_notice,
)


def enqueue_press_reminder(
    *, session: Session, settings: Settings, plan_id: int, now: dt.datetime
) -> OutboundMessage | None:
    """The quarterly press-conference reminder (II.5) to its organiser (None when the plan has none)."""
    plan = fetch(session, Plan, plan_id)
    press = PlanDocument.of(plan).press_briefings
    if press is None:
        return None
    local = local_now(now, settings.timezone)
    quarter = (local.month - 1) // 3 + 1
    agency = session.exec(select(Agency).where(Agency.plan_id == plan.id, Agency.code == press.organiser)).first()
    people = contacts(session, agency.id, ContactRole.focal_point) if agency else []
    if people:
        to = [addressing.mailbox(c.name, c.email) for c in people]
    else:
        officer = official(session, plan.id, OfficialRole.officer)
        if officer is None:
            raise NoRecipient(f"press organiser {press.organiser} has no contact and there is no officer")
        to = [addressing.mailbox(officer.name, officer.email)]
    ctx = base_ctx(plan, settings, now) | {
        "agency": {"code": press.organiser, "name": agency.name if agency else issuer(plan)},
        "quarter": quarter,
        "year": local.year,
        "content_item": press.content_item,
        "text": press.text,
    }
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.press_key(plan.key, local.year, quarter),
            kind="press",
            template="press",
            context=ctx,
            to=to,
            agency_id=agency.id if agency else None,
        ),
    )
