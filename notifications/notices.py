"""One function per notice of the cycle: read the rows, render, compose and write the message to the outbox.

Every function is keyword-only, takes the settings and `now`, and is idempotent: its idempotency key
names the notice (e.g. `request:{round_key}:{agency_code}`), so calling it again returns the row
already written. Nothing here sends; `notifications.sender.deliver_pending` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from models import tokens
from models.plan import RoundKind
from models.rounds import roster, tasks_for
from models.settings import Settings
from models.tables import (
    Agency,
    AgencyStatus,
    Attachment,
    Contact,
    ContactRole,
    InboundDisposition,
    InboundMessage,
    Official,
    OfficialRole,
    OutboundMessage,
    OutboxState,
    Plan,
    ReportDraft,
    RosterEntry,
    Round,
    RoundState,
    Submission,
    SubmissionItem,
    Task,
    TaskAgency,
)
from notifications import addressing, outbox, vietnamese
from notifications.calendar_invite import deadline_attachment, deadline_calendar
from notifications.compose import DOCX, FileAttachment, compose
from notifications.render import render
from notifications.reportform import FormTask, build_form

SUMMARY_CHARS = 300


class NoRecipient(LookupError):
    """The notice has nobody to go to (no active contact or official with an address)."""


class RefusalReason(str, Enum):
    """Why a reply could not be taken in."""

    unknown_sender = "unknown_sender"
    file_too_large = "file_too_large"
    file_type = "file_type"
    round_locked = "round_locked"


# ---------------------------------------------------------------- shared look-ups


def _issuer(plan: Plan) -> str:
    return (plan.document.get("consolidator") or {}).get("name") or plan.document.get("plan", {}).get("issuer", "")


def plan_reference(title: str, number: str) -> str:
    """How a message names the plan: "Kế hoạch số 21/KH-STTTT về công tác thông tin đối ngoại năm 2018"."""
    if title.casefold().startswith("kế hoạch"):
        return f"{title} (số {number})"
    return f"Kế hoạch số {number} về {title[:1].lower()}{title[1:]}"


def _plan_ctx(plan: Plan) -> dict:
    return {
        "key": plan.key,
        "title": plan.title,
        "number": plan.number,
        "year": plan.year,
        "reference": plan_reference(plan.title, plan.number),
    }


def _base_ctx(plan: Plan, settings: Settings, now: dt.datetime) -> dict:
    return {"tz": settings.timezone, "issuer": _issuer(plan), "plan": _plan_ctx(plan), "now": now}


def _deadline_text(due_at: dt.datetime, tz: str) -> str:
    return "trước " + vietnamese.long_date(due_at, tz)


def _round_ctx(r: Round, settings: Settings) -> dict:
    return {"key": r.key, "title": r.title, "kind": r.kind.value if hasattr(r.kind, "value") else r.kind}


def _agency_ctx(a: Agency) -> dict:
    return {"code": a.code, "name": a.name}


def _contacts(session: Session, agency_id: int, role: ContactRole) -> list[Contact]:
    return list(
        session.exec(
            select(Contact)
            .where(Contact.agency_id == agency_id, Contact.role == role, Contact.active)
            .order_by(Contact.id)
        )
    )


def _official(session: Session, plan_id: int, role: OfficialRole) -> Official | None:
    return session.exec(select(Official).where(Official.plan_id == plan_id, Official.role == role)).first()


def _focal_points(session: Session, agency: Agency) -> list[str]:
    people = _contacts(session, agency.id, ContactRole.focal_point)
    if not people:
        raise NoRecipient(f"agency {agency.code} has no active focal point")
    return [addressing.mailbox(c.name, c.email) for c in people]


def _tasks_ctx(tasks: list[Task]) -> list[dict]:
    return [{"key": t.key, "section": t.section, "text": t.text} for t in tasks]


def _local_now(now: dt.datetime, tz: str) -> dt.datetime:
    return now.astimezone(ZoneInfo(tz))


def request_key(round_key: str, agency_code: str) -> str:
    """The idempotency key of a round's request to an agency (its Message-ID roots the thread)."""
    return f"request:{round_key}:{agency_code}"


def request_message_id(*, settings: Settings, round_key: str, agency_code: str) -> str:
    """The Message-ID of the request, which reminders, escalations and receipts refer to."""
    return addressing.message_id(request_key(round_key, agency_code), settings=settings)


