"""Decide whether planflow may answer a sender at all: its sole purpose is to stop backscatter.

A From header is forgeable, so a refusal goes only to an address that is a known, active contact
(any agency), at most `notices_per_contact_per_day` times in 24 hours, and never quotes the incoming
subject or body. Everything else is withheld and written to the audit log, where the officer's
quarantine list and daily digest find it (`withheld_refusals`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from models.audit import audit
from models.settings import Settings
from models.tables import AuditLog, Contact, OutboundMessage
from notifications import notices

WITHHELD = "refusal_withheld"
NOT_A_CONTACT = "not_a_contact"
RATE_LIMITED = "rate_limited"
WHY_VI = {
    NOT_A_CONTACT: "địa chỉ gửi không phải đầu mối đã đăng ký: không gửi thư từ chối (tránh thư phản hồi giả mạo)",
    RATE_LIMITED: "đầu mối đã nhận đủ số thư từ chối cho phép trong ngày",
}


def known_contact(*, session, address: str | None) -> Contact | None:
    """The active contact row with exactly this address (any agency), or None."""
    if not address or "@" not in address:
        return None
    return session.exec(
        select(Contact).where(Contact.active == True, func.lower(Contact.email) == address.strip().lower())  # noqa: E712
    ).first()


def refusals_sent_since(*, session, address: str, since: dt.datetime) -> int:
    """How many refusals were queued to this address since `since`."""
    rows = session.exec(
        select(OutboundMessage.recipients).where(OutboundMessage.kind == "refusal", OutboundMessage.created_at >= since)
    ).all()
    address = address.strip().lower()
    return sum(1 for recipients in rows if any(address in (r or "").lower() for r in recipients or []))


def refuse(
    *,
    session,
    settings: Settings,
    reason: notices.RefusalReason,
    to: str | None,
    received_at: dt.datetime,
    now: dt.datetime,
    plan_id: int,
    inbound_message_id: int | None,
    original_message_id: str | None,
    round_id: int | None = None,
    agency_id: int | None = None,
    filename: str | None = None,
    size: int | None = None,
    media_type: str | None = None,
    allowed_types: list[str] | None = None,
) -> OutboundMessage | None:
    """Queue the refusal to a known contact, or withhold it (audit entry for the officer) and return None."""
    why = None
    if known_contact(session=session, address=to) is None:
        why = NOT_A_CONTACT
    elif (
        refusals_sent_since(session=session, address=to or "", since=now - dt.timedelta(days=1))
        >= settings.trust.notices_per_contact_per_day
    ):
        why = RATE_LIMITED
    if why is not None or not to:
        entry = audit(
            session=session,
            actor="email",
            action=WITHHELD,
            round_id=round_id,
            agency_id=agency_id,
            detail={
                "inbound_message_id": inbound_message_id,
                "reason": reason.value,
                "why": why or NOT_A_CONTACT,
                "filename": filename,
            },
        )
        entry.at = now  # the instant of the decision on the caller's clock (a simulated year stays in its year)
        return None
    return notices.enqueue_refusal(
        session=session,
        settings=settings,
        reason=reason,
        to=to,
        received_at=received_at,
        now=now,
        plan_id=plan_id,
        inbound_message_id=inbound_message_id,
        original_message_id=original_message_id,
        original_subject=None,  # never quote what a stranger wrote
        round_id=round_id,
        agency_id=agency_id,
        filename=filename,
        size=size,
        media_type=media_type,
        allowed_types=list(allowed_types or []),
    )


@dataclass(frozen=True)
class WithheldRefusal:
    """A refusal planflow did not send: which message, what it would have said, and why it was withheld."""

    inbound_message_id: int | None
    reason: str
    why: str
    why_vi: str
    at: dt.datetime
    round_id: int | None
    agency_id: int | None


def withheld_refusals(*, session, since: dt.datetime, until: dt.datetime | None = None) -> list[WithheldRefusal]:
    """Refusals withheld in [since, until), oldest first: for the officer's daily digest and quarantine list."""
    query = select(AuditLog).where(AuditLog.action == WITHHELD, AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    out = []
    for entry in session.exec(query.order_by(col(AuditLog.id))).all():
        detail = entry.detail or {}
        why = str(detail.get("why") or NOT_A_CONTACT)
        out.append(
            WithheldRefusal(
                inbound_message_id=detail.get("inbound_message_id"),
                reason=str(detail.get("reason") or ""),
                why=why,
                why_vi=WHY_VI.get(why, why),
                at=entry.at,
                round_id=entry.round_id,
                agency_id=entry.agency_id,
            )
        )
    return out
