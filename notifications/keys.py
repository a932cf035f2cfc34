"""The outbox idempotency keys: one definition of each notice's key, and the look-ups that read them back.

A key names a notice (e.g. `reminder:{round}:{agency}:{step}`); its existence in the outbox means
"written, will be or has been sent". The daily run reads the reminder and digest keys back to know
what is already done, so the format is written and parsed here only.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models.tables import OutboundMessage


def assignment_key(plan_key: str, agency_code: str) -> str:
    """The assignment notice of an agency in a plan."""
    return f"assignment:{plan_key}:{agency_code}"


def request_key(round_key: str, agency_code: str) -> str:
    """A round's request to an agency (its Message-ID roots the thread)."""
    return f"request:{round_key}:{agency_code}"


def _reminders_of(round_key: str) -> str:
    return f"reminder:{round_key}:"


def reminder_key(round_key: str, agency_code: str, step: str) -> str:
    """One step of the reminder ladder to one agency."""
    return f"{_reminders_of(round_key)}{agency_code}:{step}"


def escalation_key(round_key: str, agency_code: str, step: str) -> str:
    """The escalation to an agency's head that goes with a reminder step."""
    return f"escalation:{round_key}:{agency_code}:{step}"


def receipt_key(submission_id: int) -> str:
    """The receipt of one recorded submission version."""
    return f"receipt:{submission_id}"


def refusal_key(ident: str, reason: str, filename: str | None = None) -> str:
    """The refusal of one reply (`ident`: the inbound message id or a hash of the reply), per reason and file."""
    return f"refusal:{ident}:{reason}" + (f":{filename}" if filename else "")


def _digests_of(plan_key: str) -> str:
    return f"digest:{plan_key}:"


def digest_key(plan_key: str, day: dt.date) -> str:
    """The officer's digest of one plan on one local day."""
    return f"{_digests_of(plan_key)}{day.isoformat()}"


def press_key(plan_key: str, year: int, quarter: int) -> str:
    """The press-conference reminder of one quarter."""
    return f"press:{plan_key}:{year}-q{quarter}"


def report_key(round_key: str, version: int) -> str:
    """The approved consolidated report of a round, one draft version."""
    return f"report:{round_key}:v{version}"


def sent_reminders(*, session: Session, round_key: str) -> dict[tuple[str, str], dt.datetime]:
    """(agency code, step) -> when each reminder of a round was sent (or written, if not yet sent)."""
    prefix = _reminders_of(round_key)
    rows = session.exec(select(OutboundMessage).where(col(OutboundMessage.idempotency_key).startswith(prefix))).all()
    sent: dict[tuple[str, str], dt.datetime] = {}
    for row in rows:
        code, step = row.idempotency_key[len(prefix) :].split(":", 1)
        sent[(code, step)] = row.sent_at or row.created_at
    return sent


def last_digest_day(*, session: Session, plan_key: str) -> dt.date | None:
    """The local day of the newest digest written for a plan, or None."""
    prefix = _digests_of(plan_key)
    keys = session.exec(
        select(OutboundMessage.idempotency_key).where(col(OutboundMessage.idempotency_key).startswith(prefix))
    ).all()
    return max((dt.date.fromisoformat(k[len(prefix) :]) for k in keys), default=None)
