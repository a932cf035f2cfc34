"""The receipt of a recorded report: gather what was received (items and file names) and whether it was on time."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.settings import Settings
from models.tables import (
    Agency,
    Attachment,
    Contact,
    InboundMessage,
    OutboundMessage,
    Plan,
    Round,
    Submission,
    SubmissionItem,
    Task,
)
from notifications import addressing, keys
from notifications.notices.common import (
    Notice,
    agency_ctx,
    base_ctx,
    fetch,
    focal_points,
    id_of,
    request_message_id,
    round_ctx,
    round_timing,
    write_notice,
)

SUMMARY_CHARS = 300


def _summary(item: SubmissionItem) -> str:
    parts = [
        (label, text.strip())
        for label, text in (("Kết quả", item.results), ("Khó khăn", item.difficulties), ("Đề xuất", item.proposals))
        if text and text.strip()
    ]
    text = "; ".join(f"{label}: {' '.join(value.split())}" for label, value in parts) or "(để trống)"
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


def enqueue_receipt(*, session: Session, settings: Settings, submission_id: int, now: dt.datetime) -> OutboundMessage:
    """The receipt of a recorded report: on time or late, and what was received (items and file names)."""
    sub = fetch(session, Submission, submission_id)
    r = fetch(session, Round, sub.round_id)
    plan = fetch(session, Plan, r.plan_id)
    agency = fetch(session, Agency, sub.agency_id)
    rows = session.exec(
        select(SubmissionItem, Task)
        .join(Task, col(Task.id) == SubmissionItem.task_id, isouter=True)
        .where(SubmissionItem.submission_id == sub.id)
        .order_by(col(SubmissionItem.id))
    ).all()
    items = [{"label": f"Nhiệm vụ {t.key}" if t else "Nội dung chung", "summary": _summary(i)} for i, t in rows]
    files = [
        {"name": a.original_name, "size": a.size}
        for a in session.exec(select(Attachment).where(Attachment.submission_id == sub.id).order_by(col(Attachment.id)))
    ]
    status = str(sub.status)
    ctx = (
        base_ctx(plan, settings, now)
        | round_timing(r, settings, now)
        | {
            "agency": agency_ctx(agency),
            "round": round_ctx(r, settings),
            "tag": addressing.subject_tag(r.key, agency.code),
            "status": status,
            "version": sub.version,
            "received_at": sub.received_at,
            "items": items,
            "files": files,
        }
    )
    # A receipt goes back to the sender only when that exact address is one of the agency's contacts;
    # a token reply from any other address (a colleague in an allowed domain, or a forgery) is
    # acknowledged to the registered focal points instead, so planflow never mails an unknown address.
    to = [sub.sender] if sub.sender and _is_contact(session, agency, sub.sender) else focal_points(session, agency)
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    refs = [parent]
    in_reply_to = parent
    if sub.inbound_message_id:
        inbound = session.get(InboundMessage, sub.inbound_message_id)
        if inbound is not None and inbound.message_id:
            in_reply_to = inbound.message_id
            refs.append(inbound.message_id)
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.receipt_key(id_of(sub)),
            kind="receipt",
            template="receipt",
            context=ctx,
            to=to,
            reply_to=addressing.reply_address(settings=settings, round_id=id_of(r), agency_id=id_of(agency)),
            in_reply_to=in_reply_to,
            references=refs,
            round_id=r.id,
            agency_id=agency.id,
        ),
    )


def _is_contact(session: Session, agency: Agency, sender: str | None) -> bool:
    """True when `sender` is exactly the address of one of the agency's active contacts."""
    address = parseaddr(sender or "")[1].strip().lower()
    if not address:
        return False
    return (
        session.exec(
            select(Contact).where(
                Contact.agency_id == agency.id,
                Contact.active == True,  # noqa: E712
                func.lower(Contact.email) == address,
            )
        ).first()
        is not None
    )
