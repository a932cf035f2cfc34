"""Turn raw message bytes into a `ParsedMessage`, defensively: hostile or broken input gives defects, never an exception.

Uses the standard `email` package with `policy.default` (RFC 2047 headers, RFC 2231 file names,
quoted-printable and base64). Addresses are read from the RAW header text, before any encoded word is
decoded, so a display name cannot smuggle in a second address.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import cached_property
from typing import Any, cast

MAX_DEPTH = 20
MAX_PARTS = 500
_SERIOUS_DEFECTS = {
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "NoBoundaryInMultipartDefect",
    "MissingHeaderBodySeparatorDefect",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_MSGID = re.compile(r"<[^<>\s]+>")
# Charsets a Vietnamese mail client may declare, mapped to codecs Python has.
_CHARSET_ALIASES = {
    "windows-1258": "cp1258",
    "x-windows-1258": "cp1258",
    "vietnamese": "cp1258",
    "unicode-1-1-utf-8": "utf-8",
}


@dataclass
class Part:
    """A leaf part that carries a file (or a part too large to decode, `payload` None).

    The content is decoded only when `payload` is first read: the reader reads it only for a trusted
    sender, so a stranger's attachments are never even decoded.
    """

    filename: str | None
    content_type: str
    encoded_size: int
    inline: bool
    content_id: str | None
    source: Any = field(default=None, repr=False, compare=False)

    @cached_property
    def payload(self) -> bytes | None:
        """The decoded content (None when too large to decode, or undecodable)."""
        if self.source is None:
            return None
        try:
            data = self.source.get_payload(decode=True)
        except Exception:
            return None
        return data if isinstance(data, bytes) else None


@dataclass
class ParsedMessage:
    """What the rest of the reader needs from one message."""

    message: EmailMessage | None
    message_id: str | None = None
    subject: str = ""
    from_address: str | None = None
    from_name: str | None = None
    from_count: int = 0
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    received_at: dt.datetime | None = None
    content_type: str = "text/plain"
    text_plain: str | None = None
    text_html: str | None = None
    parts: list[Part] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @property
    def serious_defects(self) -> list[str]:
        """Defects that make the message's content unreliable (broken structure, too deep, unparseable)."""
        return [d for d in self.defects if d.split(":")[0] in _SERIOUS_DEFECTS or d.startswith(("too ", "unparseable"))]

    def header(self, name: str) -> str | None:
        """The first raw value of a header, unfolded and without control characters, or None."""
        return first_raw(self.message, name) if self.message is not None else None


def clean(text: str | None, *, limit: int = 998) -> str:
    """A single-line string with control characters (and smuggled CR/LF) replaced by spaces."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text or "")).strip()[:limit]


_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def storable(text: str | None) -> str:
    """Free text fit for any database and any document: NUL (PostgreSQL refuses it), other C0 controls and
    lone surrogates removed; tabs and line breaks kept."""
    return _UNSTORABLE.sub("", text or "")


def message_ids_of(text: str | None) -> list[str]:
    """Every `<id@host>` in a header value or a block of headers."""
    return _MSGID.findall(text or "")


def raw_values(msg: EmailMessage | None, name: str) -> list[str]:
    """Every raw value of a header (no decoding, no parsing that could raise)."""
    if msg is None:
        return []
    lname = name.lower()
    out = []
    for key, value in msg.raw_items():
        if key.lower() == lname:
            out.append(str(value).replace("\r", "").replace("\n", ""))
    return out


def first_raw(msg: EmailMessage | None, name: str) -> str | None:
    """The first raw value of a header, or None."""
    values = raw_values(msg, name)
    return clean(values[0]) if values else None


def fix_surrogates(text: str) -> str:
    """Raw 8-bit header bytes come back as surrogate escapes: decode them as UTF-8, else as windows-1258."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def decode_words(text: str | None) -> str:
    """A header value with RFC 2047 encoded words decoded (lenient)."""
    if not text:
        return ""
    text = fix_surrogates(text)
    try:
        return str(make_header(decode_header(text)))
    except Exception:
        return text


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs from raw address headers."""
    try:
        pairs = getaddresses([fix_surrogates(v) for v in values])
    except Exception:
        return []
    return [(decode_words(n), a.strip().lower()) for n, a in pairs if a and "@" in a]


def _message_ids(values: list[str]) -> list[str]:
    return [m for v in values for m in _MSGID.findall(v)]


def _received_at(msg: EmailMessage) -> dt.datetime | None:
    values = raw_values(msg, "Received")
    if not values:
        return None
    _, sep, when = values[0].rpartition(";")
    if not sep:
        return None
    try:
        stamp = parsedate_to_datetime(when.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return stamp if stamp.tzinfo else None


def _decode_text(part) -> str:
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    for codec in (charset, "utf-8"):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1258", errors="replace")


def _filename(part) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        for header in ("Content-Disposition", "Content-Type"):
            raw = first_raw(part, header) or ""
            found = re.search(r'(?:file)?name\*?="?([^";]+)', raw, re.IGNORECASE)
            if found:
                name = found.group(1)
                break
    return clean(decode_words(name), limit=400) if name else None


def _content_type(part) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def parse_message(raw: bytes, *, max_decoded_bytes: int) -> ParsedMessage:
    """Parse raw bytes; never raises. Parts larger than `max_decoded_bytes` are listed but not decoded."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except (Exception, RecursionError) as exc:
        return ParsedMessage(message=None, defects=[f"unparseable: {type(exc).__name__}"])
    parsed = ParsedMessage(message=msg)
    try:
        _read_headers(parsed, msg)
    except (Exception, RecursionError) as exc:
        parsed.defects.append(f"unparseable: headers {type(exc).__name__}")
    try:
        _read_parts(parsed, msg, max_decoded_bytes=max_decoded_bytes)
    except (Exception, RecursionError) as exc:
        parsed.defects.append(f"unparseable: body {type(exc).__name__}")
    return parsed


