"""Recording a submission, whatever the channel (email reply, upload, officer): one function for all.

A round takes reports until its lock instant, whatever its state: one that arrives after the draft
was built or the report was sent is recorded as late, and shows in the status table for a revision.

Timeliness: an agency that reported before the due instant stays "on time" when it later sends a
corrected version; the content that counts is always the latest version, and a latest version that
is a nil report makes the status "nil".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.audit import audit
from models.rounds import set_status
from models.tables import (
    AgencyStatus,
    Attachment,
    Channel,
    RosterEntry,
    Round,
    Submission,
    SubmissionItem,
    Task,
)


class RoundLocked(Exception):
    """The round no longer accepts reports (lock date passed or round closed)."""


class NotOnRoster(Exception):
    """The agency is not expected to report in this round (or the round has not opened)."""


@dataclass(frozen=True)
class ItemIn:
    """What an agency wrote about one task; `task_key` None for a general text."""

    task_key: str | None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""


@dataclass(frozen=True)
class SubmissionIn:
    """One version of an agency's report, as a channel (email, upload, officer) hands it in."""

    round_id: int
    agency_id: int
    channel: Channel
    received_at: dt.datetime  # when the server received it: decides on time or late
    items: Sequence[ItemIn] = ()
    actor: str = "system"
    is_nil: bool = False
    body_text: str | None = None
    sender: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    attachment_ids: Sequence[int] = ()
    inbound_message_id: int | None = None


@dataclass
class RecordOutcome:
    """The stored version and the agency's status in the round after it."""

    submission: Submission
    status: AgencyStatus
    version: int
    previous_status: AgencyStatus


def timeliness(received_at: dt.datetime, due_at: dt.datetime) -> AgencyStatus:
    """On time strictly before the due instant (D 00:00), late from it."""
    return AgencyStatus.on_time if received_at < due_at else AgencyStatus.late


def record_submission(*, session: Session, submission_in: SubmissionIn) -> RecordOutcome:
    """Store a new version of an agency's report in a round, update its status and the audit log."""
    s_in = submission_in
    round_id, agency_id, received_at, is_nil = s_in.round_id, s_in.agency_id, s_in.received_at, s_in.is_nil
    channel, actor = Channel(s_in.channel), s_in.actor
    round = session.get(Round, round_id)
    if round is None:
        raise NotOnRoster(f"no round {round_id}")
    # A report consolidated or sent to the Chairman before the lock date does not close the door:
    # late reports are accepted, and marked late, until the lock instant.
    if received_at >= round.lock_at:
        raise RoundLocked(f"round {round.key} accepts no reports from {round.lock_at.isoformat()}")
    entry = session.exec(
        select(RosterEntry).where(RosterEntry.round_id == round_id, RosterEntry.agency_id == agency_id)
    ).first()
    if entry is None:
        raise NotOnRoster(f"agency {agency_id} is not on the roster of round {round.key}")

    previous = session.exec(
        select(Submission)
        .where(Submission.round_id == round_id, Submission.agency_id == agency_id)
        .order_by(col(Submission.version))
    ).all()
    version = (previous[-1].version if previous else 0) + 1
    version_status = AgencyStatus.nil if is_nil else timeliness(received_at, round.due_at)
    submission = Submission(
        round_id=round_id,
        agency_id=agency_id,
        version=version,
        channel=channel,
        received_at=received_at,
        status=version_status,
        is_nil=is_nil,
        sender=s_in.sender,
        contact_name=s_in.contact_name,
        contact_phone=s_in.contact_phone,
        body_text=s_in.body_text,
        inbound_message_id=s_in.inbound_message_id,
    )
    session.add(submission)
    session.flush()
    assert submission.id is not None

    task_ids = {t.key: t.id for t in session.exec(select(Task).where(Task.plan_id == round.plan_id))}
    for item in s_in.items:
        session.add(
            SubmissionItem(
                submission_id=submission.id,
                task_id=task_ids.get(item.task_key) if item.task_key else None,
                results=item.results,
                difficulties=item.difficulties,
                proposals=item.proposals,
            )
        )
    for attachment_id in s_in.attachment_ids:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            raise LookupError(f"no attachment {attachment_id}")
        attachment.submission_id = submission.id

    first_received = min([s.received_at for s in previous] + [received_at])
    new_status = AgencyStatus.nil if is_nil else timeliness(first_received, round.due_at)
    previous_status = entry.status
    set_status(
        session=session,
        entry=entry,
        status=new_status,
        actor=actor,
        now=received_at,
        reason=f"{channel} version {version}",
        detail={"submission_id": submission.id, "version": version, "channel": str(channel)},
    )
    entry.latest_submission_id = submission.id
    audit(
        session=session,
        actor=actor,
        action="submission_recorded",
        round_id=round_id,
        agency_id=agency_id,
        new_status=version_status,
        detail={
            "submission_id": submission.id,
            "version": version,
            "channel": str(channel),
            "received_at": received_at.isoformat(),
        },
    )
    session.flush()
    return RecordOutcome(submission=submission, status=new_status, version=version, previous_status=previous_status)


def versions(*, session: Session, round_id: int, agency_id: int) -> list[Submission]:
    """Every version an agency sent in a round, oldest first."""
    return list(
        session.exec(
            select(Submission)
            .where(Submission.round_id == round_id, Submission.agency_id == agency_id)
            .order_by(col(Submission.version))
        ).all()
    )


def submission_count(*, session: Session, round_id: int) -> int:
    """How many versions were recorded in a round (all agencies)."""
    return session.exec(select(func.count()).select_from(Submission).where(Submission.round_id == round_id)).one()
