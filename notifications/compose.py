"""Build outbound EmailMessage objects: multipart/alternative text and HTML, UTF-8, attachments, threading headers."""

from __future__ import annotations

import datetime as dt
import email.headerregistry
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, getaddresses

from notifications.render import Rendered


@dataclass(frozen=True)
class FileAttachment:
    """A file to attach; `filename` may be Vietnamese (written with RFC 2231)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
_TEXT_HEADERS = frozenset({"subject"})
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})


class _Policy(EmailPolicy):
    """SMTP policy whose Subject and address headers are RFC 2047-encoded by `email.header.Header`.

    The modern folder of the standard library drops the space between two encoded words when it
    splits a long Vietnamese subject ("Kế hoạch số" is read back as "Kế hoạchsố"); `Header` keeps
    the spaces inside the encoded words, so every reader decodes the text intact.
    """

    def _fold(self, name, value, refold_binary=False):
        text = str(value)
        lname = name.lower()
        if lname in _ID_HEADERS:
            # Never fold inside an id: some readers keep the folding space as part of the Message-ID.
            return f"{name}: {(self.linesep + ' ').join(text.split())}{self.linesep}"
        if text.isascii() or lname not in _ADDRESS_HEADERS | _TEXT_HEADERS:
            return super()._fold(name, value, refold_binary)  # pyright: ignore[reportAttributeAccessIssue]  (EmailPolicy's own folding)
        width = self.max_line_length or 78
        if lname in _TEXT_HEADERS:
            body = Header(text, "utf-8", maxlinelen=width, header_name=name).encode(linesep=self.linesep)
        else:
            parts = []
            for display, addr in getaddresses([text]):
                if display and not display.isascii():
                    # One encoded word: Python's address parser keeps the space between two words.
                    display = Header(display, "utf-8", maxlinelen=998).encode(linesep=self.linesep)
                    parts.append(f"{display} <{addr}>")
                elif display:
                    parts.append(str(email.headerregistry.Address(display_name=display, addr_spec=addr)))
                else:
                    parts.append(addr)
            body = ("," + self.linesep + " ").join(parts)
        return f"{name}: {body}{self.linesep}"


POLICY = _Policy(linesep="\r\n", utf8=False)

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def compose(
    *,
    sender: str,
    to: list[str],
    rendered: Rendered,
    message_id: str,
    date: dt.datetime,
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[FileAttachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """One message: text and HTML alternatives (plus attachments), RFC 2047 headers, stable Message-ID."""
    if not to:
        raise ValueError("a message needs at least one To recipient")
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
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
    return message.as_bytes(policy=POLICY)