def form_filename(agency: Agency) -> str:
    """The name of the prefilled form attached to a request."""
    return f"Mẫu báo cáo - {agency.short_name or agency.name}.docx"


ICS_FILENAME = "Hạn nộp báo cáo.ics"


def _reply_ctx(session: Session, settings: Settings, r: Round, agency: Agency) -> dict:
    """Everything that tells an agency how to answer a round: tag, reply address, upload link and its expiry."""
    expires = r.lock_at + dt.timedelta(days=settings.portal.link_days_after_lock)
    token = tokens.upload_token(settings.secret_key.get_secret_value(), r.id, agency.id, expires_at=expires)
    return {
        "tag": addressing.subject_tag(r.key, agency.code),
        "reply_address": addressing.reply_address(settings=settings, round_id=r.id, agency_id=agency.id),
        "upload_url": addressing.upload_url(settings=settings, token=token),
        "link_expires_at": expires,
        "form_filename": form_filename(agency),
    }


def _round_timing(r: Round, settings: Settings, now: dt.datetime) -> dict:
    from models.deadlines import time_left

    return {
        "due_at": r.due_at,
        "lock_at": r.lock_at,
        "deadline_text": _deadline_text(r.due_at, settings.timezone),
        "time_left_text": time_left(now, r.due_at, tz=settings.timezone).text,
    }


def _enqueue(
    *,
    session: Session,
    settings: Settings,
    key: str,
    kind: str,
    template: str,
    context: dict,
    now: dt.datetime,
    to: list[str],
    cc: list[str] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] = (),
    attachments: list[FileAttachment] = (),
    round_id: int | None = None,
    agency_id: int | None = None,
) -> OutboundMessage:
    existing = outbox.find(session=session, key=key)
    if existing is not None:
        return existing
    message = compose(
        sender=addressing.sender(settings=settings),
        to=list(to),
        cc=list(cc),
        rendered=render(template, **context),
        message_id=addressing.message_id(key, settings=settings),
        date=now,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=list(references),
        attachments=list(attachments),
        headers={"X-Planflow-Kind": kind},
    )
    return outbox.enqueue(
        session=session,
        key=key,
        kind=kind,
        message=message,
        round_id=round_id,
        agency_id=agency_id,
        now=now,
        envelope_sender=settings.smtp.from_address,
    )


# ---------------------------------------------------------------- the notices


def enqueue_assignment(
    *, session: Session, settings: Settings, plan_id: int, agency_id: int, now: dt.datetime
) -> OutboundMessage:
    """The assignment notice: the agency's tasks and the year's reporting calendar."""
    plan = session.get(Plan, plan_id)
    agency = session.get(Agency, agency_id)
    tasks = list(
        session.exec(
            select(Task)
            .join(TaskAgency, TaskAgency.task_id == Task.id)
            .where(TaskAgency.agency_id == agency.id, Task.active)
        )
    )
    rounds = [
        r
        for r in session.exec(select(Round).where(Round.plan_id == plan.id).order_by(Round.due_at))
        if r.kind != RoundKind.ad_hoc and (r.roster_codes is None or agency.code in r.roster_codes)
    ]
    ctx = _base_ctx(plan, settings, now) | {
        "agency": _agency_ctx(agency),
        "tasks": _tasks_ctx(sorted(tasks, key=lambda t: _task_order(t.key))),
        "rounds": [
            {
                "title": r.title,
                "deadline_text": _deadline_text(r.due_at, settings.timezone),
                "cutoff_start": r.cutoff_start,
                "cutoff_end": r.cutoff_end,
            }
            for r in rounds
        ],
        # Section III (funding) is usually one of the agency's tasks already; repeat it only when it is not.
        "funding_text": None
        if any(t.section.startswith("III") for t in tasks)
        else (plan.document.get("funding") or {}).get("text"),
    }
    return _enqueue(
        session=session,
        settings=settings,
        key=f"assignment:{plan.key}:{agency.code}",
        kind="assignment",
        template="assignment",
        context=ctx,
        now=now,
        to=_focal_points(session, agency),
        reply_to=addressing.general_reply_address(settings=settings),
        agency_id=agency.id,
    )


def _task_order(key: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in key.replace("-", ".").split("."))


