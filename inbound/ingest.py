"""Decide the disposition of one raw message: store → dedupe → classify → match → sender check → files → record.

Never raises for a bad message: anything unexpected leaves the message stored and quarantined with the
reason. Processing a stored message is claimed with a conditional UPDATE (`disposition='received'`),
so two readers that fetched the same message record it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbound.attachments import (
    ALLOWED_LABEL,
    NO_NAME,
    FileRefused,
    StoredFile,
    display_name,
    save_attachment,
    store_bytes,
    stored_path,
)
from inbound.authentication import DnsFunc, Verdict, authenticate
from inbound.autoreply import bounced_message, classify, flag_bounced, recipients_of
from inbound.bodytext import reply_text
from inbound.formreader import ReturnedForm, merge_forms, read_returned_form
from inbound.matching import Match, match_reply
from inbound.parsing import ParsedMessage, Part, clean, parse_message, storable
from inbound.rawstore import read_raw, store_raw
from inbound.recording import ReplyIn, record_reply
from inbound.refusals import known_contact, refuse
from inbound.senders import contact_for, sender_allowed
from models.audit import audit
from models.settings import Settings
from models.submissions import ItemIn, NotOnRoster
from models.tables import Channel, InboundDisposition, InboundMessage, Plan, Round
from notifications.notices import RefusalReason

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"
_IGNORED_TYPES = {
    "text/calendar",
    "application/ics",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
    "text/vcard",
    "text/x-vcard",
    "text/directory",
    "text/rfc822-headers",
    "text/plain",
    "text/html",
}
_REFUSAL_OF = {"too_large": RefusalReason.file_too_large}
UNAUTHENTICATED = "unauthenticated"


@dataclass
class IngestResult:
    """What happened to one message: its row, its disposition (or "duplicate"), why, and where it went."""

    inbound_id: int | None
    disposition: str
    reason: str | None = None
    round_id: int | None = None
    agency_id: int | None = None
    submission_id: int | None = None
    status: str | None = None
    method: str | None = None


@dataclass
class _Prepared:
    parsed: ParsedMessage
    received_at: dt.datetime
    raw: bytes = b""
    content_read: bool = False
    accepted: list[tuple[StoredFile, Part]] = field(default_factory=list)
    refused: list[tuple[FileRefused, Part]] = field(default_factory=list)
    form: ReturnedForm | None = None
    body: str = ""


def ingest_raw(
    *,
    engine: sa.Engine,
    settings: Settings,
    raw: bytes,
    now: dt.datetime,
    mailbox: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    server_received_at: dt.datetime | None = None,
    dnsfunc: DnsFunc | None = None,
) -> IngestResult:
    """Store the raw message first, then process it once; a message already processed is a duplicate.

    `dnsfunc` replaces the DNS lookups of our own DKIM check (tests feed it a local table).
    """
    row, created = store_raw(
        engine=engine,
        settings=settings,
        raw=raw,
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        server_received_at=server_received_at,
    )
    assert row.id is not None  # store_raw returns a row already written to the table
    if not created and row.disposition != InboundDisposition.received:
        return IngestResult(row.id, DUPLICATE, f"same bytes as inbound #{row.id}")
    return process_stored(engine=engine, settings=settings, inbound_id=row.id, raw=raw, now=now, dnsfunc=dnsfunc)


def process_stored(
    *,
    engine: sa.Engine,
    settings: Settings,
    inbound_id: int,
    now: dt.datetime,
    raw: bytes | None = None,
    dnsfunc: DnsFunc | None = None,
) -> IngestResult:
    """Process a stored message still in `received` state; never raises for a bad message."""
    try:
        with Session(engine) as session:
            row = session.get(InboundMessage, inbound_id)
            if row is None or row.disposition != InboundDisposition.received:
                return IngestResult(inbound_id, DUPLICATE, "already processed")
            if raw is None:
                raw = read_raw(settings=settings, row=row)
            server_received_at = row.server_received_at
        prepared = _prepare(settings=settings, raw=raw, server_received_at=server_received_at, now=now)
        with Session(engine, expire_on_commit=False) as session:
            update = session.execute(
                sa.update(InboundMessage)
                .where(
                    col(InboundMessage.id) == inbound_id, col(InboundMessage.disposition) == InboundDisposition.received
                )
                .values(reason=None)
            )
            # An UPDATE always yields a CursorResult; SQLModel's Session.execute is typed as plain Result.
            assert isinstance(update, sa.CursorResult)
            claimed = update.rowcount
            if not claimed:
                session.rollback()
                return IngestResult(inbound_id, DUPLICATE, "claimed by another reader")
            result = _decide(
                session=session, settings=settings, inbound_id=inbound_id, prepared=prepared, now=now, dnsfunc=dnsfunc
            )
            session.commit()
            return result
    except Exception as exc:  # the message stays stored; the officer sees why
        log.exception("inbound #%s could not be processed", inbound_id)
        return _quarantine_after_error(engine=engine, inbound_id=inbound_id, exc=exc)


def _prepare(*, settings: Settings, raw: bytes, server_received_at, now: dt.datetime) -> _Prepared:
    """The message's structure and headers only: no attachment is opened until the sender is trusted."""
    parsed = parse_message(raw, max_decoded_bytes=settings.limits.max_file_bytes)
    received_at = server_received_at or parsed.received_at or now
    return _Prepared(parsed=parsed, received_at=received_at, raw=raw)


