"""The officer's side of the quarantine: list what waits, assign a message to an agency and round, or reject it.

The officer learns of new quarantined mail from the daily digest (`notifications.notices.enqueue_digest`
counts it) and from the `collect-replies` run's artifact.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from inbound.ingest import IngestResult, reprocess_for
from models.audit import audit
from models.rounds import round_by_key
from models.settings import Settings
from models.tables import Agency, InboundDisposition, InboundMessage


class QuarantineError(LookupError):
    """The message, agency or round named by the officer does not exist, or the message is not quarantined."""


def list_quarantined(*, session, limit: int = 200) -> list[InboundMessage]:
    """Quarantined messages, oldest first."""
    return session.exec(
        select(InboundMessage)
        .where(InboundMessage.disposition == InboundDisposition.quarantined)
        .order_by(InboundMessage.id)
        .limit(limit)
    ).all()


def _quarantined(session, inbound_id: int) -> InboundMessage:
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        raise QuarantineError(f"no inbound message #{inbound_id}")
    if row.disposition != InboundDisposition.quarantined:
        raise QuarantineError(f"inbound message #{inbound_id} is {row.disposition.value}, not quarantined")
    return row


def assign(
    *, session, settings: Settings, inbound_id: int, agency_code: str, round_key: str, actor: str, now: dt.datetime
) -> IngestResult:
    """Record a quarantined message as the report of this agency in this round (the officer vouches for the sender)."""
    row = _quarantined(session, inbound_id)
    try:
        r = round_by_key(session=session, key=round_key)
    except LookupError as exc:
        raise QuarantineError(f"no round {round_key!r}") from exc
    agency = session.exec(select(Agency).where(Agency.plan_id == r.plan_id, Agency.code == agency_code.upper())).first()
    if agency is None:
        raise QuarantineError(f"no agency {agency_code!r} in the plan of round {round_key!r}")
    row.disposition = InboundDisposition.received  # reprocess_for decides it again
    result = reprocess_for(
        session=session, settings=settings, row=row, round_id=r.id, agency_id=agency.id, actor=actor, now=now
    )
    row.resolved_at, row.resolved_by = now, actor
    session.add(row)
    session.flush()
    return result


def reject(*, session, inbound_id: int, reason: str, actor: str, now: dt.datetime) -> InboundMessage:
    """Close a quarantined message without recording it (kept, with the officer's reason)."""
    row = _quarantined(session, inbound_id)
    row.disposition = InboundDisposition.rejected
    row.reason = f"rejected by {actor}: {reason}"[:1000]
    row.resolved_at, row.resolved_by = now, actor
    session.add(row)
    audit(
        session=session,
        actor=actor,
        action="quarantine_rejected",
        round_id=row.round_id,
        agency_id=row.agency_id,
        detail={"inbound_message_id": row.id, "reason": reason[:300]},
    )
    session.flush()
    return row
