"""Recognise what no person wrote: auto-replies (RFC 3834, out-of-office) and delivery-status reports (bounces).

Auto-replies are recorded and ignored. A bounce flags the contact address that failed, so the officer
sees it and the next notice does not silently go nowhere, but only when the report refers to a message
planflow sent (its Message-ID in the report) and only for that message's recipients: anyone can send
a report from `MAILER-DAEMON@`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from sqlalchemy import func
from sqlmodel import select

from inbound.parsing import ParsedMessage, clean, message_ids_of, raw_values
from models.audit import audit
from models.tables import Contact, OutboundMessage

_OOO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|abwesenheit|"
    r"trả lời tự động|thư trả lời tự động|phản hồi tự động|vắng mặt|đang nghỉ phép|nghỉ phép|không có mặt tại (văn phòng|cơ quan)",
    re.IGNORECASE,
)
_FINAL_RECIPIENT = re.compile(
    r"^(?:final|original)-recipient\s*:\s*(?:rfc822\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.IGNORECASE | re.MULTILINE
)
_ACTION = re.compile(r"^action\s*:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
_STATUS = re.compile(r"^status\s*:\s*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.MULTILINE)
_DIAGNOSTIC = re.compile(r"^diagnostic-code\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Classification:
    """What kind of machine-made message this is (`kind` None: written by a person)."""

    kind: str | None = None  # "auto_reply" or "bounce"
    reason: str = ""
    bounced: list[str] = field(default_factory=list)
    diagnostic: str = ""


def _first_group(pattern: re.Pattern[str], text: str) -> str:
    """The first group of the first match of `pattern` in `text`, or "" when it does not occur."""
    found = pattern.search(text)
    return found[1] if found else ""


def classify(parsed: ParsedMessage) -> Classification:
    """Bounce (multipart/report delivery-status) first, then RFC 3834 and vendor auto-reply headers, then subjects."""
    report_type = ""
    if parsed.message is not None and parsed.content_type == "multipart/report":
        try:
            param = parsed.message.get_param("report-type")
            # An RFC 2231 value comes back as a tuple: not "delivery-status", as before when .lower() failed on it.
            report_type = param.lower() if isinstance(param, str) else ""
        except Exception:
            report_type = ""
    if parsed.delivery_status or report_type == "delivery-status":
        return _bounce(parsed)
    if parsed.header("X-Planflow-Kind") is not None:
        return Classification("auto_reply", "planflow's own message came back")
    auto = (parsed.header("Auto-Submitted") or "").lower()
    if auto and not auto.startswith("no"):
        return Classification("auto_reply", f"Auto-Submitted: {auto}")
    precedence = (parsed.header("Precedence") or "").lower()
    if precedence in ("bulk", "junk", "auto_reply", "list"):
        return Classification("auto_reply", f"Precedence: {precedence}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-AutoReply-From", "X-Mail-Autoreply"):
        if parsed.header(name) is not None:
            return Classification("auto_reply", f"{name} header")
    if _OOO_SUBJECT.search(parsed.subject or ""):
        return Classification("auto_reply", f"out-of-office subject: {parsed.subject[:120]}")
    return Classification()


def _bounce(parsed: ParsedMessage) -> Classification:
    text = "\n".join(parsed.delivery_status)
    blocks = re.split(r"\n\s*\n", text)
    bounced: list[str] = []
    diagnostic = ""
    for block in blocks:
        recipients = _FINAL_RECIPIENT.findall(block)
        if not recipients:
            continue
        action = _first_group(_ACTION, block).lower()
        status = _first_group(_STATUS, block)
        if action == "failed" or status.startswith("5"):
            address = recipients[0].lower()
            if address not in bounced:
                bounced.append(address)
            diag = _DIAGNOSTIC.search(block)
            diagnostic = clean(diag.group(1) if diag else f"status {status}", limit=300)
    return Classification("bounce", "delivery-status report", bounced, diagnostic)


def referenced_message_ids(parsed: ParsedMessage) -> list[str]:
    """Message-IDs a delivery report refers to: its threading headers and the returned original's headers."""
    ids = [*parsed.in_reply_to, *parsed.references]
    if parsed.message is None:
        return ids
    try:
        for part in parsed.message.walk():
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else None
                if isinstance(inner, EmailMessage):
                    ids += [m for v in raw_values(inner, "Message-ID") for m in message_ids_of(v)]
            elif ctype == "text/rfc822-headers":
                text = part.get_payload(decode=True)
                text = text if isinstance(text, bytes) else b""
                for line in text.decode("utf-8", "replace").splitlines():
                    if line.lower().startswith("message-id:"):
                        ids += message_ids_of(line)
    except Exception:  # a damaged report refers to nothing we can trust
        pass
    return ids[:50]


def bounced_message(*, session, parsed: ParsedMessage) -> OutboundMessage | None:
    """The message planflow sent that this delivery report is about, or None (then it flags nobody).

    Our Message-IDs are keyed with the secret, so a forged report cannot name one it never saw.
    """
    for message_id in referenced_message_ids(parsed):
        row = session.exec(select(OutboundMessage).where(OutboundMessage.message_id == message_id)).first()
        if row is not None:
            return row
    return None


def recipients_of(message: OutboundMessage) -> set[str]:
    """The lower-case addresses a sent message went to."""
    return {a.lower() for _, a in getaddresses(list(message.recipients or [])) if a}


def flag_bounced(*, session, addresses: list[str], failure: str, now: dt.datetime) -> int:
    """Mark every contact with one of these addresses as failed (time and reason); returns how many rows."""
    flagged = 0
    for address in addresses:
        for contact in session.exec(select(Contact).where(func.lower(Contact.email) == address.lower())):
            contact.failed_at = now
            contact.failure = f"bounce: {failure}"[:500]
            session.add(contact)
            audit(
                session=session,
                actor="email",
                action="contact_bounced",
                agency_id=contact.agency_id,
                detail={"contact_id": contact.id, "email": contact.email, "failure": failure[:300]},
            )
            flagged += 1
    return flagged