def _read_content(*, settings: Settings, prepared: _Prepared) -> None:
    """Check and store the attachments, read the returned forms and the body text (once; trusted senders only)."""
    if prepared.content_read or prepared.parsed.serious_defects:
        return  # nothing of a broken message is trusted; the officer reads it raw
    prepared.content_read = True
    parsed = prepared.parsed
    forms = []
    for part in parsed.parts:
        if _skip(part):
            continue
        if len(prepared.accepted) + len(prepared.refused) >= settings.limits.max_files:
            prepared.refused.append((FileRefused("Thư có quá nhiều tệp đính kèm.", "too_many_files"), part))
            break
        try:
            if part.payload is None:
                raise FileRefused(
                    f"Tệp «{display_name(part.filename)}» vượt quá dung lượng tối đa cho phép.", "too_large"
                )
            stored = store_bytes(settings=settings, data=part.payload, original_name=part.filename or NO_NAME)
        except FileRefused as refusal:
            prepared.refused.append((refusal, part))
            continue
        prepared.accepted.append((stored, part))
        if stored.kind == "docx":
            form = read_returned_form(stored_path(settings=settings, stored=stored))
            if form is not None:
                forms.append(form)
    prepared.form = merge_forms(forms)
    prepared.body = reply_text(parsed, max_chars=settings.limits.max_text_chars)


def _skip(part: Part) -> bool:
    """Parts that are not the agency's files: signature images, calendar echoes, signatures, stray text."""
    if part.content_type.startswith("image/") and part.inline and part.content_id:
        return True
    if part.content_type in _IGNORED_TYPES and not (
        part.filename and not part.filename.lower().endswith((".ics", ".vcf", ".p7s", ".asc", ".txt", ".htm", ".html"))
    ):
        return True
    return not part.filename and part.inline


def _set(row: InboundMessage, disposition: InboundDisposition, reason: str | None, match: Match | None = None) -> None:
    row.disposition = disposition
    row.reason = clean(reason, limit=1000) if reason else None
    if match is not None:
        row.round_id, row.agency_id = match.round_id, match.agency_id


