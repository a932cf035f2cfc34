"""The outbox: every message is written here under an idempotency key before anyone tries to deliver it."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import getaddresses

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.tables import OutboundMessage, OutboxState
from notifications.compose import raw_bytes


def recipients_of(message: EmailMessage) -> list[str]:
    """Envelope recipients: every address in To, Cc and Bcc, de-duplicated, in order."""
    seen: dict[str, str] = {}
    for header in ("To", "Cc", "Bcc"):
        for _, addr in getaddresses(message.get_all(header, [])):
            if addr and addr.lower() not in seen:
                seen[addr.lower()] = addr
    return list(seen.values())


def find(*, session: Session, key: str) -> OutboundMessage | None:
    """The outbox row written under this idempotency key, if any."""
    return session.exec(select(OutboundMessage).where(OutboundMessage.idempotency_key == key)).first()


def enqueue(
    *,
    session: Session,
    key: str,
    kind: str,
    message: EmailMessage,
    round_id: int | None = None,
    agency_id: int | None = None,
    envelope_sender: str | None = None,
    now: dt.datetime | None = None,
) -> OutboundMessage:
    """Write a message under `key`; writing the same key again returns the existing row and creates nothing."""
    existing = find(session=session, key=key)
    if existing is not None:
        return existing
    recipients = recipients_of(message)
    if not recipients:
        raise ValueError(f"message {key!r} has no recipient")
    del message["Bcc"]
    sender = envelope_sender or getaddresses([message["From"]])[0][1]
    row = OutboundMessage(
        idempotency_key=key,
        kind=kind,
        round_id=round_id,
        agency_id=agency_id,
        message_id=str(message["Message-ID"] or ""),
        sender=sender,
        recipients=recipients,
        subject=str(message["Subject"] or ""),
        raw=raw_bytes(message),
        state=OutboxState.queued,
        next_attempt_at=now,
    )
    if now is not None:
        row.created_at = now
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another writer enqueued the same key between our look-up and our insert.
        existing = find(session=session, key=key)
        if existing is None:
            raise
        return existing
    return row


def list_messages(
    *, session: Session, state: OutboxState | None = None, kind: str | None = None, limit: int = 100
) -> list[OutboundMessage]:
    """Outbox rows, newest first, optionally filtered by state and kind."""
    q = select(OutboundMessage)
    if state is not None:
        q = q.where(OutboundMessage.state == state)
    if kind is not None:
        q = q.where(OutboundMessage.kind == kind)
    return list(session.exec(q.order_by(col(OutboundMessage.id).desc()).limit(limit)))


def requeue(*, session: Session, message_id: int, now: dt.datetime) -> OutboundMessage:
    """Put a failed (or interrupted) message back in the queue, on the officer's decision."""
    row = session.get(OutboundMessage, message_id)
    if row is None:
        raise LookupError(f"no outbox message {message_id}")
    if row.state == OutboxState.sent:
        raise ValueError(f"outbox message {message_id} was already sent")
    row.state = OutboxState.queued
    row.attempts = 0
    row.next_attempt_at = now
    session.add(row)
    return row