def enqueue_request(
    *,
    session: Session,
    settings: Settings,
    round_id: int,
    agency_id: int,
    now: dt.datetime,
    extra_files: Sequence[Path] = (),
) -> OutboundMessage:
    """The report request of a round: tasks, deadline, reply address, upload link, .ics, prefilled .docx, and any extra files."""
    r = session.get(Round, round_id)
    plan = session.get(Plan, r.plan_id)
    agency = session.get(Agency, agency_id)
    tasks = tasks_for(session=session, round_id=r.id, agency_id=agency.id)
    reply = _reply_ctx(session, settings, r, agency)
    timing = _round_timing(r, settings, now)
    ctx = (
        _base_ctx(plan, settings, now)
        | reply
        | timing
        | {
            "agency": _agency_ctx(agency),
            "round": _round_ctx(r, settings),
            "tasks": _tasks_ctx(tasks),
            "cutoff_start": r.cutoff_start,
            "cutoff_end": r.cutoff_end,
            "instructions": r.instructions,
            "ics_filename": ICS_FILENAME,
        }
    )
    key = request_key(r.key, agency.code)
    ics = deadline_calendar(
        uid=f"{r.key}.{agency.code}@{settings.smtp.reply_domain}",
        summary=f"Hạn gửi báo cáo: {r.title}",
        description=f"{agency.name}: gửi báo cáo {timing['deadline_text']}.\nTrả lời tới: {reply['reply_address']}\nTải lên: {reply['upload_url']}",
        due_at=r.due_at,
        tz=settings.timezone,
        now=now,
        url=reply["upload_url"],
        organizer=settings.smtp.from_address,
    )
    form = build_form(
        round_key=r.key,
        round_title=r.title,
        agency_code=agency.code,
        agency_name=agency.name,
        due_text=timing["deadline_text"],
        tasks=[FormTask(t.key, t.section, t.text) for t in tasks],
        issuer=_issuer(plan),
    )
    return _enqueue(
        session=session,
        settings=settings,
        key=key,
        kind="request",
        template="request",
        context=ctx,
        now=now,
        to=_focal_points(session, agency),
        reply_to=reply["reply_address"],
        attachments=[
            FileAttachment(reply["form_filename"], form, *DOCX),
            deadline_attachment(ics, filename=ICS_FILENAME),
        ]
        + [file_attachment(path) for path in extra_files],
        round_id=r.id,
        agency_id=agency.id,
    )


def file_attachment(path: Path) -> FileAttachment:
    """A file from disk (e.g. the officer's attachment to an ad-hoc request), typed by its name."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, subtype = media_type.split("/", 1)
    return FileAttachment(path.name, Path(path).read_bytes(), maintype, subtype)


def enqueue_reminder(
    *, session: Session, settings: Settings, round_id: int, agency_id: int, step: str, kind: str, now: dt.datetime
) -> OutboundMessage:
    """A reminder of the ladder (`kind`: before, last_day or after), threaded under the round's request."""
    r = session.get(Round, round_id)
    plan = session.get(Plan, r.plan_id)
    agency = session.get(Agency, agency_id)
    reply = _reply_ctx(session, settings, r, agency)
    ctx = (
        _base_ctx(plan, settings, now)
        | reply
        | _round_timing(r, settings, now)
        | {
            "agency": _agency_ctx(agency),
            "round": _round_ctx(r, settings),
            "tasks": _tasks_ctx(tasks_for(session=session, round_id=r.id, agency_id=agency.id)),
            "kind": kind,
        }
    )
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    return _enqueue(
        session=session,
        settings=settings,
        key=f"reminder:{r.key}:{agency.code}:{step}",
        kind="reminder",
        template="reminder",
        context=ctx,
        now=now,
        to=_focal_points(session, agency),
        reply_to=reply["reply_address"],
        in_reply_to=parent,
        references=[parent],
        round_id=r.id,
        agency_id=agency.id,
    )