def _decide(
    *, session, settings: Settings, inbound_id: int, prepared: _Prepared, now: dt.datetime, dnsfunc: DnsFunc | None
) -> IngestResult:
    parsed = prepared.parsed
    row = session.get(InboundMessage, inbound_id)
    row.message_id = parsed.message_id
    row.from_address = storable(parsed.from_address) or None
    row.subject = storable(parsed.subject)[:500] if parsed.subject else None
    row.server_received_at = prepared.received_at

    def done(disposition, reason, match=None, **extra) -> IngestResult:
        _set(row, disposition, reason, match)
        session.add(row)
        session.flush()
        return IngestResult(
            inbound_id,
            disposition.value,
            row.reason,
            match.round_id if match else None,
            match.agency_id if match else None,
            method=match.method if match else None,
            **extra,
        )

    if parsed.serious_defects:
        return done(
            InboundDisposition.quarantined, "malformed message: " + "; ".join(sorted(set(parsed.serious_defects)))
        )
    if parsed.message_id:
        twin = session.exec(
            select(InboundMessage.id).where(
                InboundMessage.message_id == parsed.message_id,
                # Same sender, and the first copy was not left for the officer: a forger who sends first
                # with a copied Message-ID must not turn the agency's real message into a "duplicate".
                InboundMessage.from_address == row.from_address,
                InboundMessage.id != inbound_id,
                col(InboundMessage.disposition).in_(
                    [InboundDisposition.recorded, InboundDisposition.ignored, InboundDisposition.bounce]
                ),
            )
        ).first()
        if twin is not None:
            return done(InboundDisposition.ignored, f"duplicate of inbound #{twin} (same Message-ID and sender)")
    kind = classify(parsed)
    if kind.kind == "bounce":
        sent = bounced_message(session=session, parsed=parsed)
        if sent is None:
            return done(
                InboundDisposition.bounce,
                f"bounce for {', '.join(kind.bounced) or 'unknown address'} not linked to a message planflow sent; "
                "no contact flagged",
            )
        addresses = [a for a in kind.bounced if a in recipients_of(sent)]
        flagged = flag_bounced(session=session, addresses=addresses, failure=kind.diagnostic or "bounced", now=now)
        return done(
            InboundDisposition.bounce,
            f"bounce of {sent.message_id} for {', '.join(kind.bounced) or 'unknown address'}; "
            f"{flagged} contact(s) flagged",
        )
    if kind.kind == "auto_reply":
        return done(InboundDisposition.ignored, f"auto-reply ({kind.reason})")

    sender = parsed.from_address
    verdicts: list[Verdict] = []

    def verdict() -> Verdict:  # computed once, and only when a claim needs it (DNS may be involved)
        if not verdicts:
            verdicts.append(
                authenticate(
                    parsed=parsed,
                    raw=prepared.raw,
                    trusted_authserv_ids=settings.trust.authserv_ids,
                    check_dkim=settings.trust.check_dkim,
                    dnsfunc=dnsfunc,
                    dns_timeout=settings.trust.dns_timeout,
                )
            )
        return verdicts[0]

    match = match_reply(session=session, settings=settings, parsed=parsed, now=now)
    if parsed.from_count != 1 or not sender:
        return done(
            InboundDisposition.quarantined, "sender missing or ambiguous (From must name exactly one address)", match
        )
    if match is None and known_contact(session=session, address=sender) is not None and verdict().passed:
        # The form's markers are read only for an authenticated known contact, and name only its own agency.
        _read_content(settings=settings, prepared=prepared)
        form = prepared.form
        if form is not None:
            match = match_reply(
                session=session,
                settings=settings,
                parsed=parsed,
                form_round_key=form.round_key,
                form_agency_code=form.agency_code,
                now=now,
            )
    if match is None:
        return done(
            InboundDisposition.quarantined,
            "unmatched: no reply token, subject tag, thread or form names a round and agency",
        )
    plan_id = session.get(Round, match.round_id).plan_id
    if match.signed:
        if not sender_allowed(session=session, agency_id=match.agency_id, address=sender):
            _refuse(session, settings, prepared, inbound_id, match, plan_id, now, RefusalReason.unknown_sender)
            return done(InboundDisposition.quarantined, f"unknown sender {sender} for this agency", match)
    elif not _is_contact(session, match.agency_id, sender):
        _refuse(session, settings, prepared, inbound_id, match, plan_id, now, RefusalReason.unknown_sender)
        return done(
            InboundDisposition.quarantined,
            f"{UNAUTHENTICATED}: matched by {match.method} only, and {sender} is not a known contact of this agency",
            match,
        )
    elif not verdict().passed:
        return done(
            InboundDisposition.quarantined,
            f"{UNAUTHENTICATED}: matched by {match.method} only, and the mail of {sender} did not pass "
            f"authentication ({verdict().detail})",
            match,
        )
    _read_content(settings=settings, prepared=prepared)
    for stored, _ in prepared.accepted:
        save_attachment(session=session, stored=stored, inbound_message_id=inbound_id)
    if prepared.refused:
        for refusal, part in prepared.refused:
            _refuse(
                session,
                settings,
                prepared,
                inbound_id,
                match,
                plan_id,
                now,
                _REFUSAL_OF.get(refusal.reason_code, RefusalReason.file_type),
                filename=display_name(part.filename),
                size=len(part.payload) if part.payload is not None else part.encoded_size * 3 // 4,
                media_type=part.content_type,
                allowed_types=ALLOWED_LABEL.split(", "),
            )
        names = "; ".join(f"{display_name(part.filename)}: {refusal.reason_code}" for refusal, part in prepared.refused)
        return done(InboundDisposition.quarantined, f"refused file(s): {names}", match)
    return _record(
        session=session, settings=settings, row=row, prepared=prepared, match=match, now=now, done=done, actor="email"
    )


def _is_contact(session, agency_id: int, address: str) -> bool:
    contact = contact_for(session=session, agency_id=agency_id, address=address)
    return contact is not None and contact.active


