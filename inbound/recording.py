"""Record a reply, whatever the channel (email or upload): the submission, then its receipt, in one transaction.

A reply to a locked round is not recorded: a refusal is queued to the sender instead, and an email
reply's stored message goes to the quarantine so the officer sees it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from inbound.refusals import refuse
from models.audit import audit
from models.settings import Settings
from models.submissions import RecordOutcome, RoundLocked, SubmissionIn, record_submission
from models.tables import AgencyStatus, InboundDisposition, InboundMessage, OutboundMessage, RosterEntry, Round
from notifications import notices


@dataclass
class ReplyOutcome:
    """What recording a reply did: the recorded version and its receipt, or the refusal of a locked round."""

    recorded: RecordOutcome | None
    receipt: OutboundMessage | None = None
    refusal: OutboundMessage | None = None
    locked: bool = False

    @property
    def status(self) -> AgencyStatus | None:
        """The agency's status after recording (None when refused)."""
        return self.recorded.status if self.recorded else None


@dataclass(frozen=True)
class ReplyIn(SubmissionIn):
    """A reply to record: the submission, and the email it came in (to thread a refusal under it), if any."""

    subject: str | None = None
    message_id: str | None = None


def record_reply(*, session: Session, settings: Settings, reply_in: ReplyIn, now: dt.datetime) -> ReplyOutcome:
    """Record the submission and queue its receipt; a locked round gives a queued refusal (and quarantine) instead.

    Raises `NotOnRoster` when the agency is not expected in the round (the caller decides what that means).
    """
    # Serialise the versions of one agency in one round across readers and portal workers (a row lock on
    # PostgreSQL; SQLite already holds the database write lock), so two replies never take the same number.
    session.exec(
        select(RosterEntry)
        .where(RosterEntry.round_id == reply_in.round_id, RosterEntry.agency_id == reply_in.agency_id)
        .with_for_update()
    ).first()
    try:
        recorded = record_submission(session=session, submission_in=reply_in)
    except RoundLocked as exc:
        return _refuse_locked(session=session, settings=settings, reply_in=reply_in, now=now, reason=str(exc))
    assert recorded.submission.id is not None
    receipt = notices.enqueue_receipt(session=session, settings=settings, submission_id=recorded.submission.id, now=now)
    return ReplyOutcome(recorded=recorded, receipt=receipt)


def _refuse_locked(
    *, session: Session, settings: Settings, reply_in: ReplyIn, now: dt.datetime, reason: str
) -> ReplyOutcome:
    round_id, agency_id, received_at = reply_in.round_id, reply_in.agency_id, reply_in.received_at
    sender, inbound_message_id = reply_in.sender, reply_in.inbound_message_id
    r = session.get(Round, round_id)
    assert r is not None
    refusal = None
    if sender:
        # hostile-world rule: only a known contact is answered (rate-limited, the subject never quoted)
        refusal = refuse(
            session=session,
            settings=settings,
            reason=notices.RefusalReason.round_locked,
            to=sender,
            received_at=received_at,
            now=now,
            plan_id=r.plan_id,
            inbound_message_id=inbound_message_id,
            original_message_id=reply_in.message_id,
            round_id=round_id,
            agency_id=agency_id,
        )
    if inbound_message_id is not None:
        row = session.get(InboundMessage, inbound_message_id)
        assert row is not None
        row.disposition = InboundDisposition.quarantined
        row.reason = f"round locked: {reason}"[:500]
        row.round_id, row.agency_id = round_id, agency_id
        session.add(row)
    audit(
        session=session,
        actor=reply_in.actor,
        action="reply_refused_round_locked",
        round_id=round_id,
        agency_id=agency_id,
        detail={"inbound_message_id": inbound_message_id, "received_at": received_at.isoformat()},
    )
    session.flush()
    return ReplyOutcome(recorded=None, refusal=refusal, locked=True)