def enqueue_escalation(
    *, session: Session, settings: Settings, round_id: int, agency_id: int, step: str, now: dt.datetime
) -> OutboundMessage:
    """The escalation of an overdue report to the agency head, the consolidation officer in copy."""
    r = session.get(Round, round_id)
    plan = session.get(Plan, r.plan_id)
    agency = session.get(Agency, agency_id)
    heads = _contacts(session, agency.id, ContactRole.head)
    focal = _contacts(session, agency.id, ContactRole.focal_point)
    to = [addressing.mailbox(c.name, c.email) for c in (heads or focal)]
    if not to:
        raise NoRecipient(f"agency {agency.code} has neither a head nor a focal point")
    officer = _official(session, plan.id, OfficialRole.officer)
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
    reply = _reply_ctx(session, settings, r, agency)
    ctx = (
        _base_ctx(plan, settings, now)
        | reply
        | _round_timing(r, settings, now)
        | {
            "agency": _agency_ctx(agency),
            "round": _round_ctx(r, settings),
            "addressee": _head_addressee(agency, heads[0].name if heads else None),
            "head_title": agency.head_title or "Thủ trưởng",
            "focal_points": [c.email for c in focal],
            "reminders_sent": reminders_sent,
        }
    )
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    return _enqueue(
        session=session,
        settings=settings,
        key=f"escalation:{r.key}:{agency.code}:{step}",
        kind="escalation",
        template="escalation",
        context=ctx,
        now=now,
        to=to,
        cc=[addressing.mailbox(officer.name, officer.email)] if officer else [],
        reply_to=reply["reply_address"],
        in_reply_to=parent,
        references=[parent],
        round_id=r.id,
        agency_id=agency.id,
    )


def _head_addressee(agency: Agency, head_name: str | None) -> str:
    """ "Giám đốc Sở Y tế", or the head's name as the contacts file writes it when it already says so."""
    title = f"{agency.head_title or 'Thủ trưởng'} {agency.name}"
    if not head_name or head_name.casefold() == title.casefold():
        return title
    if agency.name.casefold() in head_name.casefold():
        return head_name
    return f"{title} (ông/bà {head_name})"


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
    sub = session.get(Submission, submission_id)
    r = session.get(Round, sub.round_id)
    plan = session.get(Plan, r.plan_id)
    agency = session.get(Agency, sub.agency_id)
    rows = session.exec(
        select(SubmissionItem, Task)
        .join(Task, Task.id == SubmissionItem.task_id, isouter=True)
        .where(SubmissionItem.submission_id == sub.id)
        .order_by(SubmissionItem.id)
    ).all()
    items = [{"label": f"Nhiệm vụ {t.key}" if t else "Nội dung chung", "summary": _summary(i)} for i, t in rows]
    files = [
        {"name": a.original_name, "size": a.size}
        for a in session.exec(select(Attachment).where(Attachment.submission_id == sub.id).order_by(Attachment.id))
    ]
    status = sub.status.value if hasattr(sub.status, "value") else str(sub.status)
    ctx = (
        _base_ctx(plan, settings, now)
        | _round_timing(r, settings, now)
        | {
            "agency": _agency_ctx(agency),
            "round": _round_ctx(r, settings),
            "tag": addressing.subject_tag(r.key, agency.code),
            "status": status,
            "version": sub.version,
            "received_at": sub.received_at,
            "items": items,
            "files": files,
        }
    )
    to = [sub.sender] if sub.sender else _focal_points(session, agency)
    parent = request_message_id(settings=settings, round_key=r.key, agency_code=agency.code)
    refs = [parent]
    in_reply_to = parent
    if sub.inbound_message_id:
        inbound = session.get(InboundMessage, sub.inbound_message_id)
        if inbound is not None and inbound.message_id:
            in_reply_to = inbound.message_id
            refs.append(inbound.message_id)
    return _enqueue(
        session=session,
        settings=settings,
        key=f"receipt:{sub.id}",
        kind="receipt",
        template="receipt",
        context=ctx,
        now=now,
        to=to,
        reply_to=addressing.reply_address(settings=settings, round_id=r.id, agency_id=agency.id),
        in_reply_to=in_reply_to,
        references=refs,
        round_id=r.id,
        agency_id=agency.id,
    )


