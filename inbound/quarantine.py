"""The officer's side of the quarantine: list what waits (with why, in Vietnamese), assign a message, or reject it.

The officer learns of new quarantined mail from the daily digest (`notifications.notices.enqueue_digest`
counts it; `quarantine_digest` gives it the detail: each waiting message with its label, and every
refusal withheld from a sender who is not a known contact) and from the `collect-replies` run's artifact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from inbound.attachments import display_text
from inbound.ingest import IngestResult, reprocess_for
from inbound.parsing import clean
from inbound.refusals import WithheldRefusal, withheld_refusals
from models.audit import audit
from models.rounds import round_by_key
from models.settings import Settings
from models.tables import Agency, InboundDisposition, InboundMessage

# Why a message waits, from the start of its recorded reason (inbound.ingest writes them), as the officer reads it.
_LABELS = (
    ("unauthenticated", "unauthenticated", "Chưa xác thực người gửi"),
    ("unknown sender", "unknown_sender", "Người gửi chưa đăng ký"),
    ("refused file", "refused_file", "Tệp đính kèm bị từ chối"),
    ("round locked", "round_locked", "Kỳ báo cáo đã khóa"),
    ("unmatched", "unmatched", "Không xác định được cơ quan và kỳ báo cáo"),
    ("malformed", "malformed", "Thư hỏng cấu trúc"),
    ("sender missing", "no_sender", "Không rõ người gửi"),
    ("not on roster", "not_on_roster", "Cơ quan không thuộc danh sách của kỳ báo cáo"),
    ("internal error", "error", "Lỗi khi xử lý thư"),
)


@dataclass(frozen=True)
class QuarantineEntry:
    """One waiting message as the officer sees it: who (escaped), why (label), and the recorded reason."""

    id: int
    received_at: dt.datetime | None
    sender: str
    subject: str
    kind: str
    label_vi: str
    reason: str
    round_id: int | None
    agency_id: int | None


@dataclass(frozen=True)
class QuarantineDigest:
    """What the officer's daily digest says about inbound mail: what waits, and which refusals were withheld."""

    waiting: list[QuarantineEntry]
    withheld: list[WithheldRefusal]

    def by_label(self) -> dict[str, int]:
        """How many waiting messages per Vietnamese label, most frequent first (for a digest's summary line)."""
        counts: dict[str, int] = {}
        for entry in self.waiting:
            counts[entry.label_vi] = counts.get(entry.label_vi, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def label_of(reason: str | None) -> tuple[str, str]:
    """(kind, Vietnamese label) of a quarantine reason."""
    text = (reason or "").lower()
    for prefix, kind, label in _LABELS:
        if text.startswith(prefix):
            return kind, label
    return "other", "Cần cán bộ kiểm tra"


def entry_of(row: InboundMessage) -> QuarantineEntry:
    """A quarantined row as the officer sees it (sender and subject shown as inert text)."""
    kind, label = label_of(row.reason)
    return QuarantineEntry(
        id=row.id or 0,
        received_at=row.server_received_at,
        sender=display_text(row.from_address, max_chars=320),
        subject=clean(row.subject or "", limit=200),
        kind=kind,
        label_vi=label,
        reason=row.reason or "",
        round_id=row.round_id,
        agency_id=row.agency_id,
    )


def quarantine_entries(*, session, limit: int = 200) -> list[QuarantineEntry]:
    """Waiting messages with their labels, oldest first."""
    return [entry_of(row) for row in list_quarantined(session=session, limit=limit)]


def quarantine_digest(*, session, now: dt.datetime, limit: int = 200) -> QuarantineDigest:
    """For the officer's daily digest: every waiting message, and the refusals withheld in the 24 hours before `now`."""
    return QuarantineDigest(
        waiting=quarantine_entries(session=session, limit=limit),
        withheld=withheld_refusals(
            session=session, since=now - dt.timedelta(days=1), until=now + dt.timedelta(seconds=1)
        ),
    )


class QuarantineError(LookupError):
    """The message, agency or round named by the officer does not exist, or the message is not quarantined."""


def list_quarantined(*, session, limit: int = 200) -> list[InboundMessage]:
    """Quarantined messages, oldest first."""
    return session.exec(
        select(InboundMessage)
        .where(InboundMessage.disposition == InboundDisposition.quarantined)
        .order_by(col(InboundMessage.id))
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
    assert r.id is not None and agency.id is not None  # both were read from the database
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
