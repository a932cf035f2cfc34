"""Build outbound EmailMessage objects: multipart/alternative text and HTML, UTF-8, attachments, threading headers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from notifications.render import Rendered


@dataclass(frozen=True)
class FileAttachment:
    """A file to attach; `filename` may be Vietnamese (written with RFC 2231)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def compose(
    *,
    sender: str,
    to: list[str],
    rendered: Rendered,
    message_id: str,
    date: dt.datetime,
    cc: list[str] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] = (),
    attachments: list[FileAttachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """One message: text and HTML alternatives (plus attachments), RFC 2047 headers, stable Message-ID."""
    if not to:
        raise ValueError("a message needs at least one To recipient")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date.astimezone(dt.timezone.utc))
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = [r for r in references if r]
    if refs:
        msg["References"] = " ".join(refs)
    # RFC 3834: tells out-of-office responders not to answer an automated notice.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    for a in attachments:
        msg.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype, filename=a.filename, params=a.params)
    return msg


def raw_bytes(message: EmailMessage) -> bytes:
    """The message as sent on the wire (CRLF line endings)."""
    return message.as_bytes(policy=policy.SMTP)
