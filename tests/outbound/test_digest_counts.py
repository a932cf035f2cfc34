"""The officer's digest counts each pending agency's sent reminders and names its bounced focal points."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

from sqlmodel import col, select

from models.db import session_scope
from models.rounds import open_round, round_by_key
from models.tables import Agency, Contact, ContactRole, OutboundMessage, OutboxState, Plan
from notifications import notices

OPENED = dt.datetime(2018, 4, 16, 2, tzinfo=dt.UTC)
NOW = dt.datetime(2018, 5, 10, 2, tzinfo=dt.UTC)


def _outbox_row(key: str, kind: str, round_id: int | None, agency_id: int | None, state: OutboxState):
    return OutboundMessage(
        idempotency_key=key,
        kind=kind,
        round_id=round_id,
        agency_id=agency_id,
        message_id=f"<{key}@test.example>",
        sender="sotttt@vinhlong.example",
        recipients=["vanthu@sct.vinhlong.example"],
        subject=key,
        raw=b"x" * 70_000,
        state=state,
    )


def test_digest_lists_sent_reminders_and_bounced_addresses_per_agency(loaded_engine, settings):
    with session_scope(loaded_engine) as s:
        plan = s.exec(select(Plan)).one()
        budget = round_by_key(session=s, key="budget-2018")
        six = round_by_key(session=s, key="six-month-2018")
        assert plan.id is not None and budget.id is not None
        open_round(session=s, round_id=budget.id, now=OPENED)
        by_code = {a.code: a for a in s.exec(select(Agency))}
        sct, stc, snv = by_code["SCT"], by_code["STC"], by_code["SNV"]
        rows = [
            # SCT: two sent reminders count; a queued one and one of another round do not, nor a request.
            _outbox_row("reminder:budget-2018:SCT:before-7", "reminder", budget.id, sct.id, OutboxState.sent),
            _outbox_row("reminder:budget-2018:SCT:before-3", "reminder", budget.id, sct.id, OutboxState.sent),
            _outbox_row("reminder:budget-2018:SCT:before-1", "reminder", budget.id, sct.id, OutboxState.queued),
            _outbox_row("reminder:six-month-2018:SCT:before-7", "reminder", six.id, sct.id, OutboxState.sent),
            _outbox_row("request:budget-2018:SCT", "request", budget.id, sct.id, OutboxState.sent),
            # STC: one sent reminder.
            _outbox_row("reminder:budget-2018:STC:before-7", "reminder", budget.id, stc.id, OutboxState.sent),
        ]
        s.add_all(rows)
        focal = s.exec(
            select(Contact).where(col(Contact.agency_id) == stc.id, Contact.role == ContactRole.focal_point)
        ).first()
        assert focal is not None
        focal.failed_at = NOW
        bounced = focal.email
        s.flush()
        row = notices.enqueue_digest(session=s, settings=settings, plan_id=plan.id, now=NOW)
        assert row is not None
        raw = row.raw
        names = {a.code: a.name for a in (sct, stc, snv)}
    body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
    assert body is not None
    text = body.get_content()
    lines = {line.removeprefix("- ") for line in text.splitlines() if line.startswith("- ")}
    assert f"{names['SCT']}: đã nhắc 2 lần" in lines
    assert f"{names['STC']}: đã nhắc 1 lần (địa chỉ đầu mối bị từ chối: {bounced})" in lines
    assert names["SNV"] in lines  # pending, never reminded, no bounce: the name alone
    assert len(lines) == 36
