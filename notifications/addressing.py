"""Who a message is from and how a reply finds its way back: reply address, subject tag, stable Message-ID."""

from __future__ import annotations

import hashlib
import hmac
import re
from email.header import decode_header, make_header
from email.headerregistry import Address

from models import tokens
from models.settings import Settings

_TAG_RE = re.compile(r"\[\s*BC-([A-Z0-9][A-Z0-9-]*?)\s*/\s*([A-Z0-9][A-Z0-9_-]*)\s*\]", re.IGNORECASE)


def round_tag(round_key: str) -> str:
    """The round part of a subject tag: round key `6t-2018` → `BC-6T-2018`."""
    return f"BC-{round_key.upper()}"


def round_key_from_tag(tag: str) -> str:
    """The round key a round tag names: `BC-6T-2018` → `6t-2018` (round keys are lower case)."""
    return tag[3:].lower() if tag.upper().startswith("BC-") else tag.lower()


def subject_tag(round_key: str, agency_code: str) -> str:
    """The tag put in every subject of a round, e.g. `[BC-6T-2018/SVHTTDL]`."""
    return f"[{round_tag(round_key)}/{agency_code.upper()}]"


def parse_subject_tag(subject: str | None) -> tuple[str, str] | None:
    """(round tag, agency code) from a subject such as "RE: TL: Fwd: [BC-6T-2018/SVHTTDL] ...", or None."""
    if not subject:
        return None
    if "=?" in subject:
        try:
            subject = str(make_header(decode_header(subject)))
        except (UnicodeError, LookupError, ValueError):
            pass
    match = _TAG_RE.search(subject)
    if match is None:
        return None
    return f"BC-{match.group(1).upper()}", match.group(2).upper()


def reply_address(*, settings: Settings, round_id: int, agency_id: int) -> str:
    """The personal reply address of an agency in a round (`baocao+TOKEN@domain`)."""
    return tokens.reply_address(
        settings.secret_key.get_secret_value(),
        round_id,
        agency_id,
        local_part=settings.smtp.reply_local_part,
        domain=settings.smtp.reply_domain,
    )


def general_reply_address(*, settings: Settings) -> str:
    """The shared mailbox address, for messages not tied to one agency's round."""
    return f"{settings.smtp.reply_local_part}@{settings.smtp.reply_domain}"


def sender(*, settings: Settings) -> str:
    """The From header: display name and address of planflow's sender."""
    return str(Address(display_name=settings.smtp.from_name, addr_spec=settings.smtp.from_address))


def mailbox(name: str | None, email: str) -> str:
    """A header mailbox "Name <email>" (the name RFC 2047-encoded later by the email policy)."""
    return str(Address(display_name=name or "", addr_spec=email)) if name else email


def message_id(key: str, *, settings: Settings) -> str:
    """A Message-ID derived from the idempotency key, keyed with the secret: stable for us, unguessable for others."""
    secret = settings.secret_key.get_secret_value().encode("utf-8")
    digest = hmac.new(secret, b"message-id:" + key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return f"<{digest}.planflow@{settings.smtp.reply_domain}>"


def upload_url(*, settings: Settings, token: str) -> str:
    """The personal upload link served by the portal's `/u/{token}` route."""
    return f"{settings.portal.public_url.rstrip('/')}/u/{token}"


__all__ = [
    "general_reply_address",
    "mailbox",
    "message_id",
    "parse_subject_tag",
    "reply_address",
    "round_key_from_tag",
    "round_tag",
    "sender",
    "subject_tag",
    "upload_url",
]