def _refuse(session, settings, prepared: _Prepared, inbound_id, match: Match, plan_id, now, reason, **file) -> None:
    """A refusal to the sender if it is a known contact (rate-limited), else withheld for the officer."""
    refuse(
        session=session,
        settings=settings,
        reason=reason,
        to=prepared.parsed.from_address,
        received_at=prepared.received_at,
        now=now,
        plan_id=plan_id,
        inbound_message_id=inbound_id,
        original_message_id=prepared.parsed.message_id,
        round_id=match.round_id,
        agency_id=match.agency_id,
        **file,
    )


def _record(*, session, settings, row, prepared: _Prepared, match: Match, now, done, actor: str) -> IngestResult:
    parsed, form = prepared.parsed, prepared.form
    items = list(form.items) if form else ([ItemIn(task_key=None, results=prepared.body)] if prepared.body else [])
    contact = contact_for(session=session, agency_id=match.agency_id, address=parsed.from_address)
    attachment_ids = [a.id for a in _attachments_of(session, row.id)]
    try:
        reply = ReplyIn(
            round_id=match.round_id,
            agency_id=match.agency_id,
            channel=Channel.email,
            received_at=prepared.received_at,
            items=items,
            body_text=prepared.body or None,
            sender=storable(parsed.from_address) or None,
            contact_name=(form.contact_name if form else None)
            or parsed.from_name
            or (contact.name if contact else None),
            contact_phone=(form.contact_phone if form else None) or (contact.phone if contact else None),
            attachment_ids=attachment_ids,
            inbound_message_id=row.id,
            actor=actor,
            subject=parsed.subject,
            message_id=parsed.message_id,
        )
        outcome = record_reply(session=session, settings=settings, reply_in=reply, now=now)
    except NotOnRoster as exc:
        return done(InboundDisposition.quarantined, f"not on roster: {exc}", match)
    if outcome.locked:
        return done(InboundDisposition.quarantined, row.reason or "round locked", match)
    assert outcome.recorded is not None  # a reply outcome that is not locked always carries the recorded version
    submission = outcome.recorded.submission
    status = outcome.recorded.status
    return done(
        InboundDisposition.recorded,
        f"recorded as version {submission.version} ({match.method})",
        match,
        submission_id=submission.id,
        status=str(status),
    )


def _attachments_of(session, inbound_id: int):
    from models.tables import Attachment

    return session.exec(
        select(Attachment).where(col(Attachment.inbound_message_id) == inbound_id).order_by(col(Attachment.id))
    ).all()


def _quarantine_after_error(*, engine: sa.Engine, inbound_id: int, exc: BaseException) -> IngestResult:
    reason = f"internal error while processing: {type(exc).__name__}: {exc}"[:1000]
    try:
        with Session(engine) as session:
            row = session.get(InboundMessage, inbound_id)
            if row is not None and row.disposition == InboundDisposition.received:
                row.disposition = InboundDisposition.quarantined
                row.reason = reason
                session.add(row)
                session.commit()
    except Exception:
        log.exception("inbound #%s could not even be quarantined; it stays 'received' for the next run", inbound_id)
        return IngestResult(inbound_id, "error", reason)
    return IngestResult(inbound_id, InboundDisposition.quarantined.value, reason)


def reprocess_for(
    *, session, settings: Settings, row: InboundMessage, round_id: int, agency_id: int, actor: str, now: dt.datetime
) -> IngestResult:
    """Record a quarantined message for the round and agency the officer chose (sender check and matching skipped)."""
    assert row.id is not None  # a quarantined message is a stored row
    raw = read_raw(settings=settings, row=row)
    prepared = _prepare(settings=settings, raw=raw, server_received_at=row.server_received_at, now=now)
    _read_content(settings=settings, prepared=prepared)  # the officer vouches for the sender
    if not _attachments_of(session, row.id):
        for stored, _ in prepared.accepted:
            save_attachment(session=session, stored=stored, inbound_message_id=row.id)
    match = Match(round_id, agency_id, "officer")

    def done(disposition, reason, match=None, **extra) -> IngestResult:
        _set(row, disposition, reason, match)
        session.add(row)
        session.flush()
        return IngestResult(row.id, disposition.value, row.reason, round_id, agency_id, method="officer", **extra)

    result = _record(
        session=session, settings=settings, row=row, prepared=prepared, match=match, now=now, done=done, actor=actor
    )
    audit(
        session=session,
        actor=actor,
        action="quarantine_assigned",
        round_id=round_id,
        agency_id=agency_id,
        detail={"inbound_message_id": row.id, "disposition": result.disposition},
    )
    return result


def latest_plan_id(*, session) -> int | None:
    """The most recently loaded plan (for notices not tied to a round)."""
    plan = session.exec(select(Plan).order_by(col(Plan.id).desc())).first()
    return plan.id if plan else None