def _read_headers(parsed: ParsedMessage, msg: EmailMessage) -> None:
    ids = _message_ids(raw_values(msg, "Message-ID"))
    parsed.message_id = ids[0][:500] if ids else None
    parsed.subject = clean(decode_words(first_raw(msg, "Subject")))
    from_values = raw_values(msg, "From")
    senders = addresses(from_values)
    parsed.from_count = len(senders) if len(from_values) <= 1 else len(from_values) + len(senders)
    if senders:
        parsed.from_name, parsed.from_address = clean(senders[0][0], limit=200) or None, senders[0][1][:320]
    parsed.to = [a for _, a in addresses(raw_values(msg, "To"))]
    parsed.cc = [a for _, a in addresses(raw_values(msg, "Cc"))]
    parsed.delivered_to = [a for _, a in addresses(raw_values(msg, "Delivered-To") + raw_values(msg, "X-Original-To"))]
    parsed.in_reply_to = _message_ids(raw_values(msg, "In-Reply-To"))
    parsed.references = _message_ids(raw_values(msg, "References"))
    date = first_raw(msg, "Date")
    if date:
        try:
            parsed.date = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            parsed.defects.append("InvalidDateDefect")
    parsed.received_at = _received_at(msg)
    parsed.content_type = _content_type(msg)
    if not from_values:
        parsed.defects.append("missing From")


def _read_parts(parsed: ParsedMessage, msg: EmailMessage, *, max_decoded_bytes: int) -> None:
    stack = [(msg, 0)]
    leaves = 0
    while stack:
        part, depth = stack.pop()
        for defect in getattr(part, "defects", []):
            parsed.defects.append(type(defect).__name__)
        if depth > MAX_DEPTH:
            parsed.defects.append(f"too deeply nested: more than {MAX_DEPTH} levels")
            continue
        ctype = _content_type(part)
        if ctype == "message/delivery-status":
            parsed.delivery_status.append(_delivery_status_text(part))
            continue
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                # Parsed with policy.default, so every sub-part is an EmailMessage (the stubs say Message | str).
                parts = cast("list[EmailMessage]", children)
                stack.extend((child, depth + 1) for child in reversed(parts))
            continue
        leaves += 1
        if leaves > MAX_PARTS:
            parsed.defects.append(f"too many parts: more than {MAX_PARTS}")
            return
        _read_leaf(parsed, part, ctype, max_decoded_bytes=max_decoded_bytes)


def _read_leaf(parsed: ParsedMessage, part, ctype: str, *, max_decoded_bytes: int) -> None:
    filename = _filename(part)
    disposition = (part.get_content_disposition() or "") if hasattr(part, "get_content_disposition") else ""
    if ctype in ("text/plain", "text/html") and not filename and disposition != "attachment":
        text = _decode_text(part)
        if ctype == "text/plain" and parsed.text_plain is None:
            parsed.text_plain = text
        elif ctype == "text/html" and parsed.text_html is None:
            parsed.text_html = text
        return
    raw_payload = part.get_payload()
    encoded_size = len(raw_payload) if isinstance(raw_payload, (str, bytes)) else 0
    cte = (first_raw(part, "Content-Transfer-Encoding") or "").lower()
    estimate = encoded_size * 3 // 4 if "base64" in cte else encoded_size
    parsed.parts.append(
        Part(
            filename=filename,
            content_type=ctype,
            encoded_size=encoded_size,
            inline=disposition == "inline" or (not disposition and not filename),
            content_id=first_raw(part, "Content-ID"),
            source=part if estimate <= max_decoded_bytes + 4096 else None,
        )
    )


def _delivery_status_text(part) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses delivery-status into header blocks
        return "\n\n".join(str(block) for block in payload)
    return str(payload or "")
