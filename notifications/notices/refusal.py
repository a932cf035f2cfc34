"""The refusal of an unusable reply (unknown sender, file too large or of a refused type, round locked)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import Session

from models.settings import Settings
from models.tables import (
    Agency,
    OutboundMessage,
    Plan,
    Round,
)
from notifications import addressing, keys
from notifications.notices.common import (
    Notice,
    agency_ctx,
    base_ctx,
    fetch,
    reply_ctx,
    round_ctx,
    write_notice,
)


class RefusalReason(StrEnum):
    """Why a reply could not be taken in."""

    unknown_sender = "unknown_sender"
    file_too_large = "file_too_large"
    file_type = "file_type"
    round_locked = "round_locked"


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
    allowed_types: Sequence[str] = (),
) -> OutboundMessage:
    """The refusal of an unusable reply: unknown sender, file too large or of a refused type, round locked."""
    reason = RefusalReason(reason)
    plan = fetch(session, Plan, plan_id)
    r = fetch(session, Round, round_id) if round_id else None
    agency = fetch(session, Agency, agency_id) if agency_id else None
    if reason == RefusalReason.round_locked and r is None:
        raise ValueError("a round_locked refusal needs round_id")
    if reason in (RefusalReason.file_too_large, RefusalReason.file_type) and not filename:
        raise ValueError(f"a {reason.value} refusal needs the file name")
    upload_url = None
    if r is not None and agency is not None and reason == RefusalReason.file_too_large:
        upload_url = reply_ctx(session, settings, r, agency)["upload_url"]
    ctx = base_ctx(plan, settings, now) | {
        "reason": reason.value,
        "sender": to,
        "agency": agency_ctx(agency) if agency else None,
        "round": round_ctx(r, settings) if r else None,
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
    key = keys.refusal_key(ident, reason.value, filename)
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=key,
            kind="refusal",
            template="refusal",
            context=ctx,
            to=[to],
            reply_to=addressing.general_reply_address(settings=settings),
            in_reply_to=original_message_id,
            references=[original_message_id] if original_message_id else [],
            round_id=r.id if r else None,
            agency_id=agency.id if agency else None,
        ),
    )
