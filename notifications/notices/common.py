"""What every notice shares: the look-ups and context pieces it gathers, and the one place a gathered notice is composed and written to the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel, col, select

from models import tokens
from models.plandoc import PlanDocument
from models.settings import Settings
from models.tables import (
    Agency,
    Contact,
    ContactRole,
    Official,
    OfficialRole,
    OutboundMessage,
    Plan,
    Round,
    Task,
)
from notifications import addressing, keys, outbox, vietnamese
from notifications.compose import FileAttachment, compose
from notifications.render import render

T = TypeVar("T", bound=SQLModel)


def fetch(session: Session, model: type[T], ident: int | None) -> T:
    """The row of `model` with this id (LookupError when there is none: a notice never goes out half-known)."""
    found = session.get(model, ident) if ident is not None else None
    if found is None:
        raise LookupError(f"no {model.__name__} with id {ident}")
    return found


def id_of(row: SQLModel) -> int:
    """The id of a stored row (rows read from the database always have one)."""
    ident = getattr(row, "id", None)
    if not isinstance(ident, int):
        raise LookupError(f"{type(row).__name__} row has no id yet")
    return ident


class NoRecipient(LookupError):
    """The notice has nobody to go to (no active contact or official with an address)."""


# ---------------------------------------------------------------- shared look-ups


def issuer(plan: Plan) -> str:
    return PlanDocument.of(plan).issuer


def plan_reference(title: str, number: str) -> str:
    """How a message names the plan: "Kế hoạch số 21/KH-STTTT về công tác thông tin đối ngoại năm 2018"."""
    if title.casefold().startswith("kế hoạch"):
        return f"{title} (số {number})"
    return f"Kế hoạch số {number} về {title[:1].lower()}{title[1:]}"


def plan_ctx(plan: Plan) -> dict:
    return {
        "key": plan.key,
        "title": plan.title,
        "number": plan.number,
        "year": plan.year,
        "reference": plan_reference(plan.title, plan.number),
    }


def base_ctx(plan: Plan, settings: Settings, now: dt.datetime) -> dict:
    return {"tz": settings.timezone, "issuer": issuer(plan), "plan": plan_ctx(plan), "now": now}


def deadline_text(due_at: dt.datetime, tz: str) -> str:
    return "trước " + vietnamese.long_date(due_at, tz)


def round_ctx(r: Round, settings: Settings) -> dict:
    return {"key": r.key, "title": r.title, "kind": str(r.kind)}


def agency_ctx(a: Agency) -> dict:
    return {"code": a.code, "name": a.name}


def contacts(session: Session, agency_id: int | None, role: ContactRole) -> list[Contact]:
    return list(
        session.exec(
            select(Contact)
            .where(Contact.agency_id == agency_id, Contact.role == role, Contact.active)
            .order_by(col(Contact.id))
        )
    )


def official(session: Session, plan_id: int | None, role: OfficialRole) -> Official | None:
    return session.exec(select(Official).where(Official.plan_id == plan_id, Official.role == role)).first()


def focal_points(session: Session, agency: Agency) -> list[str]:
    people = contacts(session, agency.id, ContactRole.focal_point)
    if not people:
        raise NoRecipient(f"agency {agency.code} has no active focal point")
    return [addressing.mailbox(c.name, c.email) for c in people]


def tasks_ctx(tasks: list[Task]) -> list[dict]:
    return [{"key": t.key, "section": t.section, "text": t.text} for t in tasks]


def local_now(now: dt.datetime, tz: str) -> dt.datetime:
    return now.astimezone(ZoneInfo(tz))


def request_message_id(*, settings: Settings, round_key: str, agency_code: str) -> str:
    """The Message-ID of the request, which reminders, escalations and receipts refer to."""
    return addressing.message_id(keys.request_key(round_key, agency_code), settings=settings)


def form_filename(agency: Agency) -> str:
    """The name of the prefilled form attached to a request."""
    return f"Mẫu báo cáo - {agency.short_name or agency.name}.docx"


ICS_FILENAME = "Hạn nộp báo cáo.ics"


def reply_ctx(session: Session, settings: Settings, r: Round, agency: Agency) -> dict:
    """Everything that tells an agency how to answer a round: tag, reply address, upload link and its expiry."""
    expires = r.lock_at + dt.timedelta(days=settings.portal.link_days_after_lock)
    token = tokens.upload_token(settings.secret_key.get_secret_value(), id_of(r), id_of(agency), expires_at=expires)
    return {
        "tag": addressing.subject_tag(r.key, agency.code),
        "reply_address": addressing.reply_address(settings=settings, round_id=id_of(r), agency_id=id_of(agency)),
        "upload_url": addressing.upload_url(settings=settings, token=token),
        "link_expires_at": expires,
        "form_filename": form_filename(agency),
    }


def round_timing(r: Round, settings: Settings, now: dt.datetime) -> dict:
    from models.deadlines import time_left

    return {
        "due_at": r.due_at,
        "lock_at": r.lock_at,
        "deadline_text": deadline_text(r.due_at, settings.timezone),
        "time_left_text": time_left(now, r.due_at, tz=settings.timezone).text,
    }


@dataclass(frozen=True)
class Notice:
    """Everything gathered for one notice: its outbox key and kind, its template and context, who gets it, what is attached."""

    key: str
    kind: str
    template: str
    context: dict[str, Any]
    to: Sequence[str]
    cc: Sequence[str] = ()
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    attachments: Sequence[FileAttachment] = ()
    round_id: int | None = None
    agency_id: int | None = None


def write_notice(*, session: Session, settings: Settings, notice: Notice, now: dt.datetime) -> OutboundMessage:
    """Compose a gathered notice (template, MIME) and write it to the outbox; an existing key returns its row."""
    existing = outbox.find(session=session, key=notice.key)
    if existing is not None:
        return existing
    message = compose(
        sender=addressing.sender(settings=settings),
        to=list(notice.to),
        cc=list(notice.cc),
        rendered=render(notice.template, **notice.context),
        message_id=addressing.message_id(notice.key, settings=settings),
        date=now,
        reply_to=notice.reply_to,
        in_reply_to=notice.in_reply_to,
        references=list(notice.references),
        attachments=list(notice.attachments),
        headers={"X-Planflow-Kind": notice.kind},
    )
    return outbox.enqueue(
        session=session,
        key=notice.key,
        kind=notice.kind,
        message=message,
        round_id=notice.round_id,
        agency_id=notice.agency_id,
        now=now,
        envelope_sender=settings.smtp.from_address,
    )


def existing(*, session: Session, key: str) -> OutboundMessage | None:
    """The row already written under a notice's key (the notice is then not gathered again)."""
    return outbox.find(session=session, key=key)
