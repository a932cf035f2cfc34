"""Decide which agency and round a reply answers: its sole purpose is to find the match, or say there is none.

In order: the signed token in our reply address (To, Cc, Delivered-To), the subject tag
(`[BC-…/CODE]`, whatever "RE:/TL:/Fwd:/Trả lời:" prefixes a client added), the threading headers
(In-Reply-To, then References) against the outbox's Message-IDs, and last the markers of a returned
planflow form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from inbound.parsing import ParsedMessage
from models.settings import Settings
from models.tables import Agency, OutboundMessage, Round
from models.tokens import read_reply_token, token_from_address
from notifications.addressing import parse_subject_tag, round_key_from_tag


@dataclass(frozen=True)
class Match:
    """The round and agency a reply belongs to, and how it was found."""

    round_id: int
    agency_id: int
    method: str  # token, subject, thread, form, officer

    @property
    def signed(self) -> bool:
        """True when the match rests on our signature (the reply-address token), not on a header anyone can write."""
        return self.method in ("token", "officer")


def _by_token(*, session, settings: Settings, parsed: ParsedMessage, now: dt.datetime) -> Match | None:
    secrets = settings.verification_secrets(now)  # the current key, and former ones until their date
    for address in [*parsed.to, *parsed.cc, *parsed.delivered_to][:100]:
        token = token_from_address(address, local_part=settings.smtp.reply_local_part)
        if not token:
            continue
        for secret in secrets:
            named = read_reply_token(secret, token)
            if named and session.get(Round, named.round_id) and session.get(Agency, named.agency_id):
                return Match(named.round_id, named.agency_id, "token")
    return None


def _by_keys(*, session, round_key: str | None, agency_code: str | None, method: str) -> Match | None:
    if not round_key or not agency_code:
        return None
    rows = session.exec(
        select(Round, Agency)
        .join(Agency, col(Agency.plan_id) == Round.plan_id)
        .where(Round.key == round_key.lower(), Agency.code == agency_code.upper())
        .order_by(col(Round.id).desc())
    ).all()
    if not rows:
        return None
    r, a = rows[0]
    return Match(r.id, a.id, method)


def _by_subject(*, session, parsed: ParsedMessage) -> Match | None:
    tag = parse_subject_tag(parsed.subject)
    if tag is None:
        return None
    round_tag, agency_code = tag
    return _by_keys(session=session, round_key=round_key_from_tag(round_tag), agency_code=agency_code, method="subject")


def _by_thread(*, session, parsed: ParsedMessage) -> Match | None:
    candidates = [*parsed.in_reply_to, *reversed(parsed.references)]
    for message_id in candidates[:50]:
        row = session.exec(
            select(OutboundMessage)
            .where(
                OutboundMessage.message_id == message_id,
                col(OutboundMessage.round_id).is_not(None),
                col(OutboundMessage.agency_id).is_not(None),
            )
            .order_by(col(OutboundMessage.id))
        ).first()
        if row is not None:
            return Match(row.round_id, row.agency_id, "thread")
    return None


def match_reply(
    *,
    session,
    settings: Settings,
    parsed: ParsedMessage,
    form_round_key: str | None = None,
    form_agency_code: str | None = None,
    now: dt.datetime | None = None,
) -> Match | None:
    """The round and agency of a reply, trying each way in order, or None when nothing names them.

    Only a `token` match proves anything by itself; the others are claims the sender check must back.
    """
    return (
        _by_token(session=session, settings=settings, parsed=parsed, now=now or dt.datetime.now(dt.UTC))
        or _by_subject(session=session, parsed=parsed)
        or _by_thread(session=session, parsed=parsed)
        or _by_keys(session=session, round_key=form_round_key, agency_code=form_agency_code, method="form")
    )