def enqueue_refusal(
    *,
    session: Session,
    settings: Settings,
    reason: RefusalReason | str,
    to: str,
    received_at: dt.datetime,
    now: dt.datetime,
    plan_id: int,
    inbound_message_id: int | None = None,
    original_message_id: str | None = None,
    original_subject: str | None = None,
    round_id: int | None = None,
    agency_id: int | None = None,
    filename: str | None = None,
    size: int | None = None,
    media_type: str | None = None,
    allowed_types: list[str] = (),
) -> OutboundMessage:
    """The refusal of an unusable reply: unknown sender, file too large or of a refused type, round locked."""
    reason = RefusalReason(reason)
    plan = session.get(Plan, plan_id)
    r = session.get(Round, round_id) if round_id else None
    agency = session.get(Agency, agency_id) if agency_id else None
    if reason == RefusalReason.round_locked and r is None:
        raise ValueError("a round_locked refusal needs round_id")
    if reason in (RefusalReason.file_too_large, RefusalReason.file_type) and not filename:
        raise ValueError(f"a {reason.value} refusal needs the file name")
    upload_url = None
    if r is not None and agency is not None and reason == RefusalReason.file_too_large:
        upload_url = _reply_ctx(session, settings, r, agency)["upload_url"]
    ctx = _base_ctx(plan, settings, now) | {
        "reason": reason.value,
        "sender": to,
        "agency": _agency_ctx(agency) if agency else None,
        "round": _round_ctx(r, settings) if r else None,
        "lock_at": r.lock_at if r else None,
        "tag": addressing.subject_tag(r.key, agency.code) if (r and agency) else None,
        "received_at": received_at,
        "original_subject": original_subject,
        "filename": filename,
        "size": size or 0,
        "limit": settings.limits.max_file_bytes,
        "media_type": media_type,
        "allowed_types": list(allowed_types),
        "upload_url": upload_url,
    }
    ident = (
        str(inbound_message_id)
        if inbound_message_id
        else hashlib.sha256(f"{to}|{original_message_id}|{received_at.isoformat()}".encode()).hexdigest()[:16]
    )
    key = f"refusal:{ident}:{reason.value}" + (f":{filename}" if filename else "")
    return _enqueue(
        session=session,
        settings=settings,
        key=key,
        kind="refusal",
        template="refusal",
        context=ctx,
        now=now,
        to=[to],
        reply_to=addressing.general_reply_address(settings=settings),
        in_reply_to=original_message_id,
        references=[original_message_id] if original_message_id else [],
        round_id=r.id if r else None,
        agency_id=agency.id if agency else None,
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
            Contact.active,
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
    plan = session.get(Plan, plan_id)
    officer = _official(session, plan.id, OfficialRole.officer)
    if officer is None:
        raise NoRecipient("the plan has no consolidation officer")
    rounds = list(
        session.exec(
            select(Round).where(Round.plan_id == plan.id, Round.state == RoundState.open).order_by(Round.due_at)
        )
    )
    rounds_ctx = []
    total_pending = 0
    for r in rounds:
        entries = roster(session=session, round_id=r.id)
        counts = {s: 0 for s in AgencyStatus}
        for e, _ in entries:
            counts[AgencyStatus(e.status)] += 1
        reminders, failed = _sent_reminders(session, r.id), _failed_focal_points(session, r.id)
        pending = [
            {"name": a.name, "reminders": reminders.get(a.id, 0), "contact_failed": ", ".join(failed.get(a.id, []))}
            for e, a in entries
            if e.status == AgencyStatus.pending
        ]
        total_pending += len(pending)
        rounds_ctx.append(
            _round_timing(r, settings, now)
            | {
                "title": r.title,
                "expected": len(entries) - counts[AgencyStatus.exempt],
                "reported": counts[AgencyStatus.on_time] + counts[AgencyStatus.late] + counts[AgencyStatus.nil],
                "on_time": counts[AgencyStatus.on_time],
                "late": counts[AgencyStatus.late],
                "nil": counts[AgencyStatus.nil],
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
    today = _local_now(now, settings.timezone).date()
    ctx = _base_ctx(plan, settings, now) | {
        "officer_name": officer.name or officer.email,
        "today": today,
        "rounds": rounds_ctx,
        "total_pending": total_pending,
        "quarantined": quarantined,
        "failed_messages": failed_messages,
    }
    return _enqueue(
        session=session,
        settings=settings,
        key=f"digest:{plan.key}:{today.isoformat()}",
        kind="digest",
        template="digest",
        context=ctx,
        now=now,
        to=[addressing.mailbox(officer.name, officer.email)],
    )


def enqueue_press_reminder(
    *, session: Session, settings: Settings, plan_id: int, now: dt.datetime
) -> OutboundMessage | None:
    """The quarterly press-conference reminder (II.5) to its organiser (None when the plan has none)."""
    plan = session.get(Plan, plan_id)
    press = plan.document.get("press_briefings")
    if not press:
        return None
    local = _local_now(now, settings.timezone)
    quarter = (local.month - 1) // 3 + 1
    agency = session.exec(select(Agency).where(Agency.plan_id == plan.id, Agency.code == press["organiser"])).first()
    people = _contacts(session, agency.id, ContactRole.focal_point) if agency else []
    if people:
        to = [addressing.mailbox(c.name, c.email) for c in people]
    else:
        officer = _official(session, plan.id, OfficialRole.officer)
        if officer is None:
            raise NoRecipient(f"press organiser {press['organiser']} has no contact and there is no officer")
        to = [addressing.mailbox(officer.name, officer.email)]
    ctx = _base_ctx(plan, settings, now) | {
        "agency": {"code": press["organiser"], "name": agency.name if agency else _issuer(plan)},
        "quarter": quarter,
        "year": local.year,
        "content_item": press["content_item"],
        "text": press["text"],
    }
    return _enqueue(
        session=session,
        settings=settings,
        key=f"press:{plan.key}:{local.year}-q{quarter}",
        kind="press",
        template="press",
        context=ctx,
        now=now,
        to=to,
        agency_id=agency.id if agency else None,
    )


def report_filename(r: Round, version: int) -> str:
    """The attachment name of the consolidated report."""
    title = r.title if len(r.title) <= 100 else r.title[:99].rstrip() + "…"
    return f"Báo cáo {title}" + (f" (bản {version})" if version > 1 else "") + ".docx"


def enqueue_report(
    *, session: Session, settings: Settings, draft_id: int, now: dt.datetime, docx: bytes | None = None
) -> OutboundMessage:
    """The consolidated report to the Chairman and the Steering Committee (officer in copy), the .docx attached."""
    draft = session.get(ReportDraft, draft_id)
    r = session.get(Round, draft.round_id)
    plan = session.get(Plan, r.plan_id)
    chairman = _official(session, plan.id, OfficialRole.chairman)
    committee = _official(session, plan.id, OfficialRole.steering_committee)
    officer = _official(session, plan.id, OfficialRole.officer)
    to_people = [p for p in (chairman, committee) if p is not None]
    if not to_people:
        raise NoRecipient("the plan has neither a Chairman nor a Steering Committee address")
    if docx is None:
        docx = (Path(settings.data_dir) / draft.docx_path).read_bytes()
    counts = {s: 0 for s in AgencyStatus}
    for e, _ in roster(session=session, round_id=r.id):
        counts[AgencyStatus(e.status)] += 1
    expected = sum(counts.values()) - counts[AgencyStatus.exempt]
    stats = (
        {
            "expected": expected,
            "reported": counts[AgencyStatus.on_time] + counts[AgencyStatus.late] + counts[AgencyStatus.nil],
            "on_time": counts[AgencyStatus.on_time],
            "late": counts[AgencyStatus.late],
            "nil": counts[AgencyStatus.nil],
            "missing": counts[AgencyStatus.missing] + counts[AgencyStatus.pending],
        }
        if expected
        else None
    )
    filename = report_filename(r, draft.version)
    default_names = {
        OfficialRole.chairman: "Chủ tịch Ủy ban nhân dân tỉnh",
        OfficialRole.steering_committee: "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh",
    }
    ctx = _base_ctx(plan, settings, now) | {
        "round": _round_ctx(r, settings),
        "version": draft.version,
        "filename": filename,
        "stats": stats,
        "recipients_names": [p.name or default_names[p.role] for p in to_people],
        "approved_by": draft.decided_by,
        "approved_at": draft.decided_at,
    }
    return _enqueue(
        session=session,
        settings=settings,
        key=f"report:{r.key}:v{draft.version}",
        kind="report",
        template="report",
        context=ctx,
        now=now,
        to=[addressing.mailbox(p.name, p.email) for p in to_people],
        cc=[addressing.mailbox(officer.name, officer.email)] if officer else [],
        attachments=[FileAttachment(filename, docx, *DOCX)],
        round_id=r.id,
    )
