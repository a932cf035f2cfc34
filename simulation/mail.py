"""The agencies' side of email: read what planflow sent (the catcher's .eml files), answer into the IMAP mailbox.

A request is read like a person would: the subject tag says round and agency, `Reply-To` is the
personal reply address, the body holds the personal upload link, and the attached Word form is
filled in and sent back. Replies are APPENDed to Dovecot with an INTERNALDATE at the simulated
instant, which is what decides on time or late.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from docx import Document
from imapclient import IMAPClient

from notifications.addressing import parse_subject_tag, round_key_from_tag
from notifications.reportform import FIELDS, GENERAL_KEY, KEY_LABEL

_LINK_RE = re.compile(r"https?://[^\s<>\"')]+/u/[A-Za-z0-9._~-]+")
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@dataclass(frozen=True)
class Sent:
    """One message the catcher received, with what the simulation needs of it."""

    path: Path
    kind: str
    message_id: str
    subject: str
    to: list[str]
    cc: list[str]
    reply_to: str | None
    round_key: str | None
    agency_code: str | None
    upload_url: str | None
    form: bytes | None
    attachments: list[str]


def _text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def read_sent(path: Path) -> Sent:
    """Parse one caught .eml file."""
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    subject = str(msg.get("Subject", ""))
    tag = parse_subject_tag(subject)
    form = None
    names = []
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        names.append(name)
        if name.lower().endswith(".docx") and form is None:
            form = part.get_content()
    link = _LINK_RE.search(_text_of(msg))
    return Sent(
        path=path,
        kind=str(msg.get("X-Planflow-Kind", "")),
        message_id=str(msg.get("Message-ID", "")).strip(),
        subject=subject,
        to=[a.lower() for _, a in getaddresses(msg.get_all("To", []))],
        cc=[a.lower() for _, a in getaddresses(msg.get_all("Cc", []))],
        reply_to=(getaddresses(msg.get_all("Reply-To", [])) or [(None, None)])[0][1],
        round_key=round_key_from_tag(tag[0]) if tag else None,
        agency_code=tag[1] if tag else None,
        upload_url=link.group(0) if link else None,
        form=form,
        attachments=names,
    )


def read_all(folder: Path) -> list[Sent]:
    """Every message caught so far, in file-name order."""
    return [read_sent(p) for p in sorted(folder.rglob("*.eml"))]


def fill_form(form: bytes, *, texts: dict[str, tuple[str, str, str]], contact: tuple[str, str]) -> bytes:
    """The request's Word form filled as an officer would: (results, difficulties, proposals) per task key."""
    doc = Document(io.BytesIO(form))
    labels = {label: i for i, (_, label) in enumerate(FIELDS)}
    for table in doc.tables:
        first = table.rows[0].cells
        if first[0].text.strip() == "Người báo cáo":
            table.rows[0].cells[1].text = contact[0]
            table.rows[1].cells[1].text = contact[1]
            continue
        if first[0].text.strip() != KEY_LABEL:
            continue
        key = first[-1].text.strip()
        values = texts.get(key) if key != GENERAL_KEY else None
        if not values:
            continue
        for row in table.rows[1:]:
            index = labels.get(row.cells[0].text.strip())
            if index is not None:
                row.cells[1].text = values[index]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def form_task_keys(form: bytes) -> list[str]:
    """The task keys printed on a request's form."""
    doc = Document(io.BytesIO(form))
    keys = []
    for table in doc.tables:
        cells = table.rows[0].cells
        if cells[0].text.strip() == KEY_LABEL and cells[-1].text.strip() != GENERAL_KEY:
            keys.append(cells[-1].text.strip())
    return keys


def build_reply(
    *,
    request: Sent,
    sender: str,
    body: str,
    at: dt.datetime,
    attachment: tuple[str, bytes] | None,
    to: str | None = None,
    domain: str = "simulation.example",
) -> bytes:
    """A reply as a mail client writes it: 'Trả lời:' subject, threading headers, the filled form attached."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = to or request.reply_to
    msg["Subject"] = f"Trả lời: {request.subject}"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["In-Reply-To"] = request.message_id
    msg["References"] = request.message_id
    msg.set_content(body, charset="utf-8")
    if attachment is not None:
        name, data = attachment
        msg.add_attachment(data, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=name)
    return msg.as_bytes(policy=policy.SMTP)


@dataclass(frozen=True)
class Mailbox:
    """Where the agencies' replies land: an IMAP account."""

    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"

    def append(self, raw: bytes, at: dt.datetime) -> None:
        """Put a message in the folder with INTERNALDATE = `at` (the instant the server 'received' it)."""
        with IMAPClient(self.host, port=self.port, ssl=False, timeout=30) as client:
            client.login(self.user, self.password)
            client.append(self.folder, raw, flags=(), msg_time=at)
